import type { Context, MiddlewareHandler } from "hono";
import {
  hashToken,
  lastEight,
  newTokenValue,
  PERSONAL_PREFIX,
  type Principal,
  resolvePrincipal,
} from "../identity/index.js";
import type { Store, User } from "../store/index.js";
import { type AuthThrottle, clientAddress, throttled } from "./auth-throttle.js";

/** The site admin who owns the bootstrap token, and the bootstrap token's note. */
export const BOOTSTRAP_LOGIN = "admin";
const BOOTSTRAP_NOTE = "admin";

/** The site admin `admin`, made at first start. */
async function bootstrapUser(store: Store): Promise<User> {
  const user = await store.getUser(BOOTSTRAP_LOGIN);
  if (user) {
    // Whatever became of it, the bootstrap credential's owner stays a site admin and is never suspended.
    if (!user.siteAdmin || user.suspendedAt !== null)
      await store.updateUser(user.id, { siteAdmin: true, suspendedAt: null });
    return { ...user, siteAdmin: true, suspendedAt: null };
  }
  return store.addUser({ login: BOOTSTRAP_LOGIN, siteAdmin: true });
}

/** What ensureAdminToken did: kept the stored token, made one (its value, shown once) or set the environment's. */
export type AdminTokenChange =
  | { change: "kept" }
  | { change: "generated"; token: string }
  | { change: "replaced" };

/**
 * The admin token, the site admin's bootstrap credential: GANTRY_ADMIN_TOKEN when set (its hash
 * replaces the stored one), else the one stored; at first start one is generated and returned, the
 * only time it is ever shown.
 */
export async function ensureAdminToken(store: Store, fromEnv: string | undefined): Promise<AdminTokenChange> {
  const admin = await bootstrapUser(store);
  const existing = (await store.listTokens(admin.id)).filter(
    (t) => t.name === BOOTSTRAP_NOTE && t.revokedAt === null,
  );
  const add = (value: string) =>
    store.addToken({
      kind: "personal",
      userId: admin.id,
      name: BOOTSTRAP_NOTE,
      hash: hashToken(value),
      lastEight: lastEight(value),
      scopes: ["repo", "user", "site_admin"],
      expiresAt: null,
      repoId: null,
      runId: null,
      permissions: null,
    });
  if (fromEnv) {
    if (existing.length === 1 && existing[0].hash === hashToken(fromEnv)) return { change: "kept" };
    await store.removeTokens(admin.id, BOOTSTRAP_NOTE);
    await add(fromEnv);
    return { change: "replaced" };
  }
  if (existing.length > 0) return { change: "kept" };
  const token = newTokenValue(PERSONAL_PREFIX);
  await add(token);
  return { change: "generated", token };
}

/**
 * The streams a browser's EventSource reads (it cannot send headers): there, and only there, the
 * token may come as the `access_token` query parameter. The server never logs query strings.
 */
function isEventStream(path: string, follow: string | undefined): boolean {
  if (/\/api\/v1\/events$/.test(path)) return true;
  return /\/actions\/jobs\/\d+\/logs$/.test(path) && (follow === "1" || follow === "true");
}

/** Who each authenticated API request came from. */
const principals = new WeakMap<Request, Principal>();

/** The caller of an authenticated request (after bearerAuth); undefined before it. */
export function principalOf(c: Context): Principal | undefined {
  return principals.get(c.req.raw);
}

/** The token in the request's Authorization header (`Bearer T` or GitHub's `token T`). */
export function bearerToken(c: Context): string | undefined {
  return /^(?:Bearer|token)\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
}

/**
 * Bearer-token auth: 401 with GitHub's message shape when the token is missing, unknown, revoked or
 * expired, or its user suspended (one answer for all, no hint), before the body is read. With a
 * throttle, each failure counts against the client's address, and an address over its limit gets 429
 * (Retry-After) without its token being looked at.
 */
export function bearerAuth(store: Store, throttle?: AuthThrottle): MiddlewareHandler {
  return async (c, next) => {
    const address = clientAddress(c);
    const wait = throttle?.blockedFor(address);
    if (wait !== undefined) return throttled(c, wait);
    const query = isEventStream(c.req.path, c.req.query("follow")) ? c.req.query("access_token") : undefined;
    const token = bearerToken(c) ?? (query || undefined);
    const principal = token ? await resolvePrincipal(store, token) : undefined;
    if (!principal) {
      throttle?.fail(address);
      return c.json({ message: "Bad credentials: send Authorization: Bearer <token>" }, 401);
    }
    principals.set(c.req.raw, principal);
    await next();
  };
}
