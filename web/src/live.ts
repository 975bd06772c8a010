// The server's live stream (GET /api/v1/events?logs=0): one EventSource for the whole page,
// shared by every component that listens; it reconnects by itself when the server comes back.
// What happened before the stream was (re)connected is not sent: each time it connects, every
// listener is told that anything may have changed, so a page that loaded while the stream was
// connecting, or while the server was away, loads again instead of showing what no longer is.
import { useEffect, useRef } from "react";
import { streamUrl } from "./api.js";

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
 * Calls `fn` for the live events `when` takes (all, without it), at most once per `ms` for a
 * burst (the last event of the burst is passed): pages refetch what changed instead of replaying
 * every event. `fn(undefined)` when the stream (re)connects, whatever `when` says: the events
 * before it were missed, so what `fn` reloads must be loaded again.
 */
export function useLive(fn: Listener, when?: (e: LiveEvent) => boolean, ms = 250): void {
  const latest = useRef({ fn, when });
  latest.current = { fn, when };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // What the burst passes: its last event, or undefined once the stream reconnected in it.
    let pending: { e: LiveEvent | undefined } | undefined;
    let resync = false;
    const listener: Listener = (e) => {
      if (e && latest.current.when && !latest.current.when(e)) return;
      resync ||= e === undefined;
      pending = { e: resync ? undefined : e };
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        const passed = pending;
        pending = undefined;
        resync = false;
        if (passed) latest.current.fn(passed.e);
      }, ms);
    };
    listeners.add(listener);
    open();
    return () => {
      listeners.delete(listener);
      if (timer) clearTimeout(timer);
      if (listeners.size === 0) close();
    };
  }, [ms]);
}
