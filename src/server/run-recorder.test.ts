import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SAMPLE_REPO, sampleRun } from "../../test/store-samples.js";
import { EventBus } from "../engine/index.js";
import { openSqliteStore, type Step } from "../store/index.js";
import { JobLogs } from "./job-logs.js";
import { type LiveEvent, LiveHub } from "./live-hub.js";
import { RunRecorder } from "./run-recorder.js";
import { Serial } from "./serial.js";

describe("RunRecorder", () => {
  it("announces a step's start and end once the step is stored: a client reading the job on hearing them sees it", async () => {
    const store = await openSqliteStore(":memory:");
    try {
      const repo = await store.addRepo(SAMPLE_REPO);
      const run = await store.createRun(sampleRun(repo.id));
      const hub = new LiveHub();
      const bus = new EventBus();
      const logs = new JobLogs(mkdtempSync(join(tmpdir(), "gantry-recorder-")));
      new RunRecorder({ store, serial: new Serial(), logs, hub }, run, bus, true);
      const jobKey = ".github/workflows/ci.yml/build";
      // What a client reads of the job's steps as it hears each step event (the web page reloads).
      const read: Promise<[string, Step[]]>[] = [];
      hub.subscribe((e: LiveEvent) => {
        if (!e.type.startsWith("step:")) return;
        read.push(
          store
            .findJob(run.id, 1, jobKey)
            .then(async (job) => [`${e.type} ${e.name}`, job ? await store.listSteps(job.id) : []]),
        );
      });
      const runId = String(run.id);
      bus.emit("job:queued", { runId, jobKey, name: "build" });
      bus.emit("job:steps", { runId, jobKey, names: ["one", "two"] });
      bus.emit("step:started", { runId, jobKey, name: "one", index: 0 });
      await new Promise((r) => setTimeout(r, 50));
      bus.emit("step:completed", { runId, jobKey, name: "one", outcome: "success", conclusion: "success" });
      bus.emit("step:started", { runId, jobKey, name: "two", index: 1 });
      await new Promise((r) => setTimeout(r, 50));
      const seen = (await Promise.all(read)).map(([event, steps]) => [
        event,
        steps.map((s) => `${s.name}:${s.status}`).join(","),
      ]);
      expect(seen).toEqual([
        ["step:started one", "one:in_progress,two:queued"],
        ["step:completed one", "one:completed,two:in_progress"],
        ["step:started two", "one:completed,two:in_progress"],
      ]);
      logs.closeAll();
    } finally {
      await store.close();
    }
  });
  it("adds the rows of a new run's jobs queued at once together, in the order they were queued", async () => {
    const store = await openSqliteStore(":memory:");
    try {
      const repo = await store.addRepo(SAMPLE_REPO);
      const run = await store.createRun(sampleRun(repo.id));
      const bus = new EventBus();
      const logs = new JobLogs(mkdtempSync(join(tmpdir(), "gantry-recorder-")));
      const recorder = new RunRecorder(
        { store, serial: new Serial(), logs, hub: new LiveHub() },
        run,
        bus,
        true,
      );
      const adds: number[] = [];
      const { addJobs, putJob } = store;
      store.addJobs = (...a) => (adds.push(a[0].length), addJobs.apply(store, a));
      store.putJob = () => Promise.reject(new Error("one by one"));
      const runId = String(run.id);
      const keys = ["c", "a", "b"].map((k) => `.github/workflows/ci.yml/${k}`);
      for (const jobKey of keys) bus.emit("job:queued", { runId, jobKey, name: jobKey.slice(-1) });
      const rows = await Promise.all(keys.map((k) => recorder.jobRow(k, "", false)));
      expect(adds).toEqual([3]);
      expect(rows.map((r) => r.key)).toEqual(keys);
      expect(rows.map((r) => r.id)).toEqual([rows[0].id, rows[0].id + 1, rows[0].id + 2]);
      expect(rows.map((r) => r.logPath)).toEqual(keys.map((k) => recorder.logPath(k)));
      expect(await store.listJobs(run.id, 1)).toEqual(rows);
      // Asked for later: a write of its own.
      const late = await recorder.jobRow(".github/workflows/ci.yml/d", "d", false);
      expect(adds).toEqual([3, 1]);
      expect(late.id).toBe(rows[2].id + 1);
      store.putJob = putJob;
      logs.closeAll();
    } finally {
      await store.close();
    }
  });
  it("adds a new job's live steps in one statement each, and ends it without reading its row back", async () => {
    const store = await openSqliteStore(":memory:");
    try {
      const repo = await store.addRepo(SAMPLE_REPO);
      const run = await store.createRun(sampleRun(repo.id));
      const hub = new LiveHub();
      const bus = new EventBus();
      const logs = new JobLogs(mkdtempSync(join(tmpdir(), "gantry-recorder-")));
      const recorder = new RunRecorder({ store, serial: new Serial(), logs, hub }, run, bus, true);
      const writes: string[] = [];
      const { putSteps, overwriteSteps, getJob } = store;
      store.putSteps = (...a) => (writes.push(a[2] ? "putSteps+job" : "putSteps"), putSteps.apply(store, a));
      store.overwriteSteps = (...a) => (writes.push("overwriteSteps"), overwriteSteps.apply(store, a));
      store.getJob = (...a) => (writes.push("getJob"), getJob.apply(store, a));
      const jobKey = ".github/workflows/ci.yml/build";
      const runId = String(run.id);
      bus.emit("job:queued", { runId, jobKey, name: "build" });
      const job = await recorder.jobRow(jobKey, "build", false);
      // The pool's claim: the job's start, which its end keeps.
      const claimed = await store.startJob(job.id, "pool-1", { labels: [], matrix: null, name: "build" });
      bus.emit("job:started", { runId, jobKey, name: "build" });
      bus.emit("job:steps", { runId, jobKey, names: ["one", "two"] });
      bus.emit("step:started", { runId, jobKey, name: "one", index: 0 });
      await new Promise((r) => setTimeout(r, 20));
      expect((await store.listSteps(job.id)).map((s) => `${s.name}:${s.status}`)).toEqual([
        "one:in_progress",
        "two:queued",
      ]);
      bus.emit("step:completed", { runId, jobKey, name: "one", outcome: "success", conclusion: "success" });
      await new Promise((r) => setTimeout(r, 20));
      const reports = [
        { id: "s", name: "one", outcome: "success" as const, conclusion: "success" as const, outputs: {} },
      ];
      expect(recorder.ended(jobKey, {}, recorder.stepsOf(job.id, jobKey, reports))).toBe(true);
      bus.emit("job:completed", { runId, jobKey, name: "build", result: "success" });
      await recorder.completion(jobKey);
      expect(writes).toEqual(["overwriteSteps", "overwriteSteps", "putSteps+job"]);
      const ended = await getJob.call(store, job.id);
      expect(ended).toMatchObject({ status: "completed", startedAt: claimed?.startedAt });
      expect(ended?.completedAt).not.toBeNull();
      logs.closeAll();
    } finally {
      await store.close();
    }
  });
  it("writes a pool job's outputs and steps with its completion, in one transaction, before announcing it", async () => {
    const store = await openSqliteStore(":memory:");
    try {
      const repo = await store.addRepo(SAMPLE_REPO);
      const run = await store.createRun(sampleRun(repo.id));
      const hub = new LiveHub();
      const bus = new EventBus();
      const logs = new JobLogs(mkdtempSync(join(tmpdir(), "gantry-recorder-")));
      const recorder = new RunRecorder({ store, serial: new Serial(), logs, hub }, run, bus, true);
      const jobKey = ".github/workflows/ci.yml/build";
      const runId = String(run.id);
      bus.emit("job:queued", { runId, jobKey, name: "build" });
      bus.emit("job:started", { runId, jobKey, name: "build" });
      bus.emit("job:steps", { runId, jobKey, names: ["one"] });
      bus.emit("step:started", { runId, jobKey, name: "one", index: 0 });
      bus.emit("step:completed", { runId, jobKey, name: "one", outcome: "success", conclusion: "success" });
      const job = await recorder.jobRow(jobKey, "build", false);
      // Counted from the job's end on: the store's writes for it.
      const writes: string[] = [];
      const { updateJob, putSteps } = store;
      store.updateJob = (...a) => (writes.push("updateJob"), updateJob.apply(store, a));
      store.putSteps = (...a) => (writes.push(a[2] ? "putSteps+job" : "putSteps"), putSteps.apply(store, a));
      const reports = [
        { id: "s", name: "one", outcome: "success" as const, conclusion: "success" as const, outputs: {} },
      ];
      const steps = recorder.stepsOf(job.id, jobKey, reports);
      expect(recorder.ended(jobKey, { out: "1" }, steps)).toBe(true);
      const heard = new Promise<unknown>((resolve) =>
        hub.subscribe((e: LiveEvent) => {
          if (e.type !== "job:completed") return;
          resolve(Promise.all([store.getJob(job.id), store.listSteps(job.id)]));
        }),
      );
      bus.emit("job:completed", { runId, jobKey, name: "build", result: "success" });
      await recorder.completion(jobKey);
      const [row, stored] = (await heard) as [Awaited<ReturnType<typeof store.getJob>>, Step[]];
      expect(row).toMatchObject({ status: "completed", conclusion: "success", outputs: { out: "1" } });
      expect(stored.map((s) => `${s.stepId}:${s.name}:${s.conclusion}`)).toEqual(["s:one:success"]);
      expect(writes).toEqual(["putSteps+job"]);
      // Told after its completion was queued: the caller writes them itself.
      expect(recorder.ended(jobKey, {}, steps)).toBe(false);
      logs.closeAll();
    } finally {
      await store.close();
    }
  });
});
