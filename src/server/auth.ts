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

/** Bearer-token auth: 401 with GitHub's message shape when the token is missing or unknown. */
export function bearerAuth(store: Store): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(header);
    const found = m ? await store.findToken(hashToken(m[1])) : undefined;
    // The lookup is by hash; compare again in constant time so timing says nothing of near misses.
    if (!m || !found || !timingSafeEqual(Buffer.from(found.hash), Buffer.from(hashToken(m[1])))) {
      return c.json({ message: "Bad credentials: send Authorization: Bearer <token>" }, 401);
    }
    await next();
  };
}
