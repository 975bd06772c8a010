import type { Job, Store } from "../store/index.js";
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

  /** Offers a queued job (in the store) to the pool; `start` runs it once a slot claimed it. */
  offer(jobId: number, start: Waiting["start"]): void {
    this.waiting.set(jobId, { start });
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

  private async claimLoop(): Promise<void> {
    while (!this.stopped && this.free.length > 0 && this.waiting.size > 0) {
      const slot = this.free[this.free.length - 1];
      const runnerName = `${this.opts.name}-${slot}`;
      const job = await this.serial.run(() =>
        this.store.claimJob(runnerName, (j) => this.waiting.has(j.id) && this.takes(j.labels)),
      );
      if (!job) return;
      const entry = this.waiting.get(job.id);
      this.waiting.delete(job.id);
      if (!entry) continue;
      this.free.pop();
      this.current.set(slot, job.id);
      void entry
        .start(job, runnerName)
        .catch(() => undefined)
        .finally(() => {
          this.current.delete(slot);
          this.free.push(slot);
          if (this.stopped && this.free.length === this.opts.slots) this.drained?.();
          this.kick();
        });
    }
  }
}
