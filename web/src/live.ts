// The server's live stream (GET /api/v1/events?logs=0): one EventSource for the whole page,
// shared by every component that listens; it reconnects by itself when the server comes back.
// What happened before the stream was (re)connected is not sent: each time it connects, every
// listener is told that anything may have changed, so a page that loaded while the stream was
// connecting, or while the server was away, loads again instead of showing what no longer is.
import { useEffect, useRef } from "react";
import { streamUrl } from "./api.js";
import { bursts } from "./live-bursts.js";

export interface LiveEvent {
  type: string;
  runId: number;
  jobKey?: string;
  name?: string;
  conclusion?: string | null;
  [key: string]: unknown;
}

/** An event, or undefined when the stream has just (re)connected: anything may have changed. */
type Listener = (e: LiveEvent | undefined) => void;

const TYPES = [
  "run:queued",
  "run:pending",
  "run:waiting",
  "run:started",
  "run:completed",
  "run:annotation",
  "job:queued",
  "job:pending",
  "job:waiting",
  "job:started",
  "job:completed",
  "step:started",
  "step:completed",
  "job:annotation",
  "job:summary",
];

let source: EventSource | null = null;
const listeners = new Set<Listener>();

function open(): void {
  if (source) return;
  source = new EventSource(streamUrl("/events", { logs: "0" }));
  source.addEventListener("open", () => {
    for (const fn of listeners) fn(undefined);
  });
  for (const type of TYPES) {
    source.addEventListener(type, (m) => {
      let e: LiveEvent;
      try {
        e = JSON.parse((m as MessageEvent<string>).data) as LiveEvent;
      } catch {
        return;
      }
      for (const fn of listeners) fn(e);
    });
  }
}

function close(): void {
  source?.close();
  source = null;
}

/**
 * Calls `fn` with the live events `when` takes (all, without it), once per burst of `ms`: pages
 * refetch what changed instead of replaying every event. `fn(undefined)` when the stream
 * (re)connects, whatever `when` says: the events before it were missed, so what `fn` reloads must
 * be loaded again.
 */
export function useLive(
  fn: (events: LiveEvent[] | undefined) => void,
  when?: (e: LiveEvent) => boolean,
  ms = 250,
): void {
  const latest = useRef({ fn, when });
  latest.current = { fn, when };
  useEffect(() => {
    const burst = bursts<LiveEvent>((events) => latest.current.fn(events), ms);
    const listener: Listener = (e) => {
      if (e && latest.current.when && !latest.current.when(e)) return;
      burst.hear(e);
    };
    listeners.add(listener);
    open();
    return () => {
      listeners.delete(listener);
      burst.stop();
      if (listeners.size === 0) close();
    };
  }, [ms]);
}
