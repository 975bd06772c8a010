import type { Context } from "hono";
import { readableRepoIds, resolvePrincipal } from "../identity/index.js";
import type { Store } from "../store/index.js";
import { callerOf } from "./access.js";
import { bearerToken } from "./auth.js";

/** How often an open stream asks again whether its caller may still read what it sends (ms). */
export const STREAM_RECHECK_MS = 1000;

/** The repositories a caller reads (undefined: every one), or null: it may read nothing any more. */
export type Readable = Set<number> | undefined | null;

/**
 * What the caller of a long-lived stream (SSE) may read, asked again at most once every
 * `recheckMs` while the stream runs: a token revoked or expired, or a user suspended or removed,
 * since the stream opened ends it (null), as the next request would get 401; a role given or taken
 * changes what it is sent.
 */
export class StreamAccess {
  private checkedAt = Date.now();

  private constructor(
    private readonly store: Store,
    private readonly token: string | undefined,
    private readable: Readable,
    private readonly recheckMs: number,
  ) {}

  /** The caller's access as the stream opens (bearerAuth has let the request in). */
  static async open(store: Store, c: Context, recheckMs = STREAM_RECHECK_MS): Promise<StreamAccess> {
    // The token the request came with: the header's, or the query's on the event streams (auth.ts).
    const token = bearerToken(c) ?? c.req.query("access_token");
    return new StreamAccess(store, token, await readableRepoIds(store, callerOf(c)), recheckMs);
  }

  /** What the caller reads now; asked of the store again once `recheckMs` has passed since the last time. */
  async current(): Promise<Readable> {
    if (this.readable === null || Date.now() - this.checkedAt < this.recheckMs) return this.readable;
    this.checkedAt = Date.now();
    const principal = this.token ? await resolvePrincipal(this.store, this.token) : undefined;
    this.readable = principal ? await readableRepoIds(this.store, principal) : null;
    return this.readable;
  }

  /** Whether the caller may read the repository now. */
  async reads(repoId: number): Promise<boolean> {
    const readable = await this.current();
    return readable !== null && (readable === undefined || readable.has(repoId));
  }
}
