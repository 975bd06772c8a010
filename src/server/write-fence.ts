import type { Store } from "../store/index.js";

/** Thrown by a fenced store: this server was judged dead and its runs went to another. */
export class FencedError extends Error {
  constructor(reason: string) {
    super(`this server writes nothing now: ${reason}`);
    this.name = "FencedError";
  }
}

/**
 * Keeps a server that several share the database with from acting on runs it may have lost. The
 * leader judges a server dead when its heartbeat has not moved for `deadAfterMs` of the leader's
 * clock, counted from when the leader saw it move, which is after the server sent it. So while
 * the server's last heartbeat that landed was sent less than `deadAfterMs` minus a margin ago
 * (this server's clock), no leader can have taken its runs: the store is open. Past that (the
 * process was paused, the database out of reach) every call waits for the next heartbeat, and
 * one that finds the server's row gone (it was judged dead) closes the store for good: the server
 * stops (server-presence.ts).
 */
export class WriteFence {
  private active = false;
  private lastBeatSentAt = 0;
  private closedFor: string | undefined;
  /** Sends a heartbeat now (or joins the one under way): false when it failed. */
  private refresh: () => Promise<boolean> = async () => true;

  constructor(private readonly freshForMs: number) {}

  /** From the first heartbeat on (before it, the server drives no run of the shared database). */
  start(refresh: () => Promise<boolean>, sentAt: number): void {
    this.refresh = refresh;
    this.lastBeatSentAt = sentAt;
    this.active = true;
  }

  /** A heartbeat sent at `sentAt` (this server's clock) landed on the server's row. */
  beat(sentAt: number): void {
    this.lastBeatSentAt = Math.max(this.lastBeatSentAt, sentAt);
  }

  /** The server was judged dead: nothing goes to the store any more. */
  close(reason: string): void {
    this.closedFor = reason;
  }

  private fresh(): boolean {
    return Date.now() - this.lastBeatSentAt < this.freshForMs;
  }

  /** Whether the store may be used now, without waiting for a heartbeat. */
  open(): boolean {
    return !this.active || (this.closedFor === undefined && this.fresh());
  }

  /** Resolves when the store may be used now; throws FencedError when it may not. */
  async check(): Promise<void> {
    if (this.open()) return;
    // A slow heartbeat (a loaded machine) lands late: the next one is sent at once. One that
    // fails (the database out of reach) fails the call, as the call itself would.
    for (let tries = 0; this.closedFor === undefined && !this.fresh(); tries += 1) {
      if (!(await this.refresh()) || tries >= 10) {
        throw new FencedError("its heartbeat does not reach the database");
      }
    }
    if (this.closedFor !== undefined) throw new FencedError(this.closedFor);
  }
}

/** The store behind the fence: each call waits for WriteFence.check() first. */
export function fencedStore(store: Store, fence: WriteFence): Store {
  // One wrapper per method, made on first use: the store is on every request's path.
  const wrapped = new Map<PropertyKey, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || prop === "close") return value;
      let call = wrapped.get(prop);
      if (!call) {
        call = (...args: unknown[]) =>
          // While the heartbeat is fresh (nearly always) the call goes straight through.
          fence.open()
            ? Reflect.apply(value, target, args)
            : fence.check().then(() => Reflect.apply(value, target, args));
        wrapped.set(prop, call);
      }
      return call;
    },
  });
}
