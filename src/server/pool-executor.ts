import {
  type CredentialsRequest,
  type JobCredentials,
  type JobExecutor,
  type JobOutcome,
  type JobRequest,
  requestedLabels,
} from "../engine/index.js";
import type { LocalRunner } from "../runner/index.js";
import type { Store } from "../store/index.js";
import type { ProcessLedger } from "./process-ledger.js";
import type { RunRecorder } from "./run-recorder.js";
import type { RunnerPool } from "./runner-pool.js";
import type { Serial } from "./serial.js";

/**
 * The engine's executor for a run on the server: each job is queued in the store with the labels
 * its runs-on asks for, and runs on the local runner once a slot of the pool claims it.
 */
export class PoolExecutor implements JobExecutor {
  constructor(
    private readonly deps: { store: Store; serial: Serial; pool: RunnerPool; processes: ProcessLedger },
    private readonly recorder: RunRecorder,
    private readonly runner: LocalRunner,
    /** Each job's own GITHUB_TOKEN (job-credentials.ts); without it the run's token stands. */
    private readonly issue?: (request: CredentialsRequest) => Promise<JobCredentials>,
  ) {}

  async credentials(request: CredentialsRequest): Promise<JobCredentials | undefined> {
    return this.issue?.(request);
  }

  async runJob(req: JobRequest): Promise<JobOutcome> {
    const { store, serial, pool } = this.deps;
    const log = (line: string) => req.bus.emit("job:log", { runId: req.runId, jobKey: req.jobKey, line });
    let labels: string[];
    try {
      labels = requestedLabels(req.job, req.contexts);
    } catch (err) {
      log(`Error: runs-on: ${(err as Error).message}`);
      return { result: "failure", outputs: {}, steps: [] };
    }
    const job = await this.recorder.jobRow(req.jobKey, req.displayName, false);
    await serial.run(() =>
      store.updateJob(job.id, { labels, matrix: req.matrix, name: req.displayName, status: "queued" }),
    );
    if (!pool.takes(labels)) {
      log(
        `Waiting for a runner with the labels ${labels.join(", ")} (this server's runners have ${pool.opts.labels.join(", ")})`,
      );
    }
    return new Promise<JobOutcome>((resolve) => {
      let started = false;
      req.cancellation.onCancel(() => {
        if (!started && pool.withdraw(job.id)) resolve({ result: "cancelled", outputs: {}, steps: [] });
      });
      if (req.cancellation.cancelled) return;
      pool.offer(job.id, async (_claimed, runnerName) => {
        started = true;
        log(`Runner ${runnerName} picked up the job`);
        let outcome: JobOutcome;
        try {
          outcome = await this.runner.runJob(req);
        } catch (err) {
          log(`Error: ${(err as Error).message}`);
          outcome = { result: "failure", outputs: {}, steps: [] };
        }
        // The runner ended what the steps left behind: nothing of the job's is left to end.
        this.deps.processes.forget(job.runId, job.runAttempt, job.key);
        const steps = this.recorder.stepsOf(job.id, req.jobKey, outcome.steps);
        await serial.run(async () => {
          await store.updateJob(job.id, { outputs: outcome.outputs });
          await store.putSteps(job.id, steps);
        });
        // The engine records the job's end once it has the outcome: a drain waits for that too.
        pool.settle(this.recorder.completion(req.jobKey));
        resolve(outcome);
      });
    });
  }
}
