import type { Job, QueuedJob, Store } from "../store/index.js";
import { labelsMatch } from "./runner-labels.js";
import type { Serial } from "./serial.js";

export interface RunnerPoolOptions {
  /** Jobs run at once. */
  slots: number;
  labels: string[];
  labelMap: Record<string, string[]>;
  /** Runner names are `<name>-<slot>`. */
  name: string;
}

interface Waiting {
  start: (job: Job, runnerName: string) => Promise<void>;
  /** Its queued write has not landed yet: no claim takes it before (it would claim it unlabelled). */
  writing?: boolean;
  /**
   * Queued by this pool (offer's `queued`): no runner machine is offered it and no other server's
   * pool accepts it, so a slot claims it by its id, without reading the queue.
   */
  own?: boolean;
  /** Its claim by id found it no longer queued (cancelled meanwhile): left for the withdraw. */
  gone?: boolean;
}

/**
 * The embedded runner pool: jobs wait in the store's queue; a free slot claims the oldest one whose
 * `runs-on` its labels satisfy (the same claim a remote runner would make) and runs it.
 */
export class RunnerPool {
  private waiting = new Map<number, Waiting>();
  private free: number[];
  private kicking = false;
  private again = false;
  private stopped = false;
  private drained: (() => void) | undefined;
  /** What must land before a drain is done although the job's slot is free: its recorded completion. */
  private settling = new Set<Promise<unknown>>();
  /** The job each busy slot runs, by slot. */
  private current = new Map<number, number>();

  constructor(
    private readonly store: Store,
    private readonly serial: Serial,
    readonly opts: RunnerPoolOptions,
  ) {
    this.free = Array.from({ length: opts.slots }, (_, i) => opts.slots - i);
  }

  /** Whether a job asking for these labels can ever run here. */
  takes(labels: string[]): boolean {
    return this.opts.slots > 0 && labelsMatch(labels, this.opts.labels, this.opts.labelMap);
  }

  /**
   * Offers a job to the pool; `start` runs it once a slot claimed it. A job queued in the store
   * already is offered alone; `queued`: the pool queues it with these (labels, matrix, name). Then a
   * free slot with no job waiting and no claim under way takes it at once, queued and claimed in one
   * statement (Store.startJob), rather than a queued update, a claim's read and its update: the same
   * row, two statements fewer on a job's way to its first step. Else it is queued, then claimed in
   * turn as any other.
   */
  offer(jobId: number, start: Waiting["start"], queued?: QueuedJob): void {
    if (!queued) {
      this.waiting.set(jobId, { start });
      this.kick();
      return;
    }
    if (!this.stopped && !this.kicking && this.waiting.size === 0 && this.free.length > 0) {
      this.startNow(jobId, start, queued);
      return;
    }
    const entry: Waiting = { start, writing: true, own: true };
    this.waiting.set(jobId, entry);
    this.serial
      .run(() => this.store.updateJob(jobId, { ...queued, status: "queued" }))
      .then(
        () => {
          entry.writing = false;
          this.kick();
        },
        (err: Error) => process.stderr.write(`gantry serve: queueing a job failed: ${err.message}\n`),
      );
  }

  /**
   * A free slot takes the job now: queued and claimed in one statement, then started. A job that
   * could not be (its row gone, the store failing) waits as one no claim finds, as it would have
   * after a failed queued write: a cancel takes it back (withdraw).
   */
  private startNow(jobId: number, start: Waiting["start"], queued: QueuedJob): void {
    const slot = this.free.pop() as number;
    const runnerName = `${this.opts.name}-${slot}`;
    this.current.set(slot, jobId);
    void this.serial
      .run(() => this.store.startJob(jobId, runnerName, queued))
      .catch((err: Error) => {
        process.stderr.write(`gantry serve: claiming a job failed: ${err.message}\n`);
        return undefined;
      })
      .then((job) => {
        if (job) return start(job, runnerName);
        this.waiting.set(jobId, { start });
      })
      .catch(() => undefined)
      .finally(() => this.release(slot));
  }

  /** A slot whose job ended is free again: the next job waiting is claimed. */
  private release(slot: number): void {
    this.current.delete(slot);
    this.free.push(slot);
    if (this.stopped && this.free.length === this.opts.slots) this.drained?.();
    this.kick();
  }

  /** Takes back a job no slot has claimed yet; false when it already started. */
  withdraw(jobId: number): boolean {
    return this.waiting.delete(jobId);
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * Work a drain waits for after a job's slot is free (its completion reaching the store, which
   * the engine records once it has the job's outcome).
   */
  settle(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.settling.delete(tracked));
    this.settling.add(tracked);
  }

  /**
   * Claims no more jobs (they stay queued in the store for the next start) and resolves true once
   * the jobs running have finished and their completion is recorded, or false when `timeoutMs`
   * passes first.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const running =
      this.free.length === this.opts.slots
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.drained = resolve;
          });
    const done = running.then(async () => {
      // A job finishing while these settle adds its own: wait until none is left.
      while (this.settling.size > 0) await Promise.all([...this.settling]);
      return true as const;
    });
    try {
      return await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The ids of the jobs running now (the runners list shows them). */
  get jobIds(): number[] {
    return [...this.current.values()].sort((a, b) => a - b);
  }

  /** How many jobs are running now. */
  get running(): number {
    return this.opts.slots - this.free.length;
  }

  private kick(): void {
    if (this.kicking) {
      this.again = true;
      return;
    }
    this.kicking = true;
    void this.claimLoop()
      .catch((err) =>
        process.stderr.write(`gantry serve: claiming a job failed: ${(err as Error).message}\n`),
      )
      .finally(() => {
        this.kicking = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /**
   * The job a claim takes by its id: the oldest ready one when every job waiting is this pool's own
   * (the queue's order: ids grow as jobs are added); "none" when none of them is ready; undefined
   * when some job waiting is not its own, which the queue's claim (Store.claimJob) takes in order.
   */
  private nextOwn(): number | "none" | undefined {
    let oldest: number | undefined;
    for (const [id, entry] of this.waiting) {
      if (!entry.own) return undefined;
      if (entry.writing || entry.gone) continue;
      if (oldest === undefined || id < oldest) oldest = id;
    }
    return oldest ?? "none";
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopped && this.free.length > 0 && this.waiting.size > 0) {
      const slot = this.free[this.free.length - 1];
      const runnerName = `${this.opts.name}-${slot}`;
      const own = this.nextOwn();
      if (own === "none") return;
      const job = await this.serial.run(() =>
        own !== undefined
          ? this.store.claimQueuedJob(own, runnerName)
          : this.store.claimJob(runnerName, (j) => {
              const waiting = this.waiting.get(j.id);
              return waiting !== undefined && !waiting.writing && this.takes(j.labels);
            }),
      );
      if (!job) {
        if (own === undefined) return;
        const entry = this.waiting.get(own);
        if (entry) entry.gone = true;
        continue;
      }
      const entry = this.waiting.get(job.id);
      this.waiting.delete(job.id);
      if (!entry) continue;
      this.free.pop();
      this.current.set(slot, job.id);
      void entry
        .start(job, runnerName)
        .catch(() => undefined)
        .finally(() => this.release(slot));
    }
  }
}
