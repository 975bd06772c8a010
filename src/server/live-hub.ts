/** One thing that happened, as the SSE stream sends it. */
export interface LiveEvent {
  type: string;
  runId: number;
  [key: string]: unknown;
}

type Subscriber = (event: LiveEvent) => void;

/** Fans run events and log lines out to live listeners (SSE streams). */
export class LiveHub {
  private subscribers = new Set<Subscriber>();

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  publish(event: LiveEvent): void {
    for (const fn of this.subscribers) {
      try {
        fn(event);
      } catch {
        // a listener that fails (a closed stream) does not stop the others
      }
    }
  }
}
