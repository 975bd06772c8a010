import { randomUUID } from "node:crypto";
import type { Signals } from "./signals.js";

/** One thing that happened, as the SSE stream sends it. */
export interface LiveEvent {
  type: string;
  runId: number;
  [key: string]: unknown;
}

type Subscriber = (event: LiveEvent) => void;

/** The Signals topic that carries live events between servers. */
const TOPIC = "live";

/**
 * Fans run events and log lines out to live listeners (SSE streams). With `peers` (the Signals of
 * servers sharing a database), what is published here reaches the listeners of every server, and
 * theirs reach ours, in the order each server published them (a run's events all come from the
 * server driving it); an event is delivered once on each server, the publisher's included.
 */
export class LiveHub {
  private subscribers = new Set<Subscriber>();
  /** Listeners of this server's own events only (what must happen once: outgoing webhooks). */
  private own = new Set<Subscriber>();
  private readonly id = randomUUID();
  private readonly off: (() => void) | undefined;

  constructor(private readonly peers?: Signals) {
    this.off = peers?.subscribe(TOPIC, (message) => {
      let relayed: { h?: unknown; e?: LiveEvent };
      try {
        relayed = JSON.parse(message) as { h?: unknown; e?: LiveEvent };
      } catch {
        return;
      }
      if (relayed.h === this.id || typeof relayed.e?.type !== "string") return;
      this.deliver(relayed.e, this.subscribers);
    });
  }

  /**
   * Calls `fn` for each event from now on: of every server, or with `ownOnly` of this one alone.
   * Returns the unsubscribe.
   */
  subscribe(fn: Subscriber, opts: { ownOnly?: boolean } = {}): () => void {
    const set = opts.ownOnly ? this.own : this.subscribers;
    set.add(fn);
    return () => set.delete(fn);
  }

  publish(event: LiveEvent): void {
    this.deliver(event, this.subscribers);
    this.deliver(event, this.own);
    this.peers?.publish(TOPIC, JSON.stringify({ h: this.id, e: event }));
  }

  /** Stops hearing the peers. */
  close(): void {
    this.off?.();
  }

  private deliver(event: LiveEvent, to: Set<Subscriber>): void {
    for (const fn of to) {
      try {
        fn(event);
      } catch {
        // a listener that fails (a closed stream) does not stop the others
      }
    }
  }
}
