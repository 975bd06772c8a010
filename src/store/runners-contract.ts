import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SAMPLE_REPO, sampleRun } from "../../test/store-samples.js";
import type { Store } from "./store.js";

/** What every Store keeps for runner machines and the jobs they claim (runners.ts, remote-jobs.ts). */
export function describeRunnersContract(name: string, open: () => Promise<Store>): void {
  describe(`Runners contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const runner = (name: string, tokenHash: string) => ({
      name,
      repoId: null,
      labels: ["self-hosted", "linux"],
      slots: 2,
      os: "Linux",
      arch: "X64",
      version: "0.0.0",
      ephemeral: false,
      tokenHash,
    });

    async function queuedJob(key: string): Promise<number> {
      const repo = (await store.getRepo("acme", "app")) ?? (await store.addRepo(SAMPLE_REPO));
      const run = await store.createRun(sampleRun(repo.id));
      const job = await store.putJob({ runId: run.id, runAttempt: 1, key, name: key, status: "queued" });
      return job.id;
    }

    it("keeps registration tokens until they expire", async () => {
      await store.addRunnerRegistration("h1", {
        repoId: null,
        createdBy: "admin",
        expiresAt: "2030-01-01T00:00:00.000Z",
      });
      expect(await store.findRunnerRegistration("h1", "2029-12-31T00:00:00.000Z")).toMatchObject({
        repoId: null,
      });
      expect(await store.findRunnerRegistration("h1", "2030-01-01T00:00:00.000Z")).toBeUndefined();
      expect(await store.findRunnerRegistration("nope", "2000-01-01T00:00:00.000Z")).toBeUndefined();
    });

    it("registers runners under unique names, finds them by credential, removes them", async () => {
      const a = await store.addRunner(runner("a", "ha"));
      expect(a).toMatchObject({ name: "a", labels: ["self-hosted", "linux"], slots: 2, draining: false });
      expect(await store.addRunner(runner("a", "hx"))).toBeUndefined();
      expect((await store.findRunnerByToken("ha"))?.id).toBe(a?.id);
      await store.touchRunner(a?.id ?? 0, "2031-01-01T00:00:00.000Z", true);
      expect(await store.getRunner(a?.id ?? 0)).toMatchObject({
        draining: true,
        lastSeenAt: "2031-01-01T00:00:00.000Z",
      });
      expect((await store.listRunners(null)).map((r) => r.name)).toEqual(["a"]);
      expect(await store.listRunners(7)).toEqual([]);
      expect(await store.removeRunner(a?.id ?? 0)).toBe(true);
      expect(await store.removeRunner(a?.id ?? 0)).toBe(false);
      expect(await store.findRunnerByToken("ha")).toBeUndefined();
    });

    it("hands an offered job to one claimer, with a lease that fences a lost runner's reports", async () => {
      const id = await queuedJob("ci.yml/build");
      const r = { id: 1, name: "r1" };
      const lease = { id: "L1", expiresAt: "2030-01-01T00:00:00.000Z" };
      // Queued but not offered: nobody may claim it.
      expect(await store.claimOfferedJob(r, () => true, lease)).toBeUndefined();
      await store.offerJob(id, "sealed");
      expect(await store.withdrawOffer(id)).toBe(true);
      expect(await store.claimOfferedJob(r, () => true, lease)).toBeUndefined();
      await store.offerJob(id, "sealed");
      expect(await store.claimOfferedJob(r, () => false, lease)).toBeUndefined();
      const claim = await store.claimOfferedJob(r, () => true, lease);
      expect(claim).toMatchObject({
        specBox: "sealed",
        leaseId: "L1",
        job: { id, runnerName: "r1", runnerId: 1 },
        othersOffered: false,
      });
      expect(
        await store.claimOfferedJob({ id: 2, name: "r2" }, () => true, { ...lease, id: "L2" }),
      ).toBeUndefined();
      expect(await store.jobLease(id)).toEqual({ leaseId: "L1", runnerId: 1 });
      expect(await store.withdrawOffer(id)).toBe(false);
      // What each runner runs now (the runners list's busy and its jobs).
      expect((await store.runnersJobs([1, 2])).map((j) => [j.id, j.runnerId])).toEqual([[id, 1]]);
      expect(await store.runnersJobs([2])).toEqual([]);
      expect(await store.runnersJobs([])).toEqual([]);

      // Events land once each, in order; a gap is not stored.
      const ev = (seq: number) => ({ seq, body: { type: "job:log", line: `line ${seq}` } });
      expect(await store.appendJobEvents(id, "L1", [ev(0), ev(1)])).toBe(2);
      expect(await store.appendJobEvents(id, "L1", [ev(1), ev(2)])).toBe(3);
      expect(await store.appendJobEvents(id, "L1", [ev(5)])).toBe(3);
      expect((await store.jobEvents(id, -1)).map((e) => e.seq)).toEqual([0, 1, 2]);
      expect((await store.jobEvents(id, 1)).map((e) => e.seq)).toEqual([2]);

      await store.requestJobCancel(id);
      expect(await store.renewLease(id, "L1", "2030-02-01T00:00:00.000Z")).toMatchObject({
        held: true,
        cancelRequested: true,
      });
      expect((await store.expiredLeases("2030-01-15T00:00:00.000Z")).length).toBe(0);
      expect((await store.expiredLeases("2030-03-01T00:00:00.000Z")).map((j) => j.id)).toEqual([id]);

      // The lease is lost and the job offered again: only one ender wins; the old lease says nothing more.
      expect(await store.endLease(id, "L1", true)).toBe(true);
      expect(await store.endLease(id, "L1", true)).toBe(false);
      expect(await store.runnersJobs([1])).toEqual([]);
      expect(await store.appendJobEvents(id, "L1", [ev(3)])).toBeUndefined();
      expect(await store.renewLease(id, "L1")).toEqual({ held: false });
      const again = await store.claimOfferedJob({ id: 2, name: "r2" }, () => true, { ...lease, id: "L2" });
      expect(again?.leaseId).toBe("L2");
      // The lost lease's reports stay for its follower; the new lease's are stored after them.
      expect((await store.jobEvents(id, -1)).map((e) => e.seq)).toEqual([0, 1, 2]);
      expect(await store.remoteJobState(id)).toMatchObject({ leaseId: "L2", reportBase: 3 });

      await store.closeRemoteJob(id);
      expect(await store.jobSpec(id)).toBeUndefined();
    });

    it("keeps a lost attempt's reports for its follower when the job is claimed again at once, the new lease's after them", async () => {
      const id = await queuedJob("ci.yml/retry");
      await store.offerJob(id, "sealed");
      const lease = { id: "L1", expiresAt: "2030-01-01T00:00:00.000Z" };
      await store.claimOfferedJob({ id: 1, name: "r1" }, () => true, lease);
      const ev = (seq: number, line: string) => ({ seq, body: { type: "job:log", line } });
      const lines = (events: { body: unknown }[]) =>
        events.map((e) => String((e.body as { line: string }).line));
      expect(await store.appendJobEvents(id, "L1", [ev(0, "old 0"), ev(1, "old 1")])).toBe(2);
      expect(await store.endLease(id, "L1", true)).toBe(true);
      // A follower looks while the job is claimed again: whenever it sees the new lease, the
      // lost attempt's reports are all there, below the new lease's base.
      let claimed = false;
      const claim = store
        .claimOfferedJob({ id: 2, name: "r2" }, () => true, { ...lease, id: "L2" })
        .finally(() => {
          claimed = true;
        });
      const seen: { base: number; lines: string[] }[] = [];
      while (!claimed) {
        const state = await store.remoteJobState(id);
        if (state?.leaseId === "L2")
          seen.push({ base: state.reportBase, lines: lines(await store.jobEvents(id, -1)) });
      }
      expect((await claim)?.leaseId).toBe("L2");
      for (const look of seen) expect(look).toEqual({ base: 2, lines: ["old 0", "old 1"] });
      // The new runner numbers its reports from 0: stored from the base, a retry's double skipped.
      expect(await store.appendJobEvents(id, "L2", [ev(0, "new 0")])).toBe(1);
      expect(await store.appendJobEvents(id, "L2", [ev(0, "new 0"), ev(1, "new 1")])).toBe(2);
      // A stale claimer (it read the job as queued before L2's claim) changes nothing.
      expect(
        await store.claimOfferedJob({ id: 3, name: "r3" }, () => true, { ...lease, id: "L3" }),
      ).toBeUndefined();
      expect(lines(await store.jobEvents(id, -1))).toEqual(["old 0", "old 1", "new 0", "new 1"]);
      expect(lines(await store.jobEvents(id, 1))).toEqual(["new 0", "new 1"]);
      expect(await store.remoteJobState(id)).toMatchObject({ leaseId: "L2", reportBase: 2 });
    });

    it("never offers again a job whose outcome is stored, nor one whose lease was renewed since the sweep looked", async () => {
      const id = await queuedJob("ci.yml/ended");
      await store.offerJob(id, "sealed");
      const lease = { id: "L1", expiresAt: "2030-01-01T00:00:00.000Z" };
      await store.claimOfferedJob({ id: 1, name: "r1" }, () => true, lease);
      // A sweep looked at 2030-01-02 (the lease had run out), then the runner renewed it.
      expect((await store.expiredLeases("2030-01-02T00:00:00.000Z")).map((j) => j.id)).toEqual([id]);
      await store.renewLease(id, "L1", "2030-01-03T00:00:00.000Z");
      expect(await store.endLease(id, "L1", true, "2030-01-02T00:00:00.000Z")).toBe(false);
      const ev = (seq: number, type: string) => ({ seq, body: { type } });
      // The outcome is reported with a gap before it: not stored, so the lease still runs out.
      expect(await store.appendJobEvents(id, "L1", [ev(0, "job:log"), ev(2, "outcome")], 1, true)).toBe(1);
      expect((await store.expiredLeases("2030-01-04T00:00:00.000Z")).map((j) => j.id)).toEqual([id]);
      // Stored: the job has ended on its runner, and waits for its follower to close it.
      expect(await store.appendJobEvents(id, "L1", [ev(1, "job:log"), ev(2, "outcome")], 1, true)).toBe(3);
      expect(await store.expiredLeases("2030-01-04T00:00:00.000Z")).toEqual([]);
      expect(await store.endLease(id, "L1", true, "2030-01-04T00:00:00.000Z")).toBe(false);
      // The runner's heartbeats are still answered, without giving the lease an expiry again.
      expect(await store.renewLease(id, "L1", "2030-01-05T00:00:00.000Z")).toMatchObject({ held: true });
      expect(await store.expiredLeases("2030-02-01T00:00:00.000Z")).toEqual([]);
      expect((await store.remoteJobState(id))?.status).toBe("in_progress");
      // A lease lost before the outcome came: the outcome is refused and nothing of it is stored.
      const other = await queuedJob("ci.yml/lost");
      await store.offerJob(other, "sealed");
      await store.claimOfferedJob({ id: 1, name: "r1" }, () => true, { ...lease, id: "L9" });
      expect(await store.endLease(other, "L9", false, "2030-01-02T00:00:00.000Z")).toBe(true);
      expect(await store.appendJobEvents(other, "L9", [ev(0, "outcome")], 1, true)).toBeUndefined();
      expect(await store.jobEvents(other, -1)).toEqual([]);
    });

    it("queues a job with its offer, and says where a followed job stands in one read", async () => {
      const id = await queuedJob("ci.yml/offer");
      await store.updateJob(id, { status: "pending" });
      await store.offerJob(id, "sealed", { labels: ["gpu"], matrix: { n: 1 }, name: "offer (1)" });
      expect(await store.getJob(id)).toMatchObject({
        status: "queued",
        labels: ["gpu"],
        matrix: { n: 1 },
        name: "offer (1)",
      });
      expect(await store.remoteJobState(id)).toEqual({
        status: "queued",
        runnerId: null,
        runnerName: null,
        leaseId: null,
        reportBase: 0,
      });
      const lease = { id: "L1", expiresAt: "2030-01-01T00:00:00.000Z" };
      const claim = await store.claimOfferedJob({ id: 3, name: "r3" }, () => true, lease);
      expect(claim?.specBox).toBe("sealed");
      expect(await store.remoteJobState(id)).toEqual({
        status: "in_progress",
        runnerId: 3,
        runnerName: "r3",
        leaseId: "L1",
        reportBase: 0,
      });
      expect(await store.renewLease(id, "L1")).toMatchObject({ held: true, expiresAt: lease.expiresAt });
      expect(await store.renewLease(id, "L1", "2030-02-01T00:00:00.000Z")).toMatchObject({
        held: true,
        expiresAt: "2030-02-01T00:00:00.000Z",
      });
      expect(await store.renewLease(id, "L2", "2030-03-01T00:00:00.000Z")).toEqual({ held: false });
      expect(await store.remoteJobState(0)).toBeUndefined();
    });

    it("says whether its claim's look saw other offered jobs beside the one it took", async () => {
      const one = await queuedJob("ci.yml/one");
      const two = await queuedJob("ci.yml/two");
      await store.offerJob(one, "sealed");
      await store.offerJob(two, "sealed");
      const lease = (id: string) => ({ id, expiresAt: "2030-01-01T00:00:00.000Z" });
      // The first is not taken (its labels do not fit): the look saw it, so others were offered.
      const skipping = await store.claimOfferedJob({ id: 1, name: "r1" }, (j) => j.id !== one, lease("L1"));
      expect(skipping).toMatchObject({ job: { id: two }, othersOffered: true });
      const first = await store.claimOfferedJob({ id: 2, name: "r2" }, () => true, lease("L2"));
      expect(first).toMatchObject({ job: { id: one }, othersOffered: false });
      await store.endLease(one, "L2", true);
      await store.endLease(two, "L1", true);
      const both = await store.claimOfferedJob({ id: 2, name: "r2" }, () => true, lease("L3"));
      expect(both).toMatchObject({ job: { id: one }, othersOffered: true });
      const last = await store.claimOfferedJob({ id: 2, name: "r2" }, () => true, lease("L4"));
      expect(last).toMatchObject({ job: { id: two }, othersOffered: false });
    });

    it("takes a runner's reports under its own lease only, and forgets them when the job starts over", async () => {
      const id = await queuedJob("ci.yml/again");
      await store.offerJob(id, "sealed");
      const lease = { id: "L1", expiresAt: "2030-01-01T00:00:00.000Z" };
      await store.claimOfferedJob({ id: 1, name: "r1" }, () => true, lease);
      const ev = (seq: number) => ({ seq, body: { type: "job:log", line: `line ${seq}` } });
      // Another runner holding the lease id is not the lease's runner.
      expect(await store.appendJobEvents(id, "L1", [ev(0)], 2)).toBeUndefined();
      expect(await store.appendJobEvents(id, "L1", [ev(0), ev(1)], 1)).toBe(2);
      // The run starts over (a server's restart made the job afresh): the old reports are not its.
      const job = await store.getJob(id);
      await store.putJob({ runId: job?.runId ?? 0, runAttempt: 1, key: "ci.yml/again", name: "again" });
      expect(await store.jobEvents(id, -1)).toEqual([]);
      await store.offerJob(id, "sealed");
      await store.claimOfferedJob({ id: 2, name: "r2" }, () => true, { ...lease, id: "L2" });
      expect(await store.appendJobEvents(id, "L2", [ev(0)], 2)).toBe(1);
      expect((await store.jobEvents(id, -1)).map((e) => e.body)).toEqual([ev(0).body]);
    });
  });
}
