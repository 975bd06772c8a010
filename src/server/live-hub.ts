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
/** How long, and how many, of the peers' log lines are kept for a stream that opens after them. */
const RECENT_MS = 5_000;
const RECENT_MAX = 5_000;

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
  /** The peers' log lines of the last RECENT_MS, oldest first. */
  private recent: { at: number; event: LiveEvent }[] = [];

  constructor(private readonly peers?: Signals) {
    this.off = peers?.subscribe(TOPIC, (message) => {
      let relayed: { h?: unknown; e?: LiveEvent };
      try {
        relayed = JSON.parse(message) as { h?: unknown; e?: LiveEvent };
      } catch {
        return;
      }
      if (relayed.h === this.id || typeof relayed.e?.type !== "string") return;
      if (relayed.e.type === "job:log") this.remember(relayed.e);
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

  /**
   * The log lines of a run that peers published in the last few seconds, oldest first. A stream
   * reads a peer's job's log from the blob store, where lines land up to a moment after they are
   * heard: these and the log read meet (log-overlap.ts), so no line falls between the two.
   */
  recentFromPeers(runId: number): LiveEvent[] {
    this.prune(Date.now());
    return this.recent.filter((r) => r.event.runId === runId).map((r) => r.event);
  }

  private remember(event: LiveEvent): void {
    const now = Date.now();
    this.recent.push({ at: now, event });
    this.prune(now);
  }

  private prune(now: number): void {
    let drop = Math.max(0, this.recent.length - RECENT_MAX);
    while (drop < this.recent.length && this.recent[drop].at < now - RECENT_MS) drop++;
    if (drop > 0) this.recent.splice(0, drop);
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
