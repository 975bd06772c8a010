import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "./store.js";

/** What every Store keeps of the servers sharing it and the runs each drives (servers.ts). */
export function describeServersContract(name: string, open: () => Promise<Store>): void {
  describe(`Servers contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const server = (id: string, at: string) => ({
      id,
      host: "h",
      dataDir: `/srv/${id}`,
      pid: 7,
      url: "",
      startedAt: at,
      heartbeatAt: at,
    });

    async function run(status: "queued" | "in_progress" | "completed", serverId?: string): Promise<number> {
      const repo =
        (await store.getRepo("acme", "app")) ??
        (await store.addRepo({
          owner: "acme",
          name: "app",
          url: "/srv/app.git",
          defaultBranch: "main",
          pollIntervalSeconds: 60,
        }));
      const created = await store.createRun({
        repoId: repo.id,
        workflowName: "CI",
        workflowFile: ".github/workflows/ci.yml",
        event: "push",
        ref: "refs/heads/main",
        headBranch: "main",
        headSha: "a".repeat(40),
        status,
        conclusion: status === "completed" ? "success" : null,
        actor: "dev",
        github: {},
        inputs: {},
        problems: [],
        serverId,
      });
      return created.id;
    }

    it("keeps each server's heartbeat and says when its row is gone", async () => {
      await store.registerServer(server("a", "2026-01-01T00:00:00.000Z"));
      await store.registerServer(server("b", "2026-01-01T00:00:01.000Z"));
      expect(await store.heartbeatServer("a", "2026-01-01T00:00:05.000Z", "http://127.0.0.1:1")).toBe(true);
      expect(await store.listServers()).toEqual([
        {
          ...server("a", "2026-01-01T00:00:00.000Z"),
          heartbeatAt: "2026-01-01T00:00:05.000Z",
          url: "http://127.0.0.1:1",
        },
        server("b", "2026-01-01T00:00:01.000Z"),
      ]);
      // A leader that saw an older heartbeat removes nothing: the server beat since.
      expect(await store.removeServer("a", "2026-01-01T00:00:00.000Z")).toBe(false);
      expect(await store.removeServer("a", "2026-01-01T00:00:05.000Z")).toBe(true);
      expect(await store.heartbeatServer("a", "2026-01-01T00:00:06.000Z")).toBe(false);
      expect(await store.removeServer("a")).toBe(false);
      expect((await store.listServers()).map((s) => s.id)).toEqual(["b"]);
    });

    it("records who drives each unfinished run; a run is adopted from the owner seen, once", async () => {
      const mine = await run("in_progress", "a");
      const orphan = await run("queued");
      await run("completed", "a");
      expect(await store.unfinishedRunOwners()).toEqual([
        { runId: mine, serverId: "a" },
        { runId: orphan, serverId: null },
      ]);
      const tries = await Promise.all(["b", "c", "d"].map((to) => store.adoptRun(mine, "a", to)));
      expect(tries.filter(Boolean)).toHaveLength(1);
      expect(await store.adoptRun(mine, "a", "e")).toBe(false);
      expect(await store.adoptRun(orphan, null, "b")).toBe(true);
      expect(await store.adoptRun(orphan, null, "c")).toBe(false);
      await store.driveRun(orphan, "z");
      const owners = new Map((await store.unfinishedRunOwners()).map((o) => [o.runId, o.serverId]));
      expect(owners.get(orphan)).toBe("z");
      expect(["b", "c", "d"]).toContain(owners.get(mine));
      await store.updateRun(orphan, { status: "completed", conclusion: "success" });
      expect(await store.adoptRun(orphan, "z", "b")).toBe(false);
    });

    it("keeps the schedule ticks being started (pending) beside the last ticks", async () => {
      const repo = await store.addRepo({
        owner: "acme",
        name: "cron",
        url: "/srv/cron.git",
        defaultBranch: "main",
        pollIntervalSeconds: 0,
      });
      const memory = {
        ticks: { "a.yml\n0 0 * * *": "2026-01-02T00:00:00.000Z" },
        pending: { "a.yml\n0 0 * * *": "2026-01-02T00:00:00.000Z" },
      };
      await store.putTriggerMemory(repo.id, memory);
      expect(await store.getTriggerMemory(repo.id)).toEqual(memory);
      await store.putTriggerMemory(repo.id, { ticks: memory.ticks });
      expect(await store.getTriggerMemory(repo.id)).toEqual({ ticks: memory.ticks });
    });
  });
}
