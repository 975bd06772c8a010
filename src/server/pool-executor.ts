import {
  type CredentialsRequest,
  type JobCredentials,
  type JobExecutor,
  type JobOutcome,
  type JobRequest,
  requestedLabels,
} from "../engine/index.js";
import type { LocalRunner } from "../runner/index.js";
import type { Job, Store } from "../store/index.js";
import type { ProcessLedger } from "./process-ledger.js";
import { type RemoteJobSpec, type RemoteJobs, RUNNER_LOST } from "./remote-jobs.js";
import type { RunRecorder } from "./run-recorder.js";
import type { RunnerPool } from "./runner-pool.js";
import type { Serial } from "./serial.js";

/** Writes a line of the runner's own into the job's log. */
function jobLog(req: JobRequest): (line: string) => void {
  return (line) => req.bus.emit("job:log", { runId: req.runId, jobKey: req.jobKey, line });
}

/** What a runner machine needs of the run beyond the engine's request (RemoteJobSpec). */
export type RunSource = Pick<RemoteJobSpec, "repository" | "sha" | "debug" | "graceMs">;

/**
 * The engine's executor for a run on the server: each job is queued in the store with the labels
 * its runs-on asks for, and runs on the local runner once a slot of the pool claims it, or on a
 * runner machine that claims it (remote-jobs.ts) when the server has any.
 */
export class PoolExecutor implements JobExecutor {
  constructor(
    private readonly deps: {
      store: Store;
      serial: Serial;
      pool: RunnerPool;
      processes: ProcessLedger;
      remote?: RemoteJobs;
    },
    private readonly recorder: RunRecorder,
    private readonly runner: LocalRunner,
    /** Each job's own GITHUB_TOKEN (job-credentials.ts); without it the run's token stands. */
    private readonly issue?: (request: CredentialsRequest) => Promise<JobCredentials>,
    private readonly source?: RunSource,
  ) {}

  async credentials(request: CredentialsRequest): Promise<JobCredentials | undefined> {
    return this.issue?.(request);
  }

  async runJob(req: JobRequest): Promise<JobOutcome> {
    const { store, serial, pool, remote } = this.deps;
    const log = jobLog(req);
    let labels: string[];
    try {
      labels = requestedLabels(req.job, req.contexts);
    } catch (err) {
      log(`Error: runs-on: ${(err as Error).message}`);
      return { result: "failure", outputs: {}, steps: [] };
    }
    const job = await this.recorder.jobRow(req.jobKey, req.displayName, false);
    // A job already on a runner machine (its run adopted from a server that stopped): followed
    // where it stands rather than queued again.
    const held = job.status === "in_progress" && remote ? await store.jobLease(job.id) : undefined;
    const queued = { labels, matrix: req.matrix, name: req.displayName };
    const local = !held && pool.takes(labels);
    const machines = remote && this.source && (held || !local || (await remote.anyRunner()));
    // Queued now for this server's pool; a job only runner machines take is queued by its offer,
    // in the same statement (runThere); one only this server's pool takes is queued by the pool,
    // which claims it in the same statement when a slot is free (RunnerPool.offer).
    const queuedByOffer = !held && !local && machines;
    const queuedByPool = !held && local && !machines;
    if (!held && !queuedByOffer && !queuedByPool) {
      await serial.run(() => store.updateJob(job.id, { ...queued, status: "queued" }));
    }
    if (!local && !held && !(remote && (await remote.anyFits(labels)))) {
      log(
        `Waiting for a runner with the labels ${labels.join(", ")} (this server's runners have ${pool.opts.labels.join(", ")}${remote && (await remote.anyRunner()) ? "; no runner machine has them" : ""})`,
      );
    }
    return new Promise<JobOutcome>((resolve) => {
      let started = false;
      let settled = false;
      // Offered to runner machines (or held by one): a cancel must take it back from them.
      let offered = Boolean(held);
      const settle = (outcome: JobOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      req.cancellation.onCancel(() => {
        if (started) {
          if (machines && remote) void remote.cancel(job.id);
          return;
        }
        const fromPool = !local || pool.withdraw(job.id);
        if (!fromPool) return;
        if (!machines || !remote || !offered) return settle({ result: "cancelled", outputs: {}, steps: [] });
        void remote.withdraw(job.id).then((withdrawn) => {
          if (withdrawn) settle({ result: "cancelled", outputs: {}, steps: [] });
          else void remote.cancel(job.id);
        });
      });
      // The server stopping at once: a runner machine's job is asked to stop, and left.
      req.cancellation.onKill(() => {
        if (started && machines && remote) settle({ result: "cancelled", outputs: {}, steps: [] });
      });
      // Cancelled before it was offered (the run killed as the server stops, while the job was being
      // recorded): the cancel above found nothing to withdraw, and nothing would ever settle it.
      if (req.cancellation.cancelled) {
        // Stored as queued all the same (its labels), before the completion that follows.
        if (queuedByPool)
          void serial
            .run(() => store.updateJob(job.id, { ...queued, status: "queued" }))
            .catch(() => undefined);
        if (!offered) settle({ result: "cancelled", outputs: {}, steps: [] });
        return;
      }
      if (local) {
        pool.offer(
          job.id,
          async (_claimed, runnerName) => {
            started = true;
            log(`Runner ${runnerName} picked up the job`);
            settle(await this.runHere(req, job));
          },
          queuedByPool ? queued : undefined,
        );
      }
      if (machines && remote && this.source) {
        // The offer is queued (serial) before runThere first waits: a cancel from now on finds it.
        offered = true;
        // Queued by the offer only when this server's pool does not take it: else the pool may
        // have started it already, and the offer must not make it queued again.
        const offer = held ? undefined : { queued: queuedByOffer ? queued : undefined };
        void this.runThere(req, job, remote, this.source, offer, () => {
          started = true;
          if (local) pool.withdraw(job.id);
        })
          .then((outcome) => {
            if (outcome) settle(outcome);
          })
          // The store closed under it (the server stopping): the run's own stop settles the job.
          .catch((err: Error) => {
            if (!req.cancellation.killed) log(`Error: following the job on its runner: ${err.message}`);
          });
      }
    });
  }

  /** Runs the job on this server's pool (a slot claimed it). */
  private async runHere(req: JobRequest, job: Job): Promise<JobOutcome> {
    const log = jobLog(req);
    let outcome: JobOutcome;
    try {
      outcome = await this.runner.runJob(req);
    } catch (err) {
      log(`Error: ${(err as Error).message}`);
      outcome = { result: "failure", outputs: {}, steps: [] };
    }
    // The runner ended what the steps left behind: nothing of the job's is left to end.
    this.deps.processes.forget(job.runId, job.runAttempt, job.key);
    await this.record(req, job, outcome, true);
    return outcome;
  }

  /**
   * Offers the job to runner machines (unless one holds it already) and follows it there; undefined
   * when this server's pool took it instead.
   */
  private async runThere(
    req: JobRequest,
    job: Job,
    remote: RemoteJobs,
    source: RunSource,
    /**
     * Offered (undefined: a runner machine holds the job already), made queued with these labels,
     * matrix and name by the offer itself when `queued` is given.
     */
    offer: { queued?: Pick<Job, "labels" | "matrix" | "name"> } | undefined,
    claimed: () => void,
  ): Promise<JobOutcome | undefined> {
    const log = jobLog(req);
    if (offer) {
      const spec: RemoteJobSpec = {
        v: 1,
        runId: req.runId,
        jobKey: req.jobKey,
        displayName: req.displayName,
        workflow: {
          file: req.workflow.file,
          name: req.workflow.name,
          ...(req.workflow.defaultsRun ? { defaultsRun: req.workflow.defaultsRun } : {}),
        },
        job: req.job,
        matrix: req.matrix,
        contexts: req.contexts,
        env: req.env,
        secrets: req.secrets,
        ...(req.environment ? { environment: req.environment } : {}),
        ...source,
      };
      await remote.offer(job.id, spec, offer.queued);
    }
    const followed = await remote.follow(job.id, req, {
      claimed: (runnerName, leaseId) => {
        claimed();
        // The lease's lines, from its first: a server adopting the job writes them again.
        this.recorder.markLease(req.jobKey, leaseId);
        log(`Runner ${runnerName} picked up the job`);
      },
      retried: () =>
        log("Warning: the job's runner gave it up (it went silent or is stopping); the job is queued again"),
    });
    if (followed.kind === "local") {
      // This server's pool took it: its sealed request leaves the store now.
      await remote.close(job.id);
      return undefined;
    }
    let outcome: JobOutcome;
    if (followed.kind === "lost") {
      log(`Error: ${RUNNER_LOST}`);
      await this.deps.serial.run(() => this.deps.store.updateJob(job.id, { failureReason: RUNNER_LOST }));
      outcome = { result: "failure", outputs: {}, steps: [] };
    } else {
      outcome = followed.outcome;
    }
    await this.record(req, job, outcome);
    await remote.close(job.id);
    return outcome;
  }

  /**
   * Records the job's outputs and steps: `withCompletion` (a job of this server's pool, whose
   * outcome the engine has next), in the same transaction as its completion; else now, before the
   * caller answers its runner machine and drops its request.
   */
  private async record(
    req: JobRequest,
    job: Job,
    outcome: JobOutcome,
    withCompletion = false,
  ): Promise<void> {
    const { store, serial, pool } = this.deps;
    const steps = this.recorder.stepsOf(job.id, req.jobKey, outcome.steps);
    if (!withCompletion || !this.recorder.ended(req.jobKey, outcome.outputs, steps)) {
      await serial.run(() => store.putSteps(job.id, steps, { outputs: outcome.outputs }));
    }
    // The engine records the job's end once it has the outcome: a drain waits for that too.
    pool.settle(this.recorder.completion(req.jobKey));
  }
}
