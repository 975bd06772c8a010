/**
 * When a claimed job's bookkeeping with the server starts: its lease's long poll and the sending
 * of what it reports. Both wait until the job's first process is under way, so that neither they
 * nor the server's and the database's work on them compete for the CPU with that process's start
 * (on a loaded machine, a step's start waited behind them). The gate opens at the first of: a line
 * once the first process started (so that its output is not held back); `afterStartMs` after it
 * started; `maxWaitMs` after the claim (a job whose first process is slow to come, its actions
 * being fetched, say); `open()`. Nothing is lost meanwhile: the claim's lease is fresh for its whole
 * length, reports wait in order, and a cancel asked for in that time is heard when the poll starts.
 * A job that ends before the gate opens sends its reports with its outcome, in one request, and
 * never polls its lease.
 */
export class StartGate {
  readonly opened: Promise<void>;
  private resolve!: () => void;
  private isOpen = false;
  private started = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: { maxWaitMs: number; afterStartMs: number }) {
    this.opened = new Promise<void>((r) => {
      this.resolve = r;
    });
    this.timers.push(setTimeout(() => this.open(), opts.maxWaitMs));
  }

  get isOpened(): boolean {
    return this.isOpen;
  }

  /** The job's first process started (each later one is no news). */
  processStarted(): void {
    if (this.started || this.isOpen) return;
    this.started = true;
    this.timers.push(setTimeout(() => this.open(), this.opts.afterStartMs));
  }

  /** The job wrote a line: opens once its first process started. */
  progressed(): void {
    if (this.started) this.open();
  }

  open(): void {
    if (this.isOpen) return;
    this.isOpen = true;
    for (const t of this.timers) clearTimeout(t);
    this.resolve();
  }
}
