import { describe, expect, it } from "vitest";
import { Cancellation, EventBus, type JobOutcome, type JobRequest } from "../engine/index.js";
import type { LocalRunner } from "../runner/index.js";
import type { Job, Store } from "../store/index.js";
import { PoolExecutor } from "./pool-executor.js";
import type { ProcessLedger } from "./process-ledger.js";
import type { RunRecorder } from "./run-recorder.js";
import { RunnerPool } from "./runner-pool.js";
import { Serial } from "./serial.js";

describe("PoolExecutor", () => {
  it("settles a job whose run was stopped before the job reached the pool (the server closing)", async () => {
    // Only what runJob touches before the pool would claim the job.
    const job = { id: 7, runId: 1, runAttempt: 1, key: "a", status: "queued" } as Job;
    const store = { updateJob: async () => undefined } as unknown as Store;
    const serial = new Serial();
    const pool = new RunnerPool(store, serial, {
      slots: 1,
      labels: ["self-hosted"],
      labelMap: {},
      name: "t",
    });
    const recorder = { jobRow: async () => job } as unknown as RunRecorder;
    const executor = new PoolExecutor(
      { store, serial, pool, processes: {} as ProcessLedger },
      recorder,
      {} as LocalRunner,
    );
    // Killed between the engine's decision to run the job and its call (its credentials awaited).
    const cancellation = new Cancellation();
    cancellation.kill();
    const request = {
      runId: "1",
      jobKey: "a",
      displayName: "a",
      job: { id: "a" },
      contexts: {},
      matrix: null,
      cancellation,
      bus: new EventBus(),
    } as unknown as JobRequest;
    const never = new Promise<"never settled">((resolve) => setTimeout(() => resolve("never settled"), 2000));
    const outcome: JobOutcome | "never settled" = await Promise.race([executor.runJob(request), never]);
    expect(outcome).toEqual({ result: "cancelled", outputs: {}, steps: [] });
  });
});
