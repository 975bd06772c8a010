import { describe, expect, it } from "vitest";
import type { ServerRecord, Store } from "../store/index.js";
import { SoleLeadership } from "./leadership.js";
import { ServerPresence } from "./server-presence.js";
import { WriteFence } from "./write-fence.js";

/** The servers table alone, each read taking `slowMs` (a loaded machine, a slow database). */
function serversTable(slowMs: number) {
  const rows = new Map<string, ServerRecord>();
  const slow = () => new Promise((r) => setTimeout(r, slowMs));
  const store = {
    async registerServer(s: ServerRecord) {
      rows.set(s.id, s);
    },
    async heartbeatServer(id: string, at: string) {
      const row = rows.get(id);
      if (!row) return false;
      row.heartbeatAt = at;
      return true;
    },
    async listServers() {
      await slow();
      return [...rows.values()].map((r) => ({ ...r }));
    },
    async removeServer(id: string, heartbeatAt?: string) {
      const row = rows.get(id);
      if (!row || (heartbeatAt !== undefined && row.heartbeatAt !== heartbeatAt)) return false;
      rows.delete(id);
      return true;
    },
    async unfinishedRunOwners() {
      return [{ runId: 7, serverId: "dead" }];
    },
  };
  return { rows, store: store as unknown as Store };
}

describe("ServerPresence", () => {
  it("judges a server whose heartbeat stopped dead and adopts its runs, though each of its looks comes late", async () => {
    // Each look at the others takes 3 heartbeats: every look is later than two heartbeats after the last.
    const { rows, store } = serversTable(60);
    rows.set("dead", {
      id: "dead",
      host: "elsewhere",
      dataDir: "/srv",
      pid: 1,
      url: "",
      startedAt: "2026-01-01T00:00:00.000Z",
      heartbeatAt: "2026-01-01T00:00:00.000Z",
    });
    const adopted: [number, string | null][] = [];
    const presence = new ServerPresence({
      store,
      leadership: new SoleLeadership(),
      adopt: async (runId, from) => {
        adopted.push([runId, from]);
      },
      dataDir: "/here",
      log: () => {},
      judgedDead: () => {},
      fence: new WriteFence(10_000),
      heartbeatMs: 20,
      deadAfterMs: 200,
    });
    await presence.start();
    try {
      for (let i = 0; i < 200 && adopted.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(adopted).toEqual([[7, "dead"]]);
      expect(rows.has("dead")).toBe(false);
    } finally {
      await presence.stop();
    }
  });
});
