import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Store } from "../store/index.js";

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

/** Bearer-token auth: 401 with GitHub's message shape when the token is missing or unknown. */
export function bearerAuth(store: Store): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(header);
    const query = isEventStream(c.req.path, c.req.query("follow")) ? c.req.query("access_token") : undefined;
    const token = m?.[1] ?? (query || undefined);
    const found = token ? await store.findToken(hashToken(token)) : undefined;
    // The lookup is by hash; compare again in constant time so timing says nothing of near misses.
    if (!token || !found || !timingSafeEqual(Buffer.from(found.hash), Buffer.from(hashToken(token)))) {
      return c.json({ message: "Bad credentials: send Authorization: Bearer <token>" }, 401);
    }
    await next();
  };
}
