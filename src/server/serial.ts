/** Runs async work one piece at a time, in the order it was given (store writes from events). */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once everything given so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
