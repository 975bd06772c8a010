import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "./store.js";
import type { NewRun } from "./types.js";

/**
 * The behaviour every Store implementation keeps. Run it with a factory that opens an empty
 * store: `describeStoreContract("SQLite", () => openSqliteStore(":memory:"))`.
 */
export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const repo = {
      owner: "acme",
      name: "app",
      url: "/srv/app.git",
      defaultBranch: "main",
      pollIntervalSeconds: 60,
    };
    const run = (repoId: number, over: Partial<NewRun> = {}): NewRun => ({
      repoId,
      workflowName: "CI",
      workflowFile: ".github/workflows/ci.yml",
      event: "push",
      ref: "refs/heads/main",
      headBranch: "main",
      headSha: "a".repeat(40),
      status: "queued",
      conclusion: null,
      actor: "dev",
      github: { run_id: "1", event: { ref: "refs/heads/main" } },
      inputs: { debug: true },
      problems: [],
      ...over,
    });

    it("counts each sequence on its own, from 1", async () => {
      expect(await store.nextValue("a")).toBe(1);
      expect(await store.nextValue("a")).toBe(2);
      expect(await store.nextValue("b")).toBe(1);
    });

    it("adds repositories, refuses a second with the same owner/name, and upserts", async () => {
      const added = await store.addRepo(repo);
      expect(added).toMatchObject(repo);
      await expect(store.addRepo(repo)).rejects.toMatchObject({ code: "conflict" });
      const updated = await store.upsertRepo({ ...repo, url: "/srv/other.git" });
      expect(updated.id).toBe(added.id);
      expect((await store.getRepo("acme", "app"))?.url).toBe("/srv/other.git");
      expect((await store.getRepoById(added.id))?.name).toBe("app");
      expect(await store.getRepo("acme", "nope")).toBeUndefined();
      const second = await store.upsertRepo({ ...repo, name: "lib" });
      expect(second.id).not.toBe(added.id);
      expect((await store.listRepos()).map((r) => r.name)).toEqual(["app", "lib"]);
    });

    it("numbers runs per workflow and keeps their JSON fields", async () => {
      const r = await store.addRepo(repo);
      const a = await store.createRun(run(r.id));
      const b = await store.createRun(run(r.id));
      const c = await store.createRun(run(r.id, { workflowFile: ".github/workflows/other.yml" }));
      expect([a.runNumber, b.runNumber, c.runNumber]).toEqual([1, 2, 1]);
      expect(new Set([a.id, b.id, c.id]).size).toBe(3);
      const read = await store.getRun(a.id);
      expect(read).toMatchObject({
        status: "queued",
        conclusion: null,
        runAttempt: 1,
        inputs: { debug: true },
      });
      expect(read?.github).toEqual({ run_id: "1", event: { ref: "refs/heads/main" } });
      await store.updateRun(a.id, {
        status: "completed",
        conclusion: "failure",
        problems: ["ci.yml:1:1: bad"],
      });
      expect(await store.getRun(a.id)).toMatchObject({
        status: "completed",
        conclusion: "failure",
        problems: ["ci.yml:1:1: bad"],
      });
      expect((await store.listUnfinishedRuns()).map((x) => x.id)).toEqual([b.id, c.id]);
    });

    it("keeps a run's workflow_run chain depth: 0 unless given", async () => {
      const r = await store.addRepo(repo);
      const first = await store.createRun(run(r.id));
      const third = await store.createRun(run(r.id, { event: "workflow_run", chainDepth: 3 }));
      expect(first.chainDepth).toBe(0);
      expect(third.chainDepth).toBe(3);
      expect((await store.getRun(first.id))?.chainDepth).toBe(0);
      expect((await store.getRun(third.id))?.chainDepth).toBe(3);
      expect((await store.listRuns({ repoId: r.id })).runs.map((x) => x.chainDepth)).toEqual([3, 0]);
    });

    it("keeps whether a run is a fork's and its token's permissions: neither unless given", async () => {
      const r = await store.addRepo(repo);
      const own = await store.createRun(run(r.id, { event: "pull_request" }));
      const fork = await store.createRun(run(r.id, { event: "pull_request", fork: true }));
      expect(own).toMatchObject({ fork: false, tokenPermissions: "write" });
      expect(fork).toMatchObject({ fork: true, tokenPermissions: "read" });
      expect(await store.getRun(own.id)).toMatchObject({ fork: false, tokenPermissions: "write" });
      expect(await store.getRun(fork.id)).toMatchObject({ fork: true, tokenPermissions: "read" });
      await store.updateRun(fork.id, { runAttempt: 2, status: "queued" });
      expect(await store.getRun(fork.id)).toMatchObject({ fork: true, tokenPermissions: "read" });
      const readOnly = await store.createRun(run(r.id, { tokenPermissions: "read" }));
      expect(await store.getRun(readOnly.id)).toMatchObject({ fork: false, tokenPermissions: "read" });
    });

    it("keeps a repository's fork approval rule: none unless given, kept by an update without it", async () => {
      const added = await store.addRepo(repo);
      expect(added.forkApproval).toBe("none");
      const set = await store.upsertRepo({ ...repo, forkApproval: "first_time_contributors" });
      expect(set.forkApproval).toBe("first_time_contributors");
      expect((await store.getRepo("acme", "app"))?.forkApproval).toBe("first_time_contributors");
      const kept = await store.upsertRepo({ ...repo, url: "/srv/moved.git" });
      expect(kept.forkApproval).toBe("first_time_contributors");
      await store.upsertRepo({ ...repo, forkApproval: "all" });
      expect((await store.getRepoById(added.id))?.forkApproval).toBe("all");
      const other = await store.addRepo({ ...repo, name: "other", forkApproval: "all" });
      expect((await store.listRepos()).find((r) => r.id === other.id)?.forkApproval).toBe("all");
    });

    it("keeps a run waiting for approval as completed, action_required, and starts it when asked", async () => {
      const r = await store.addRepo(repo);
      const waiting = await store.createRun(
        run(r.id, { event: "pull_request", fork: true, status: "completed", conclusion: "action_required" }),
      );
      expect(await store.getRun(waiting.id)).toMatchObject({
        status: "completed",
        conclusion: "action_required",
      });
      expect(await store.listUnfinishedRuns()).toEqual([]);
      expect((await store.listRuns({ repoId: r.id, status: "action_required" })).total).toBe(1);
      await store.updateRun(waiting.id, { status: "queued", conclusion: null, completedAt: null });
      expect((await store.listUnfinishedRuns()).map((x) => x.id)).toEqual([waiting.id]);
    });

    it("remembers webhook deliveries per forge: once new, then a replay, until pruned", async () => {
      const at = "2026-01-01T00:00:00.000Z";
      expect(await store.rememberDelivery("github", "d-1", at)).toBe(true);
      expect(await store.rememberDelivery("github", "d-1", "2026-01-02T00:00:00.000Z")).toBe(false);
      expect(await store.rememberDelivery("gitea", "d-1", at)).toBe(true);
      expect(await store.rememberDelivery("github", "d-2", "2026-01-09T00:00:00.000Z")).toBe(true);
      expect(await store.pruneDeliveries("2026-01-08T00:00:00.000Z")).toBe(2);
      // Forgotten after the retention; the newer one is still remembered.
      expect(await store.rememberDelivery("github", "d-1", "2026-01-10T00:00:00.000Z")).toBe(true);
      expect(await store.rememberDelivery("github", "d-2", "2026-01-10T00:00:00.000Z")).toBe(false);
    });

    it("takes one of concurrent deliveries with the same id as new", async () => {
      const at = "2026-01-01T00:00:00.000Z";
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => store.rememberDelivery("gitlab", "same", at)),
      );
      expect(answers.filter((a) => a)).toHaveLength(1);
    });

    it("lists runs newest first, filtered and paged", async () => {
      const r = await store.addRepo(repo);
      const other = await store.addRepo({ ...repo, name: "other" });
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) {
        const x = await store.createRun(
          run(r.id, { headBranch: i % 2 ? "dev" : "main", event: i === 4 ? "workflow_dispatch" : "push" }),
        );
        ids.push(x.id);
      }
      await store.createRun(run(other.id));
      await store.updateRun(ids[0], { status: "completed", conclusion: "success" });
      const all = await store.listRuns({ repoId: r.id });
      expect(all.total).toBe(5);
      expect(all.runs.map((x) => x.id)).toEqual([...ids].reverse());
      expect((await store.listRuns({ repoId: r.id, branch: "dev" })).runs.map((x) => x.id)).toEqual([
        ids[3],
        ids[1],
      ]);
      expect((await store.listRuns({ repoId: r.id, event: "workflow_dispatch" })).total).toBe(1);
      expect((await store.listRuns({ repoId: r.id, workflowFile: "nope.yml" })).total).toBe(0);
      expect((await store.listRuns({ repoId: r.id, workflowFile: ".github/workflows/ci.yml" })).total).toBe(
        5,
      );
      expect((await store.listRuns({ repoId: r.id, actor: "someone-else" })).total).toBe(0);
      expect((await store.listRuns({ repoId: r.id, actor: "dev", branch: "dev" })).total).toBe(2);
      expect((await store.listRuns({ repoId: r.id, status: "completed" })).runs.map((x) => x.id)).toEqual([
        ids[0],
      ]);
      expect((await store.listRuns({ repoId: r.id, status: "success" })).runs.map((x) => x.id)).toEqual([
        ids[0],
      ]);
      expect((await store.listRuns({ repoId: r.id, status: "queued" })).total).toBe(4);
      // Two or more filters: the count is the runs matching all of them (not any), in this repository.
      await store.updateRun(ids[3], { status: "completed", conclusion: "success" });
      const both = { repoId: r.id, branch: "dev", status: "success" };
      expect(await store.listRuns(both)).toMatchObject({ total: 1, runs: [{ id: ids[3] }] });
      expect((await store.listRuns({ ...both, event: "push", status: "completed" })).total).toBe(1);
      expect((await store.listRuns({ ...both, branch: "main", event: "push" })).total).toBe(1);
      expect((await store.listRuns({ ...both, event: "workflow_dispatch" })).total).toBe(0);
      expect(
        (await store.listRuns({ repoId: r.id, branch: "main", status: "queued", event: "push" })).total,
      ).toBe(1);
      await store.updateRun(ids[3], { status: "queued", conclusion: null });
      const page2 = await store.listRuns({ repoId: r.id, perPage: 2, page: 2 });
      expect(page2).toMatchObject({ total: 5 });
      expect(page2.runs.map((x) => x.id)).toEqual([ids[2], ids[1]]);
      // Every page, from either end of the list, filtered or not, is its slice of the whole list.
      for (const filter of [{}, { branch: "main" }, { status: "queued", event: "push" }]) {
        const whole = (await store.listRuns({ repoId: r.id, ...filter })).runs.map((x) => x.id);
        for (const perPage of [1, 2, 3, 4, 6])
          for (let page = 1; page <= 4; page++) {
            const got = await store.listRuns({ repoId: r.id, ...filter, perPage, page });
            expect({ filter, perPage, page, total: got.total, ids: got.runs.map((x) => x.id) }).toEqual({
              filter,
              perPage,
              page,
              total: whole.length,
              ids: whole.slice((page - 1) * perPage, page * perPage),
            });
          }
      }
    });

    it("counts a repository's runs for its list without a filter, runs made at once too", async () => {
      const r = await store.addRepo(repo);
      const other = await store.addRepo({ ...repo, name: "other" });
      expect((await store.listRuns({ repoId: r.id })).total).toBe(0);
      await Promise.all(Array.from({ length: 12 }, () => store.createRun(run(r.id))));
      await store.createRun(run(other.id));
      expect((await store.listRuns({ repoId: r.id })).total).toBe(12);
      expect(await store.listRuns({ repoId: r.id, perPage: 5, page: 3 })).toMatchObject({ total: 12 });
      expect((await store.listRuns({ repoId: r.id, search: "  " })).total).toBe(12);
      await store.removeRepo(other.id);
      expect((await store.listRuns({ repoId: other.id })).total).toBe(0);
      expect((await store.listRuns({ repoId: r.id })).total).toBe(12);
    });

    it("adds jobs per attempt, resets one that runs again and keeps its lost count", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const a = await store.putJob({ runId: x.id, runAttempt: 1, key: "ci.yml/build", name: "build" });
      expect(a).toMatchObject({ status: "queued", conclusion: null, outputs: {}, labels: [], lostCount: 0 });
      await store.updateJob(a.id, {
        status: "completed",
        conclusion: "success",
        outputs: { v: "1" },
        labels: ["linux"],
        matrix: { node: 20 },
        lostCount: 1,
      });
      expect(await store.getJob(a.id)).toMatchObject({
        conclusion: "success",
        outputs: { v: "1" },
        matrix: { node: 20 },
      });
      const again = await store.putJob({ runId: x.id, runAttempt: 1, key: "ci.yml/build", name: "build" });
      expect(again).toMatchObject({ id: a.id, status: "queued", conclusion: null, lostCount: 1 });
      const b = await store.putJob({ runId: x.id, runAttempt: 2, key: "ci.yml/build", name: "build" });
      expect(b.id).not.toBe(a.id);
      expect((await store.listJobs(x.id, 1)).map((j) => j.id)).toEqual([a.id]);
      expect((await store.findJob(x.id, 2, "ci.yml/build"))?.id).toBe(b.id);
      // The caller's own read passed along: reset as above, or added when it knows of none.
      const known = await store.findJob(x.id, 1, "ci.yml/build");
      const reset = await store.putJob(
        { runId: x.id, runAttempt: 1, key: "ci.yml/build", name: "build" },
        known,
      );
      expect(reset).toMatchObject({ id: a.id, status: "queued", lostCount: 1 });
      const fresh = await store.putJob(
        { runId: x.id, runAttempt: 1, key: "ci.yml/test", name: "test" },
        null,
      );
      expect(await store.getJob(fresh.id)).toMatchObject({ key: "ci.yml/test", status: "queued" });
      expect((await store.listJobs(x.id, 1)).map((j) => j.id)).toEqual([a.id, fresh.id]);
    });

    it("stores a run with the github context and title its id and number give, and counts it", async () => {
      const r = await store.addRepo(repo);
      const made = await store.createRun(run(r.id), ({ id, runNumber }) => ({
        github: { run_id: String(id), run_number: String(runNumber) },
        displayTitle: `run ${runNumber}`,
      }));
      const second = await store.createRun(run(r.id), ({ id, runNumber }) => ({
        github: { run_id: String(id), run_number: String(runNumber) },
        displayTitle: `run ${runNumber}`,
      }));
      for (const x of [made, second]) {
        const read = await store.getRun(x.id);
        expect(read).toMatchObject({ github: { run_id: String(x.id), run_number: String(x.runNumber) } });
        expect(read?.displayTitle).toBe(`run ${x.runNumber}`);
        expect(read).toEqual(x);
      }
      expect([made.runNumber, second.runNumber]).toEqual([1, 2]);
      expect((await store.listRuns({ repoId: r.id })).total).toBe(2);
    });

    it("searches runs by title, actor and commit, any case, wildcards as written", async () => {
      const r = await store.addRepo(repo);
      const fix = await store.createRun(run(r.id, { displayTitle: "Fix the Login page", actor: "ann" }));
      const deploy = await store.createRun(
        run(r.id, { displayTitle: "Deploy 100% to prod", actor: "Bob", headSha: `beef${"0".repeat(36)}` }),
      );
      const ids = async (search: string) =>
        (await store.listRuns({ repoId: r.id, search })).runs.map((x) => x.id);
      expect(await ids("login")).toEqual([fix.id]);
      expect(await ids("BOB")).toEqual([deploy.id]);
      expect(await ids("BEEF")).toEqual([deploy.id]);
      expect(await ids("0000")).toEqual([]);
      expect(await ids("100%")).toEqual([deploy.id]);
      expect(await ids("%")).toEqual([deploy.id]);
      expect(await ids("_")).toEqual([]);
      expect(await ids("  ")).toEqual([deploy.id, fix.id]);
      expect((await store.listRuns({ repoId: r.id, search: "o", actor: "ann" })).total).toBe(1);
    });

    it("keeps a run's display title: empty unless given, changed by an update", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      expect(x.displayTitle).toBe("");
      await store.updateRun(x.id, { displayTitle: "Deploy 1.2 to prod" });
      expect((await store.getRun(x.id))?.displayTitle).toBe("Deploy 1.2 to prod");
      const y = await store.createRun({ ...run(r.id), displayTitle: "Fix the build" });
      expect((await store.getRun(y.id))?.displayTitle).toBe("Fix the build");
    });

    it("keeps each earlier attempt of a run as it ended, replaced when kept again", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      expect(await store.getRunAttempt(x.id, 1)).toBeUndefined();
      const first = {
        runId: x.id,
        attempt: 1,
        status: "completed" as const,
        conclusion: "failure" as const,
        actor: "ann",
        problems: ["ci.yml:1:1: bad"],
        startedAt: "2026-01-01T00:00:00.000Z",
        completedAt: "2026-01-01T00:01:00.000Z",
        updatedAt: "2026-01-01T00:01:00.000Z",
      };
      await store.putRunAttempt(first);
      expect(await store.getRunAttempt(x.id, 1)).toEqual(first);
      await store.putRunAttempt({ ...first, conclusion: "cancelled" });
      expect((await store.getRunAttempt(x.id, 1))?.conclusion).toBe("cancelled");
      expect(await store.getRunAttempt(x.id, 2)).toBeUndefined();
      await store.removeRepo(r.id);
      expect(await store.getRunAttempt(x.id, 1)).toBeUndefined();
    });

    it("claims the oldest queued job a runner accepts, each job once", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const a = await store.putJob({ runId: x.id, runAttempt: 1, key: "a", name: "a" });
      const b = await store.putJob({ runId: x.id, runAttempt: 1, key: "b", name: "b" });
      await store.updateJob(a.id, { labels: ["windows"] });
      const linux = (j: { labels: string[] }) => !j.labels.includes("windows");
      const claims = await Promise.all([store.claimJob("r1", linux), store.claimJob("r2", linux)]);
      const got = claims.filter((c) => c !== undefined);
      expect(got.map((c) => c.id)).toEqual([b.id]);
      expect(await store.getJob(b.id)).toMatchObject({ status: "in_progress" });
      expect((await store.getJob(b.id))?.startedAt).not.toBeNull();
      expect(await store.claimJob("r3", linux)).toBeUndefined();
      expect((await store.claimJob("r4", () => true))?.id).toBe(a.id);
    });

    it("queues a job and claims it for a runner in one statement (startJob)", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const a = await store.putJob({ runId: x.id, runAttempt: 1, key: "a", name: "a" });
      const started = await store.startJob(a.id, "pool-1", {
        labels: ["self-hosted", "linux"],
        matrix: { os: "linux" },
        name: "a (linux)",
      });
      const stored = await store.getJob(a.id);
      expect(started).toEqual(stored);
      expect(stored).toMatchObject({
        status: "in_progress",
        runnerName: "pool-1",
        labels: ["self-hosted", "linux"],
        matrix: { os: "linux" },
        name: "a (linux)",
        key: "a",
        conclusion: null,
      });
      expect(stored?.startedAt).not.toBeNull();
      // Claimed: no claim takes it again.
      expect(await store.claimJob("r2", () => true)).toBeUndefined();
      expect(
        await store.startJob(a.id + 1000, "pool-1", { labels: [], matrix: null, name: "x" }),
      ).toBeUndefined();
    });

    it("adds new jobs together, ids in their order after the sequence's, as putJob makes them (addJobs)", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const first = await store.putJob({ runId: x.id, runAttempt: 1, key: "first", name: "first" });
      const legs = Array.from({ length: 250 }, (_, i) => ({
        runId: x.id,
        runAttempt: 1,
        key: `leg/${i}`,
        name: `leg ${i}`,
        logPath: `/logs/${i}.log`,
        ...(i === 0 ? { matrix: { i: 0 } } : {}),
      }));
      const added = await store.addJobs(legs);
      expect(added.map((j) => j.id)).toEqual(legs.map((_, i) => first.id + 1 + i));
      expect(await store.listJobs(x.id, 1)).toEqual([first, ...added]);
      expect(added[0]).toMatchObject({
        key: "leg/0",
        name: "leg 0",
        status: "queued",
        matrix: { i: 0 },
        labels: [],
      });
      const one = await store.putJob({ runId: x.id, runAttempt: 1, key: "after", name: "after" });
      expect(one.id).toBe(first.id + 251);
      const { id, createdAt, ...rest } = one;
      const [again] = await store.addJobs([{ runId: x.id, runAttempt: 2, key: "after", name: "after" }]);
      expect(again).toMatchObject({ ...rest, runAttempt: 2, id: one.id + 1 });
      expect(await store.addJobs([])).toEqual([]);
    });

    it("claims a queued job by its id, once (claimQueuedJob)", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const a = await store.putJob({ runId: x.id, runAttempt: 1, key: "a", name: "a" });
      await store.updateJob(a.id, { labels: ["self-hosted"], matrix: { n: 1 } });
      const claims = await Promise.all([store.claimQueuedJob(a.id, "r1"), store.claimQueuedJob(a.id, "r2")]);
      const got = claims.filter((c) => c !== undefined);
      expect(got).toHaveLength(1);
      expect(got[0]).toEqual(await store.getJob(a.id));
      expect(got[0]).toMatchObject({ status: "in_progress", labels: ["self-hosted"], matrix: { n: 1 } });
      expect(got[0]?.startedAt).not.toBeNull();
      expect(await store.claimJob("r3", () => true)).toBeUndefined();
      expect(await store.claimQueuedJob(a.id + 1000, "r1")).toBeUndefined();
    });

    it("sets a job's started_at at its end only where it has none (startedAtIfUnset)", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const ran = await store.putJob({ runId: x.id, runAttempt: 1, key: "ran", name: "ran" });
      const never = await store.putJob({ runId: x.id, runAttempt: 1, key: "never", name: "never" });
      const started = await store.startJob(ran.id, "pool-1", { labels: [], matrix: null, name: "ran" });
      const end = "2030-01-01T00:00:00.000Z";
      for (const job of [ran, never])
        await store.updateJob(job.id, { status: "completed", completedAt: end, startedAtIfUnset: end });
      expect(await store.getJob(ran.id)).toMatchObject({ startedAt: started?.startedAt, completedAt: end });
      expect(started?.startedAt).not.toBe(end);
      expect(await store.getJob(never.id)).toMatchObject({ startedAt: end, completedAt: end });
      // With the steps, in one transaction, the same.
      const later = "2031-01-01T00:00:00.000Z";
      await store.putSteps(never.id, [], { completedAt: later, startedAtIfUnset: later });
      expect(await store.getJob(never.id)).toMatchObject({ startedAt: end, completedAt: later });
    });

    it("claims a job queued behind many a runner does not accept, in queue order", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const jobs = [];
      for (let i = 0; i < 130; i++)
        jobs.push(await store.putJob({ runId: x.id, runAttempt: 1, key: `k${i}`, name: `k${i}` }));
      for (const j of jobs.slice(0, 120)) await store.updateJob(j.id, { labels: ["windows"] });
      const linux = (j: { labels: string[] }) => !j.labels.includes("windows");
      expect((await store.claimJob("r1", linux))?.id).toBe(jobs[120].id);
      expect((await store.claimJob("r2", linux))?.id).toBe(jobs[121].id);
      expect((await store.claimJob("r3", () => true))?.id).toBe(jobs[0].id);
    });

    it("replaces a job's steps", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const j = await store.putJob({ runId: x.id, runAttempt: 1, key: "a", name: "a" });
      const step = {
        jobId: j.id,
        number: 1,
        stepId: "s",
        name: "Run echo",
        status: "completed" as const,
        outcome: "success" as const,
        conclusion: "success" as const,
        outputs: { o: "x" },
        startedAt: "2026-01-01T00:00:00.000Z",
        completedAt: "2026-01-01T00:00:01.000Z",
      };
      await store.putSteps(j.id, [step, { ...step, number: 2, stepId: "t", name: "Second" }]);
      await store.putSteps(j.id, [step]);
      expect(await store.listSteps(j.id)).toEqual([step]);
    });

    it("overwrites a job's steps by number, adding new ones and leaving those past them", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const j = await store.putJob({ runId: x.id, runAttempt: 1, key: "a", name: "a" });
      const step = (number: number, status: "queued" | "in_progress" | "completed") => ({
        jobId: j.id,
        number,
        stepId: "",
        name: `s${number}`,
        status,
        outcome: status === "completed" ? ("success" as const) : null,
        conclusion: status === "completed" ? ("success" as const) : null,
        outputs: {},
        startedAt: status === "queued" ? null : "2026-01-01T00:00:00.000Z",
        completedAt: status === "completed" ? "2026-01-01T00:00:01.000Z" : null,
      });
      await store.overwriteSteps(j.id, [step(1, "queued"), step(2, "queued")]);
      await store.overwriteSteps(j.id, [step(1, "in_progress")]);
      expect(await store.listSteps(j.id)).toEqual([step(1, "in_progress"), step(2, "queued")]);
      await store.overwriteSteps(j.id, [step(1, "completed"), step(2, "completed"), step(3, "in_progress")]);
      expect(await store.listSteps(j.id)).toEqual([
        step(1, "completed"),
        step(2, "completed"),
        step(3, "in_progress"),
      ]);
      await store.overwriteSteps(j.id, []);
      expect(await store.listSteps(j.id)).toHaveLength(3);
    });

    it("replaces a job's steps and changes its row in one call (a job's end), or neither", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const j = await store.putJob({ runId: x.id, runAttempt: 1, key: "a", name: "a" });
      const step = {
        jobId: j.id,
        number: 1,
        stepId: "s",
        name: "Run true",
        status: "completed" as const,
        outcome: "success" as const,
        conclusion: "success" as const,
        outputs: {},
        startedAt: "2026-01-01T00:00:00.000Z",
        completedAt: "2026-01-01T00:00:01.000Z",
      };
      const end = {
        status: "completed" as const,
        conclusion: "success" as const,
        outputs: { o: "x" },
        startedAt: "2026-01-01T00:00:00.000Z",
        completedAt: "2026-01-01T00:00:02.000Z",
      };
      await store.putSteps(j.id, [step], end);
      expect(await store.listSteps(j.id)).toEqual([step]);
      expect(await store.getJob(j.id)).toMatchObject(end);
      // A step the database refuses (no such job) leaves the row as it was: one transaction.
      const other = await store.putJob({ runId: x.id, runAttempt: 1, key: "b", name: "b" });
      await expect(
        store.putSteps(
          other.id,
          [
            { ...step, jobId: other.id },
            { ...step, jobId: other.id },
          ],
          {
            status: "completed",
          },
        ),
      ).rejects.toThrow();
      expect((await store.getJob(other.id))?.status).toBe("queued");
      expect(await store.listSteps(other.id)).toEqual([]);
    });

    it("replaces a job's steps, a run's attempt and trigger state whole when replaced at once", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const j = await store.putJob({ runId: x.id, runAttempt: 1, key: "a", name: "a" });
      const step = (n: number, name: string) => ({
        jobId: j.id,
        number: n,
        stepId: `s${n}`,
        name,
        status: "completed" as const,
        outcome: "success" as const,
        conclusion: "success" as const,
        outputs: {},
        startedAt: null,
        completedAt: null,
      });
      const lists = Array.from({ length: 6 }, (_, i) => [step(1, `v${i}`), step(2, `v${i}`)]);
      await Promise.all(lists.map((list) => store.putSteps(j.id, list)));
      const kept = await store.listSteps(j.id);
      expect(kept).toHaveLength(2);
      expect(lists).toContainEqual(kept);
      const attempt = (actor: string) => ({
        runId: x.id,
        attempt: 1,
        status: "completed" as const,
        conclusion: "success" as const,
        actor,
        problems: [],
        startedAt: null,
        completedAt: null,
        updatedAt: "2026-01-01T00:00:00.000Z",
      });
      await Promise.all(["a", "b", "c", "d"].map((actor) => store.putRunAttempt(attempt(actor))));
      expect(["a", "b", "c", "d"]).toContain((await store.getRunAttempt(x.id, 1))?.actor);
      const memories = Array.from({ length: 6 }, (_, i) => ({
        refs: { "refs/heads/main": `${i}`.repeat(40) },
        ticks: {},
      }));
      await Promise.all(memories.map((m) => store.putTriggerMemory(r.id, m)));
      expect(memories).toContainEqual(await store.getTriggerMemory(r.id));
    });

    it("opens one deployment gate per attempt and environment, and one review of two at once decides it", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id));
      const { environment: env } = await store.ensureEnvironment(r.id, "production", {
        waitTimer: 0,
        preventSelfReview: false,
        reviewers: [],
        canAdminsBypass: true,
        branchPolicy: null,
      });
      const gate = {
        repoId: r.id,
        runId: x.id,
        runAttempt: 1,
        environmentId: env.id,
        environment: "production",
        waitTimer: 5,
        needsReview: true,
        startedAt: "2026-01-01T00:00:00.000Z",
      };
      const opened = await Promise.all(Array.from({ length: 4 }, () => store.openGate(gate)));
      expect(new Set(opened.map((g) => g.id)).size).toBe(1);
      expect(opened[0]).toMatchObject({ ...gate, state: "waiting", bypass: false, decidedAt: null });
      expect(await store.listGates(x.id)).toEqual([opened[0]]);
      const review = (state: "approved" | "rejected", userLogin: string) => ({
        repoId: r.id,
        runId: x.id,
        runAttempt: 1,
        state,
        userId: 1,
        userLogin,
        comment: "",
        bypass: false,
        environments: [{ id: env.id, name: "production" }],
        createdAt: "2026-01-01T00:01:00.000Z",
      });
      const decided = await Promise.all([
        store.decideGates(review("approved", "a")),
        store.decideGates(review("rejected", "b")),
      ]);
      expect(decided.filter((d) => d !== undefined)).toHaveLength(1);
      const winner = decided.find((d) => d !== undefined);
      expect((await store.getGate(opened[0].id))?.state).toBe(winner?.state);
      expect(await store.listReviews(x.id)).toEqual([winner]);
      expect(await store.expireGate(opened[0].id, "2026-02-01T00:00:00.000Z")).toBe(false);
    });

    it("keeps no NUL character: U+0000 in text is kept, and looked up, as U+FFFD", async () => {
      const r = await store.addRepo(repo);
      const x = await store.createRun(run(r.id, { displayTitle: "a\u0000b", actor: "dev\u0000" }));
      expect((await store.getRun(x.id))?.displayTitle).toBe("a\uFFFDb");
      expect((await store.listRuns({ repoId: r.id, actor: "dev\u0000" })).total).toBe(1);
      await store.putTriggerMemory(r.id, { ticks: { "ci.yml\u00000 * * * *": "2026-01-01T00:00:00.000Z" } });
      expect(await store.getTriggerMemory(r.id)).toEqual({
        ticks: { "ci.yml\uFFFD0 * * * *": "2026-01-01T00:00:00.000Z" },
      });
    });

    it("remembers each repository's trigger state: never looked, no refs, refs and ticks", async () => {
      const a = await store.addRepo({ ...repo, name: "ta" });
      const b = await store.addRepo({ ...repo, name: "tb" });
      expect(await store.getTriggerMemory(a.id)).toEqual({ ticks: {} });
      await store.putTriggerMemory(a.id, { refs: {}, ticks: {} });
      expect(await store.getTriggerMemory(a.id)).toEqual({ refs: {}, ticks: {} });
      const full = {
        refs: { "refs/heads/main": "a".repeat(40), "refs/tags/v1": "b".repeat(40) },
        ticks: { "ci.yml\n0 * * * *": "2026-01-01T00:00:00.000Z" },
      };
      await store.putTriggerMemory(a.id, full);
      expect(await store.getTriggerMemory(a.id)).toEqual(full);
      expect(await store.getTriggerMemory(b.id)).toEqual({ ticks: {} });
      const moved = {
        refs: { "refs/heads/main": "c".repeat(40), "refs/heads/x": "d".repeat(40) },
        ticks: {},
      };
      await store.putTriggerMemory(a.id, moved);
      expect(await store.getTriggerMemory(a.id)).toEqual(moved);
      await store.putTriggerMemory(a.id, { ticks: { k: "2026-01-02T00:00:00.000Z" } });
      expect(await store.getTriggerMemory(a.id)).toEqual({ ticks: { k: "2026-01-02T00:00:00.000Z" } });
    });

    it("removes a repository with its runs, jobs, steps, pull requests and trigger memory, and nothing of another", async () => {
      const gone = await store.addRepo(repo);
      const kept = await store.addRepo({ ...repo, name: "lib" });
      const runs = [await store.createRun(run(gone.id)), await store.createRun(run(gone.id))];
      const other = await store.createRun(run(kept.id));
      const job = await store.putJob({
        runId: runs[0].id,
        runAttempt: 1,
        key: "ci.yml/build",
        name: "build",
      });
      const otherJob = await store.putJob({
        runId: other.id,
        runAttempt: 1,
        key: "ci.yml/build",
        name: "build",
      });
      const step = {
        jobId: job.id,
        number: 1,
        stepId: "s",
        name: "First",
        status: "completed" as const,
        outcome: "success" as const,
        conclusion: "success" as const,
        outputs: {},
        startedAt: null,
        completedAt: null,
      };
      await store.putSteps(job.id, [step]);
      await store.putSteps(otherJob.id, [{ ...step, jobId: otherJob.id }]);
      await store.createPullRequest(pull(gone.id));
      await store.createPullRequest(pull(kept.id));
      await store.putTriggerMemory(gone.id, { refs: {}, ticks: {} });
      const removed = await store.removeRepo(gone.id);
      expect(removed.runIds.sort()).toEqual(runs.map((r) => r.id).sort());
      expect(await store.getRepoById(gone.id)).toBeUndefined();
      expect(await store.getRun(runs[0].id)).toBeUndefined();
      expect(await store.getJob(job.id)).toBeUndefined();
      expect(await store.listSteps(job.id)).toEqual([]);
      expect(await store.getPullRequest(gone.id, 1)).toBeUndefined();
      expect(await store.getTriggerMemory(gone.id)).toEqual({ ticks: {} });
      expect((await store.listRepos()).map((r) => r.name)).toEqual(["lib"]);
      expect((await store.getRun(other.id))?.id).toBe(other.id);
      expect(await store.listSteps(otherJob.id)).toHaveLength(1);
      expect((await store.getPullRequest(kept.id, 1))?.repoId).toBe(kept.id);
      // The name is free again.
      expect((await store.addRepo(repo)).id).not.toBe(gone.id);
    });

    it("keeps a repository's required checks, none unless given", async () => {
      const plain = await store.addRepo(repo);
      expect(plain.requiredChecks).toEqual([]);
      expect((await store.getRepo("acme", "app"))?.requiredChecks).toEqual([]);
      const strict = await store.addRepo({ ...repo, name: "lib", requiredChecks: ["CI", "CI / build"] });
      expect(strict.requiredChecks).toEqual(["CI", "CI / build"]);
      expect((await store.getRepoById(strict.id))?.requiredChecks).toEqual(["CI", "CI / build"]);
      await store.upsertRepo({ ...repo, requiredChecks: ["Lint"] });
      expect((await store.getRepo("acme", "app"))?.requiredChecks).toEqual(["Lint"]);
      await store.upsertRepo(repo);
      expect((await store.getRepo("acme", "app"))?.requiredChecks).toEqual([]);
    });

    const pull = (repoId: number, headRef = "feature") => ({
      repoId,
      title: "Add a feature",
      body: "",
      headRef,
      baseRef: "main",
      headSha: "b".repeat(40),
      baseSha: "a".repeat(40),
      mergeCommitSha: "c".repeat(40),
      mergeable: true,
    });

    it("numbers pull requests per repository, from 1", async () => {
      const r = await store.addRepo(repo);
      const other = await store.addRepo({ ...repo, name: "other" });
      const a = await store.createPullRequest(pull(r.id));
      const b = await store.createPullRequest(pull(r.id, "fix"));
      const c = await store.createPullRequest(pull(other.id));
      expect([a.number, b.number, c.number]).toEqual([1, 2, 1]);
      expect(new Set([a.id, b.id, c.id]).size).toBe(3);
      expect(a).toMatchObject({ ...pull(r.id), state: "open", closedAt: null });
      expect(await store.getPullRequest(r.id, 1)).toEqual(a);
      expect((await store.getPullRequest(other.id, 1))?.id).toBe(c.id);
      expect(await store.getPullRequest(r.id, 3)).toBeUndefined();
    });

    it("updates a pull request and lists them by state, branch and commit, newest first", async () => {
      const r = await store.addRepo(repo);
      const a = await store.createPullRequest(pull(r.id));
      const b = await store.createPullRequest({
        ...pull(r.id, "fix"),
        headSha: "d".repeat(40),
        mergeCommitSha: null,
        mergeable: false,
      });
      expect(b).toMatchObject({ mergeCommitSha: null, mergeable: false });
      await store.updatePullRequest(a.id, {
        state: "closed",
        closedAt: "2026-01-01T00:00:00.000Z",
        title: "Renamed",
        mergeCommitSha: null,
        mergeable: false,
      });
      expect(await store.getPullRequest(r.id, a.number)).toMatchObject({
        state: "closed",
        title: "Renamed",
        closedAt: "2026-01-01T00:00:00.000Z",
        mergeCommitSha: null,
        mergeable: false,
        headSha: "b".repeat(40),
      });
      const numbers = async (f: Omit<Parameters<Store["listPullRequests"]>[0], "repoId">) =>
        (await store.listPullRequests({ repoId: r.id, ...f })).pulls.map((p) => p.number);
      expect(await numbers({})).toEqual([b.number]);
      expect(await numbers({ state: "closed" })).toEqual([a.number]);
      expect(await numbers({ state: "all" })).toEqual([b.number, a.number]);
      expect(await numbers({ state: "all", headRef: "feature" })).toEqual([a.number]);
      expect(await numbers({ baseRef: "dev" })).toEqual([]);
      expect(await numbers({ state: "all", sha: "d".repeat(40) })).toEqual([b.number]);
      await store.updatePullRequest(b.id, { mergeCommitSha: "e".repeat(40), mergeable: true });
      expect(await numbers({ sha: "e".repeat(40) })).toEqual([b.number]);
      const page = await store.listPullRequests({ repoId: r.id, state: "all", perPage: 1, page: 2 });
      expect(page.total).toBe(2);
      expect(page.pulls.map((p) => p.number)).toEqual([a.number]);
    });

    it("keeps repository hooks and their deliveries; one claimer takes a due delivery; removing the repository takes them", async () => {
      const r = await store.addRepo(repo);
      const hook = await store.addHook({
        repoId: r.id,
        url: "https://chat.example.com/x",
        contentType: "json",
        secretSealed: "v1:sealed",
        events: ["workflow_run"],
        active: true,
      });
      expect(await store.getHook(hook.id)).toEqual(hook);
      await store.updateHook(hook.id, { active: false, events: ["*"] });
      expect(await store.listHooks(r.id)).toMatchObject([{ id: hook.id, active: false, events: ["*"] }]);
      const at = "2026-01-01T00:00:00.000Z";
      const d = await store.addHookDelivery({
        hookId: hook.id,
        guid: "g",
        event: "ping",
        action: null,
        payload: "{}",
        nextAttemptAt: at,
      });
      expect(await store.dueHookDeliveries("2025-12-31T00:00:00.000Z", 10)).toEqual([]);
      expect((await store.dueHookDeliveries(at, 10)).map((x) => x.id)).toEqual([d.id]);
      const later = "2026-01-01T00:01:00.000Z";
      const claims = await Promise.all([
        store.claimHookDelivery(d.id, at, later),
        store.claimHookDelivery(d.id, at, later),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      await store.updateHookDelivery(d.id, {
        status: "delivered",
        attempts: 1,
        statusCode: 200,
        nextAttemptAt: null,
      });
      expect(await store.getHookDelivery(hook.id, d.id)).toMatchObject({
        status: "delivered",
        attempts: 1,
        statusCode: 200,
      });
      expect(await store.dueHookDeliveries(later, 10)).toEqual([]);
      await store.removeRepo(r.id);
      expect(await store.getHook(hook.id)).toBeUndefined();
      expect(await store.listHookDeliveries(hook.id, 10)).toEqual([]);
    });

    it("keeps token hashes and finds a token by its hash; revoked ones are kept with when", async () => {
      const u = await store.addUser({ login: "Octo", email: "o@example.com" });
      const personal = {
        kind: "personal" as const,
        userId: u.id,
        lastEight: "abcdefgh",
        scopes: ["repo"],
        expiresAt: null,
        repoId: null,
        runId: null,
        permissions: null,
      };
      const t = await store.addToken({ ...personal, name: "laptop", hash: "f".repeat(64) });
      expect(t).toMatchObject({
        kind: "personal",
        userId: u.id,
        name: "laptop",
        scopes: ["repo"],
        revokedAt: null,
      });
      expect(await store.findToken("f".repeat(64))).toEqual(t);
      expect(await store.getToken(t.id)).toEqual(t);
      expect(await store.findToken("0".repeat(64))).toBeUndefined();
      await store.revokeToken(t.id, "2026-01-01T00:00:00.000Z");
      expect((await store.findToken("f".repeat(64)))?.revokedAt).toBe("2026-01-01T00:00:00.000Z");
      const job = await store.addToken({
        ...personal,
        kind: "job",
        userId: null,
        name: "build",
        hash: "e".repeat(64),
        scopes: [],
        repoId: 7,
        runId: 9,
        permissions: { contents: "read" },
      });
      expect(await store.listTokens()).toEqual([{ ...t, revokedAt: "2026-01-01T00:00:00.000Z" }]);
      const held = await store.addToken({
        ...personal,
        kind: "job",
        userId: null,
        name: "deploy",
        hash: "d".repeat(64),
        scopes: [],
        repoId: 7,
        runId: 9,
        permissions: {},
      });
      await store.revokeJobTokens(undefined, "2026-01-02T00:00:00.000Z", ["deploy"]);
      expect((await store.getToken(job.id))?.revokedAt).toBe("2026-01-02T00:00:00.000Z");
      expect((await store.getToken(held.id))?.revokedAt).toBeNull();
      await store.revokeJobTokens(9, "2026-01-03T00:00:00.000Z");
      expect((await store.getToken(held.id))?.revokedAt).toBe("2026-01-03T00:00:00.000Z");
      expect((await store.getToken(job.id))?.permissions).toEqual({ contents: "read" });
      await store.removeTokens(u.id, "laptop");
      expect(await store.listTokens(u.id)).toEqual([]);
    });

    it("keeps users (logins unique without regard to case) and their roles on repositories", async () => {
      const u = await store.addUser({ login: "Mona" });
      expect(u).toMatchObject({ login: "Mona", siteAdmin: false, suspendedAt: null, email: null });
      expect(await store.getUser("mona")).toEqual(u);
      await expect(store.addUser({ login: "MONA" })).rejects.toThrow();
      const v = await store.addUser({ login: "hubot", siteAdmin: true });
      expect((await store.listUsers(0, 10)).map((x) => x.login)).toEqual(["Mona", "hubot"]);
      expect((await store.listUsers(u.id, 10)).map((x) => x.login)).toEqual(["hubot"]);
      await store.updateUser(u.id, { suspendedAt: "2026-01-01T00:00:00.000Z", email: "m@example.com" });
      expect(await store.getUserById(u.id)).toMatchObject({
        suspendedAt: "2026-01-01T00:00:00.000Z",
        email: "m@example.com",
      });
      const r = await store.addRepo({ ...repo, name: "roles" });
      await store.putCollaborator(r.id, u.id, "read");
      expect((await store.putCollaborator(r.id, u.id, "write")).permission).toBe("write");
      await store.putCollaborator(r.id, v.id, "admin");
      expect((await store.getCollaborator(r.id, u.id))?.permission).toBe("write");
      expect((await store.listCollaborators({ repoId: r.id })).map((c) => c.userId)).toEqual([u.id, v.id]);
      expect((await store.listCollaborators({ userId: v.id })).map((c) => c.repoId)).toEqual([r.id]);
      await store.removeCollaborator(r.id, v.id);
      expect(await store.getCollaborator(r.id, v.id)).toBeUndefined();
      await store.removeUser(u.id);
      expect(await store.getUser("mona")).toBeUndefined();
      expect(await store.listCollaborators({ repoId: r.id })).toEqual([]);
    });

    it("keeps one deployment gate per run attempt and environment; one review decides it; removing the repository takes them", async () => {
      const r = await store.addRepo({ ...repo, name: "gates" });
      const created = await store.createRun(run(r.id));
      const gate = {
        repoId: r.id,
        runId: created.id,
        runAttempt: 1,
        environmentId: 5,
        environment: "production",
        waitTimer: 3,
        needsReview: true,
        startedAt: "2026-12-06T00:00:00.000Z",
      };
      const opened = await store.openGate(gate);
      expect(opened).toMatchObject({ ...gate, state: "waiting", bypass: false, decidedAt: null });
      // A later job of the attempt (or a restart) finds the same gate, its start kept.
      expect(await store.openGate({ ...gate, startedAt: "2026-12-07T00:00:00.000Z", waitTimer: 9 })).toEqual(
        opened,
      );
      const next = await store.openGate({ ...gate, runAttempt: 2 });
      expect(next.id).not.toBe(opened.id);
      const review = {
        repoId: r.id,
        runId: created.id,
        runAttempt: 1,
        state: "approved" as const,
        userId: 7,
        userLogin: "ravi",
        comment: "ship it",
        bypass: false,
        environments: [{ id: 5, name: "production" }],
        createdAt: "2026-12-06T00:01:00.000Z",
      };
      // An environment the attempt does not wait on: nothing is decided.
      expect(
        await store.decideGates({ ...review, environments: [...review.environments, { id: 6, name: "qa" }] }),
      ).toBeUndefined();
      expect((await store.getGate(opened.id))?.state).toBe("waiting");
      const decided = await store.decideGates(review);
      expect(decided).toMatchObject({ ...review, id: expect.any(Number) });
      expect(await store.getGate(opened.id)).toMatchObject({
        state: "approved",
        decidedAt: review.createdAt,
      });
      // Decided once: a second review (or one racing it) changes nothing.
      expect(await store.decideGates({ ...review, state: "rejected" })).toBeUndefined();
      expect(await store.expireGate(opened.id, "2026-12-08T00:00:00.000Z")).toBe(false);
      expect(await store.expireGate(next.id, "2026-12-08T00:00:00.000Z")).toBe(true);
      expect((await store.listGates(created.id)).map((g) => [g.runAttempt, g.state])).toEqual([
        [1, "approved"],
        [2, "expired"],
      ]);
      expect((await store.listGates(created.id, 2)).map((g) => g.id)).toEqual([next.id]);
      expect(await store.listReviews(created.id)).toEqual([decided]);
      await store.removeRepo(r.id);
      expect(await store.listGates(created.id)).toEqual([]);
      expect(await store.listReviews(created.id)).toEqual([]);
    });
  });
}
