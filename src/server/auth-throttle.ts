// Failed authentications per client address: after `limit` failures within a minute the address
// gets 429 (with Retry-After) for every request that needs credentials, right or wrong, until the
// minute that began with its first failure is over. Successful requests neither count nor reset.
// The table is bounded: expired entries go first, then the oldest.
import type { Context } from "hono";

export interface AuthThrottleOptions {
  /** Failures allowed per window; the next one (and every request after it) gets 429. */
  limit: number;
  /** The window, in milliseconds (a minute). */
  windowMs?: number;
  /** Addresses remembered at most. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  /** When the address's first failure of this window was. */
  since: number;
  failures: number;
}

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly opts: AuthThrottleOptions) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Addresses remembered now (tests). */
  get size(): number {
    return this.entries.size;
  }

  private live(address: string): Entry | undefined {
    const entry = this.entries.get(address);
    if (entry && this.now() - entry.since >= this.windowMs) {
      this.entries.delete(address);
      return undefined;
    }
    return entry;
  }

  /** Seconds until the address may try again; undefined when it may now. */
  blockedFor(address: string): number | undefined {
    const entry = this.live(address);
    if (!entry || entry.failures < this.opts.limit) return undefined;
    return Math.max(1, Math.ceil((entry.since + this.windowMs - this.now()) / 1000));
  }

  /** Counts one failed authentication of the address. */
  fail(address: string): void {
    const entry = this.live(address);
    if (entry) {
      entry.failures++;
      return;
    }
    if (this.entries.size >= this.maxEntries) this.evict();
    this.entries.set(address, { since: this.now(), failures: 1 });
  }

  /** Drops the expired entries; when none were, the oldest (Map order is insertion order). */
  private evict(): void {
    const now = this.now();
    for (const [address, entry] of this.entries) {
      if (now - entry.since >= this.windowMs) this.entries.delete(address);
    }
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

/**
 * The client's address as the socket saw it (the Node adapter puts the IncomingMessage in
 * `c.env.incoming`). Forwarded headers are not trusted: any client can write them.
 */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}

/** The 429 answer, GitHub's shape, with Retry-After in seconds. */
export function throttled(c: Context, seconds: number): Response {
  c.header("retry-after", String(seconds));
  return c.json(
    {
      message: `Too many failed authentications from this address: try again in ${seconds} s`,
    },
    429,
  );
}
