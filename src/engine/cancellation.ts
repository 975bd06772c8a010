/**
 * A cancel that comes in two strengths: `cancel()` asks running steps to stop (SIGINT) and
 * lets `always()`/`cancelled()` work still run; `kill()` stops everything at once.
 * Children follow their parent, so cancelling a run cancels each of its jobs.
 */
export class Cancellation {
  cancelled = false;
  killed = false;
  reason: "cancel" | "timeout" | undefined;
  private cancelFns: Array<() => void> = [];
  private killFns: Array<() => void> = [];

  constructor(parent?: Cancellation) {
    if (parent) {
      parent.onCancel(() => this.cancel());
      parent.onKill(() => this.kill());
    }
  }

  /**
   * A cancellation for work that starts now under `parent`: it follows the parent's cancel and
   * kill; work that starts after a cancel (an always() job or step) follows only the kill.
   */
  static startingUnder(parent: Cancellation): Cancellation {
    if (!parent.cancelled) return new Cancellation(parent);
    const child = new Cancellation();
    parent.onKill(() => child.kill());
    return child;
  }

  cancel(reason: "cancel" | "timeout" = "cancel"): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.reason = reason;
    for (const fn of this.cancelFns.splice(0)) fn();
  }

  kill(): void {
    this.cancel();
    if (this.killed) return;
    this.killed = true;
    for (const fn of this.killFns.splice(0)) fn();
  }

  onCancel(fn: () => void): void {
    if (this.cancelled) fn();
    else this.cancelFns.push(fn);
  }

  onKill(fn: () => void): void {
    if (this.killed) fn();
    else this.killFns.push(fn);
  }
}
