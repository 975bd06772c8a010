/** Runs async work one piece at a time, in the order it was given (store writes from events). */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  private sealed = false;

  run<T>(fn: () => Promise<T>): Promise<T> {
    // Sealed: the server is stopping and the store stays as it is now for the next start.
    if (this.sealed) return new Promise<T>(() => {});
    const next = this.tail.then(fn);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Takes no more work: what is given from now on never runs (nor settles). */
  seal(): void {
    this.sealed = true;
  }

  /** Resolves once everything given so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
