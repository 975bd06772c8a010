/**
 * Wake-ups between the parts of a server, and between servers that share a database: a job was
 * offered (claims waiting in a long poll look again), a runner reported on a job or was asked to
 * cancel it (the run's engine and the runner's long poll look again). A signal carries a short
 * message (under 7,000 bytes, PostgreSQL's NOTIFY limit); what it is about is always read from the
 * store, so a lost or doubled signal only delays or repeats a look, never loses work.
 *
 * Topics in use: `offers` (a job may be claimed), `job:<id>` (claimed, reported, cancel asked,
 * lease ended).
 */
export interface Signals {
  publish(topic: string, message?: string): void;
  /** Calls `listener` for each signal on the topic from now on; returns the unsubscribe. */
  subscribe(topic: string, listener: (message: string) => void): () => void;
  close(): Promise<void>;
}

/** Signals within this process: one server on its own (SQLite), and the in-process part of any. */
export class LocalSignals implements Signals {
  private topics = new Map<string, Set<(message: string) => void>>();

  publish(topic: string, message = ""): void {
    for (const fn of [...(this.topics.get(topic) ?? [])]) {
      try {
        fn(message);
      } catch {
        // one listener failing does not keep the signal from the others
      }
    }
  }

  subscribe(topic: string, listener: (message: string) => void): () => void {
    let set = this.topics.get(topic);
    if (!set) {
      set = new Set();
      this.topics.set(topic, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.topics.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.topics.clear();
  }
}

/** Resolves at the first signal on `topic`, or after `ms`, or when `abort` fires: whichever comes first. */
export function nextSignal(signals: Signals, topic: string, ms: number, abort?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      abort?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const off = signals.subscribe(topic, done);
    abort?.addEventListener("abort", done, { once: true });
  });
}
