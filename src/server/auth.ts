import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import type { Store, Token } from "../store/index.js";
import { type AuthThrottle, clientAddress, throttled } from "./auth-throttle.js";

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * The admin token: GANTRY_ADMIN_TOKEN when set (its hash replaces the stored one), else the one
 * stored; at first start one is generated and returned, the only time it is ever shown.
 */
export async function ensureAdminToken(
  store: Store,
  fromEnv: string | undefined,
): Promise<string | undefined> {
  const admin = (await store.listTokens()).filter((t) => t.name === "admin");
  if (fromEnv) {
    const hash = hashToken(fromEnv);
    if (admin.length === 1 && admin[0].hash === hash) return undefined;
    await store.removeTokens("admin");
    await store.addToken("admin", hash);
    return undefined;
  }
  if (admin.length > 0) return undefined;
  const token = `gantry_${randomBytes(24).toString("hex")}`;
  await store.addToken("admin", hashToken(token));
  return token;
}

/**
 * The streams a browser's EventSource reads (it cannot send headers): there, and only there, the
 * token may come as the `access_token` query parameter. The server never logs query strings.
 */
function isEventStream(path: string, follow: string | undefined): boolean {
  if (/\/api\/v1\/events$/.test(path)) return true;
  return /\/actions\/jobs\/\d+\/logs$/.test(path) && (follow === "1" || follow === "true");
}

/** The token each authenticated API request came with. */
const tokens = new WeakMap<Request, Token>();

/** The token the request was authenticated with (after bearerAuth). */
export function tokenOf(c: Context): Token | undefined {
  return tokens.get(c.req.raw);
}

/**
 * Bearer-token auth: 401 with GitHub's message shape when the token is missing or unknown, before
 * the body is read. With a throttle, each failure counts against the client's address, and an
 * address over its limit gets 429 (Retry-After) without its token being looked at.
 */
export function bearerAuth(store: Store, throttle?: AuthThrottle): MiddlewareHandler {
  return async (c, next) => {
    const address = clientAddress(c);
    const wait = throttle?.blockedFor(address);
    if (wait !== undefined) return throttled(c, wait);
    const header = c.req.header("authorization") ?? "";
    const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(header);
    const query = isEventStream(c.req.path, c.req.query("follow")) ? c.req.query("access_token") : undefined;
    const token = m?.[1] ?? (query || undefined);
    const found = token ? await store.findToken(hashToken(token)) : undefined;
    // The lookup is by hash; compare again in constant time so timing says nothing of near misses.
    if (!token || !found || !timingSafeEqual(Buffer.from(found.hash), Buffer.from(hashToken(token)))) {
      throttle?.fail(address);
      return c.json({ message: "Bad credentials: send Authorization: Bearer <token>" }, 401);
    }
    tokens.set(c.req.raw, found);
    await next();
  };
}
