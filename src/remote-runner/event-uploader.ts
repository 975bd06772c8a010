import { pause, type RunnerClient, ServerRefused } from "./client.js";

/** The largest batch of events sent at once (the server takes request bodies up to 1 MiB). */
const BATCH_BYTES = 512 * 1024;

/**
 * Sends what a job reports (log lines, steps, its outcome) to the server in order, numbered from 0:
 * a batch the server already stored (a retry after a lost answer) is skipped by its numbers, so no
 * line is doubled or lost. One request is in flight at a time: what comes meanwhile goes in the
 * next batch; after a failed send, the rest waits `delayMs`.
 */
export class EventUploader {
  private pending: { seq: number; body: unknown; bytes: number }[] = [];
  private nextSeq = 0;
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lost = false;
  private held: boolean;

  constructor(
    private readonly client: RunnerClient,
    private readonly jobId: number,
    private readonly leaseId: string,
    /** Called once when the server says the lease is not this runner's any more. */
    private readonly onLost: () => void,
    private readonly delayMs = 100,
    /** Sends nothing until `release()` (or `close()`): what is pushed meanwhile waits, in order. */
    opts: { held?: boolean } = {},
  ) {
    this.held = opts.held ?? false;
  }

  /** Sends what waited, and from now on as it comes. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.pending.length > 0) this.timer ??= setTimeout(() => this.kick(), 0);
  }

  push(body: unknown): void {
    if (this.lost) return;
    this.pending.push({ seq: this.nextSeq++, body, bytes: JSON.stringify(body).length + 24 });
    // Nothing in flight: sent at once (the first line of a step reaches the server without
    // waiting); while a request is in flight, lines gather into the next batch.
    if (this.held) return;
    if (this.pending.length >= 1000 || !this.sending) this.timer ??= setTimeout(() => this.kick(), 0);
  }

  /** Sends everything pushed so far; resolves when the server has it (or the lease is lost). */
  async close(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    this.held = false;
    while (!this.lost && this.pending.length > 0 && Date.now() < deadline) {
      this.kick();
      await this.sending;
      if (this.pending.length > 0) await pause(500);
    }
    clearTimeout(this.timer);
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || this.lost || this.held) return;
    this.sending = this.sendAll().finally(() => {
      this.sending = undefined;
      if (this.pending.length > 0 && !this.lost) this.timer ??= setTimeout(() => this.kick(), this.delayMs);
    });
  }

  private async sendAll(): Promise<void> {
    while (this.pending.length > 0 && !this.lost) {
      const batch: typeof this.pending = [];
      let bytes = 0;
      for (const e of this.pending) {
        if (batch.length > 0 && bytes + e.bytes > BATCH_BYTES) break;
        batch.push(e);
        bytes += e.bytes;
      }
      try {
        const answer = await this.client.post<{ next: number }>(
          `_runner/jobs/${this.jobId}/events`,
          { lease_id: this.leaseId, events: batch.map(({ seq, body }) => ({ seq, body })) },
          { attempts: 3 },
        );
        const next = answer.body.next;
        this.pending = this.pending.filter((e) => e.seq >= next);
        // The server is missing earlier events than these (it never should): send from there.
        if (this.pending.length > 0 && this.pending[0].seq > next) this.pending = [];
      } catch (err) {
        if (err instanceof ServerRefused && err.status === 409) {
          this.lost = true;
          this.pending = [];
          this.onLost();
          return;
        }
        // Unreachable for now: kept, and sent again on the next kick.
        return;
      }
    }
  }
}
