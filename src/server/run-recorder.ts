import type { EventBus } from "../engine/index.js";
import type { Job, NewJob, Run, Step, Store } from "../store/index.js";
import type { JobLogs } from "./job-logs.js";
import type { LiveHub } from "./live-hub.js";
import { LiveSteps } from "./live-steps.js";
import type { RunNotes } from "./run-notes.js";
import type { Serial } from "./serial.js";

/** A store write that failed: said on stderr; the run goes on (and the server with it). */
function storeFailed(err: unknown): void {
  process.stderr.write(`gantry serve: recording a job failed: ${(err as Error).message}\n`);
}

interface StepTimes {
  name: string;
  startedAt: string;
  completedAt: string | null;
}

/**
 * Writes one attempt of a run to the store and the log files from the engine's events, and
 * passes them on to live listeners: the one place job state is recorded.
 */
export class RunRecorder {
  private jobs = new Map<string, Promise<Job>>();
  private steps = new Map<string, StepTimes[]>();
  private names = new Map<string, string>();
  /** Each job's completion, resolved once it is written to the store (RunnerPool.drain waits for it). */
  private completions = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  /** The steps of each running job, as the API lists them until the job's reports replace them. */
  private live = new Map<string, LiveSteps>();
  /**
   * How many live steps of each job this recorder has stored: a later write of at least as many
   * overwrites them in one statement, as does the first of a row this recorder made (none); the
   * first of a row it found (a job run again may hold an earlier try's steps), or one of fewer,
   * replaces them all.
   */
  private liveStored = new Map<string, number>();
  /** The jobs whose live steps have a write queued that has not begun. */
  private liveQueued = new Set<string>();
  /** Per job: what waits for its live steps' queued write (the step events it announces). */
  private afterWrite = new Map<string, (() => void)[]>();
  /**
   * The outputs and steps of jobs that ended on this server's pool, written with their completion
   * (one transaction: job:completed follows the outcome at once), by job key (see ended).
   */
  private ends = new Map<string, { outputs: Record<string, string>; steps: Step[] }>();
  /** The jobs whose completion is queued (or written): an end told after that is written alone. */
  private completing = new Set<string>();
  /** The new rows asked for whose write has not begun (newRow). */
  private newRows?: { job: NewJob; resolve: (job: Job) => void; reject: (err: Error) => void }[];

  constructor(
    private readonly deps: { store: Store; serial: Serial; logs: JobLogs; hub: LiveHub; notes?: RunNotes },
    private readonly run: Run,
    bus: EventBus,
    /** The run was made just now (queueRun): it has no jobs yet, so none is looked for. */
    private readonly made = false,
  ) {
    const runId = run.id;
    const publish = (type: string, payload: object) => deps.hub.publish({ type, runId, ...payload });
    bus.on("job:queued", (e) => {
      this.names.set(e.jobKey, e.name);
      this.jobRow(e.jobKey, e.name, true).catch(storeFailed);
      publish("job:queued", { jobKey: e.jobKey, name: e.name });
    });
    // Waiting for a concurrency group: `pending` until the group admits it, as GitHub shows it.
    let sawPending = false;
    bus.on("run:pending", (e) => {
      sawPending = true;
      deps.serial.run(() => deps.store.updateRun(runId, { status: "pending" })).catch(storeFailed);
      publish("run:pending", { group: e.group });
    });
    bus.on("run:started", () => {
      if (!sawPending) return;
      deps.serial.run(() => deps.store.updateRun(runId, { status: "in_progress" })).catch(storeFailed);
      publish("run:started", { attempt: run.runAttempt });
    });
    bus.on("job:pending", (e) => {
      this.names.set(e.jobKey, e.name);
      this.jobRow(e.jobKey, e.name, false)
        .then((job) => deps.serial.run(() => deps.store.updateJob(job.id, { status: "pending" })))
        .catch(storeFailed);
      publish("job:pending", { jobKey: e.jobKey, name: e.name, group: e.group });
    });
    // Waiting on an environment's protection rules (a wait timer, a reviewer): the job and its run
    // are `waiting`, as GitHub shows them, until the last waiting job goes on or ends.
    const waiting = new Set<string>();
    bus.on("job:waiting", (e) => {
      this.names.set(e.jobKey, e.name);
      waiting.add(e.jobKey);
      this.jobRow(e.jobKey, e.name, false)
        .then((job) =>
          deps.serial.run(async () => {
            await deps.store.updateJob(job.id, { status: "waiting" });
            await deps.store.updateRun(runId, { status: "waiting" });
          }),
        )
        .catch(storeFailed);
      publish("job:waiting", { jobKey: e.jobKey, name: e.name, environment: e.environment });
    });
    const waited = (jobKey: string, job: Promise<Job>) => {
      if (!waiting.delete(jobKey)) return;
      const last = waiting.size === 0;
      job
        .then((row) =>
          deps.serial.run(async () => {
            const current = await deps.store.getJob(row.id);
            if (current?.status === "waiting") await deps.store.updateJob(row.id, { status: "queued" });
            const r = await deps.store.getRun(runId);
            if (last && r?.status === "waiting") await deps.store.updateRun(runId, { status: "in_progress" });
          }),
        )
        .catch(storeFailed);
      if (last) publish("run:started", { attempt: run.runAttempt });
    };
    bus.on("job:started", (e) => {
      this.names.set(e.jobKey, e.name);
      const job = this.jobRow(e.jobKey, e.name, false);
      job.catch(storeFailed);
      waited(e.jobKey, job);
      publish("job:started", { jobKey: e.jobKey, name: e.name });
    });
    // Why a run ended before or besides its jobs (a concurrency group cancelled it): kept with
    // the run's problems, so the API says it.
    const notes = [...run.problems];
    bus.on("run:annotation", (e) => {
      notes.push(e.text);
      const problems = [...notes];
      deps.serial.run(() => deps.store.updateRun(runId, { problems })).catch(storeFailed);
      publish("run:annotation", { level: e.level, text: e.text });
    });
    // Annotations and step summaries: kept for the run page, announced live.
    bus.on("job:annotation", (e) => {
      const { runId: _, ...rest } = e;
      deps.notes?.addAnnotation(runId, run.runAttempt, { ...rest, message: e.message ?? e.text });
      publish("job:annotation", { jobKey: e.jobKey, level: e.level });
    });
    bus.on("step:summary", (e) => {
      const open = (this.steps.get(e.jobKey) ?? []).filter((s) => s.completedAt === null);
      const step = open.length > 0 ? open[open.length - 1].name : null;
      deps.notes?.addSummary(runId, run.runAttempt, { jobKey: e.jobKey, step, markdown: e.markdown });
      publish("job:summary", { jobKey: e.jobKey });
    });
    bus.on("job:log", (e) => {
      const line = deps.logs.append(this.logPath(e.jobKey), e.line);
      publish("job:log", { jobKey: e.jobKey, job: this.names.get(e.jobKey) ?? e.jobKey, line });
    });
    bus.on("job:steps", (e) => {
      const live = new LiveSteps();
      live.plan(e.names);
      this.live.set(e.jobKey, live);
      this.putLiveSteps(e.jobKey);
    });
    bus.on("step:started", (e) => {
      const at = new Date().toISOString();
      const list = this.steps.get(e.jobKey) ?? [];
      list.push({ name: e.name, startedAt: at, completedAt: null });
      this.steps.set(e.jobKey, list);
      // The step's header, as GitHub's logs open each step.
      for (const line of [`##[group]${e.name}`, "##[endgroup]"]) {
        const stamped = deps.logs.append(this.logPath(e.jobKey), line);
        publish("job:log", { jobKey: e.jobKey, job: this.names.get(e.jobKey) ?? e.jobKey, line: stamped });
      }
      this.live.get(e.jobKey)?.started(e.name, e.index, at);
      // Announced once the step is stored: a client reading the job on hearing it sees it running.
      this.putLiveSteps(e.jobKey, () => publish("step:started", { jobKey: e.jobKey, name: e.name }));
    });
    bus.on("step:completed", (e) => {
      const at = new Date().toISOString();
      const open = this.steps.get(e.jobKey)?.find((s) => s.name === e.name && s.completedAt === null);
      if (open) open.completedAt = at;
      this.live.get(e.jobKey)?.completed(e.name, e.conclusion, at);
      this.putLiveSteps(e.jobKey, () =>
        publish("step:completed", { jobKey: e.jobKey, name: e.name, conclusion: e.conclusion }),
      );
    });
    bus.on("job:completed", (e) => {
      const completedAt = new Date().toISOString();
      waited(e.jobKey, this.jobRow(e.jobKey, e.name, false));
      deps.logs.close(this.logPath(e.jobKey));
      this.completing.add(e.jobKey);
      const end = this.ends.get(e.jobKey);
      this.ends.delete(e.jobKey);
      this.jobRow(e.jobKey, e.name, false)
        .then((job) =>
          deps.serial.run(async () => {
            // A job that never started (skipped, cancelled while queued) started as it ended.
            const patch = {
              status: "completed" as const,
              conclusion: e.result,
              completedAt,
              startedAtIfUnset: completedAt,
            };
            if (end) await deps.store.putSteps(job.id, end.steps, { ...patch, outputs: end.outputs });
            else await deps.store.updateJob(job.id, patch);
            publish("job:completed", { jobKey: e.jobKey, jobId: job.id, name: e.name, conclusion: e.result });
          }),
        )
        .catch(storeFailed)
        .finally(() => this.completed(e.jobKey).resolve());
    });
  }

  /**
   * A job that ran on this server's pool ended with these outputs and steps: they are written with
   * its completion, which the engine announces (job:completed) once it has the outcome, in one
   * transaction. False when its completion was queued already: the caller writes them itself.
   */
  ended(jobKey: string, outputs: Record<string, string>, steps: Step[]): boolean {
    if (this.completing.has(jobKey)) return false;
    this.ends.set(jobKey, { outputs, steps });
    return true;
  }

  /** Resolves once the job's completion is written to the store (or failed to be). */
  completion(jobKey: string): Promise<void> {
    return this.completed(jobKey).promise;
  }

  private completed(jobKey: string): { promise: Promise<void>; resolve: () => void } {
    let entry = this.completions.get(jobKey);
    if (!entry) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      entry = { promise, resolve };
      this.completions.set(jobKey, entry);
    }
    return entry;
  }

  /** The job's log lines from now on are those of a runner machine's lease (JobLogs.markLease). */
  markLease(jobKey: string, leaseId: string): void {
    this.deps.logs.markLease(this.logPath(jobKey), leaseId);
  }

  logPath(jobKey: string): string {
    return this.deps.logs.pathOf(this.run.id, this.run.runAttempt, jobKey, this.run.workflowFile);
  }

  /** The job's row: added (or reset, when `fresh`) on first sight, then the same row. */
  jobRow(jobKey: string, name: string, fresh: boolean): Promise<Job> {
    let p = this.jobs.get(jobKey);
    if (!p && this.made) {
      p = this.newRow(jobKey, name);
      this.jobs.set(jobKey, p);
    }
    if (!p) {
      const { store, serial } = this.deps;
      const { id: runId, runAttempt } = this.run;
      p = serial.run(async () => {
        const existing = this.made ? undefined : await store.findJob(runId, runAttempt, jobKey);
        if (existing && !fresh) return existing;
        // A runner machine holds it still (a run adopted from a server that died): it goes on
        // there, and the engine follows it (PoolExecutor), rather than starting it over.
        if (
          existing?.status === "in_progress" &&
          existing.runnerId !== null &&
          (await store.jobLease(existing.id))
        )
          return existing;
        const row = await store.putJob(
          { runId, runAttempt, key: jobKey, name, logPath: this.logPath(jobKey) },
          existing ?? null,
        );
        // A row made just now holds no steps: its first live write adds them in one statement.
        if (!existing) this.liveStored.set(jobKey, 0);
        return row;
      });
      this.jobs.set(jobKey, p);
    }
    return p;
  }

  /**
   * A new row of a run made just now (which has none yet): the rows asked for until the write's
   * turn comes (a matrix's legs, queued at once) are added together, in the order asked
   * (Store.addJobs: one step of the sequence and one insert, not two statements a job).
   */
  private newRow(jobKey: string, name: string): Promise<Job> {
    const { store, serial } = this.deps;
    const { id: runId, runAttempt } = this.run;
    return new Promise<Job>((resolve, reject) => {
      const asked = {
        job: { runId, runAttempt, key: jobKey, name, logPath: this.logPath(jobKey) },
        resolve,
        reject,
      };
      if (this.newRows) {
        this.newRows.push(asked);
        return;
      }
      const batch = [asked];
      this.newRows = batch;
      serial
        .run(() => {
          this.newRows = undefined;
          return store.addJobs(batch.map((b) => b.job));
        })
        .then(
          (rows) =>
            batch.forEach((b, i) => {
              // Made just now, it holds no steps: its first live write adds them in one statement.
              this.liveStored.set(b.job.key, 0);
              b.resolve(rows[i]);
            }),
          (err: Error) => {
            for (const b of batch) b.reject(err);
          },
        );
    });
  }

  /**
   * Stores a running job's steps as they stand when the write's turn comes: one write queued per job
   * at a time, so the events that arrive while it waits (a short job's plan, start and end) make one
   * write, not one each (each was a delete and an insert), and none once the job's reports replaced them.
   * `then` runs once the write that holds the steps as they stand now has landed (or failed, or
   * there is none to make).
   */
  private putLiveSteps(jobKey: string, then?: () => void): void {
    const live = this.live.get(jobKey);
    if (then) {
      if (!live) return then();
      const waiting = this.afterWrite.get(jobKey) ?? [];
      waiting.push(then);
      this.afterWrite.set(jobKey, waiting);
    }
    if (!live || this.liveQueued.has(jobKey)) return;
    this.liveQueued.add(jobKey);
    const { store, serial } = this.deps;
    this.jobRow(jobKey, this.names.get(jobKey) ?? jobKey, false)
      .then((job) =>
        serial.run(async () => {
          this.liveQueued.delete(jobKey);
          // What waits for this write: it holds the steps as they stand from here on.
          const waiting = this.afterWrite.get(jobKey) ?? [];
          this.afterWrite.delete(jobKey);
          try {
            // As they stand now (a new plan may have replaced the one this write was queued for),
            // and none once the job's reports replaced them.
            const current = this.live.get(jobKey);
            if (current) {
              const rows = current.rows(job.id);
              const stored = this.liveStored.get(jobKey);
              this.liveStored.delete(jobKey);
              if (stored !== undefined && rows.length >= stored) await store.overwriteSteps(job.id, rows);
              else await store.putSteps(job.id, rows);
              this.liveStored.set(jobKey, rows.length);
            }
          } finally {
            for (const fn of waiting) fn();
          }
        }),
      )
      .catch((err) => {
        this.liveQueued.delete(jobKey);
        for (const fn of this.afterWrite.get(jobKey) ?? []) fn();
        this.afterWrite.delete(jobKey);
        storeFailed(err);
      });
  }

  /** Steps of a finished job: the runner's reports, timed by the step events. */
  stepsOf(
    jobId: number,
    jobKey: string,
    reports: Array<{
      id: string;
      name: string;
      outcome: Step["outcome"];
      conclusion: Step["conclusion"];
      outputs: Record<string, string>;
    }>,
  ): Step[] {
    // From now on the reports are the job's steps: no live write lands after them.
    this.live.delete(jobKey);
    this.liveStored.delete(jobKey);
    const times = [...(this.steps.get(jobKey) ?? [])];
    return reports.map((r, i) => {
      const at = times.findIndex((t) => t.name === r.name);
      const t = at >= 0 ? times.splice(at, 1)[0] : undefined;
      return {
        jobId,
        number: i + 1,
        stepId: r.id,
        name: r.name,
        status: "completed",
        outcome: r.outcome,
        conclusion: r.conclusion,
        outputs: r.outputs,
        startedAt: t?.startedAt ?? null,
        completedAt: t?.completedAt ?? t?.startedAt ?? null,
      };
    });
  }
}
