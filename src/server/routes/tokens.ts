import { type Context, Hono } from "hono";
import { DEFAULT_SCOPES, issuePersonalToken, scopesProblem } from "../../identity/index.js";
import type { Token, User } from "../../store/index.js";
import { requireSiteAdmin } from "../access.js";
import { BOOTSTRAP_LOGIN } from "../auth.js";
import { baseUrl, bodyOf, HttpError, idParam, type ServerContext } from "../context.js";
import { createTokenBody } from "../user-schemas.js";
import { tokenJson } from "../user-shapes.js";
import { personOf, requireScope, type UserPrincipal, userParam } from "../users.js";

/** What the audit trail records of a token: whose it is, its id and note. */
function tokenDetails(owner: User, token: Token) {
  return { user: owner.login, user_id: owner.id, token_id: token.id, note: token.name };
}

/**
 * Personal access tokens: a site admin makes, lists and revokes anyone's (GHES's
 * `/admin/users/{login}/authorizations`); a person their own (`/user/tokens`, with the `user`
 * scope, and never with a scope the calling token lacks). The token's value is in the answer that
 * makes it and nowhere else: the store keeps its hash. Revoked tokens are refused from that moment
 * and no longer listed; expired ones are listed (with expires_at) and refused.
 */
export function tokenRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const { store } = ctx;

  const ownUrl = (t: Token) => `/user/tokens/${t.id}`;
  const adminUrl = (owner: User) => (t: Token) =>
    `/admin/users/${encodeURIComponent(owner.login)}/authorizations/${t.id}`;

  /** The user's tokens not revoked, oldest first. */
  const live = async (user: User) => (await store.listTokens(user.id)).filter((t) => t.revokedAt === null);

  /** Makes the token after checking its request; 201 with its value, the one time it is shown. */
  async function create(c: Context, owner: User, url: (t: Token) => string, caller?: UserPrincipal) {
    const body = await bodyOf(c, createTokenBody);
    const scopes = [...new Set(body.scopes ?? DEFAULT_SCOPES)];
    const problem = scopesProblem(scopes, owner.siteAdmin);
    if (problem) throw new HttpError(422, "Validation Failed", [`scopes: ${problem}`]);
    if (caller) {
      const lacking = scopes.filter((s) => !caller.token.scopes.includes(s));
      if (lacking.length > 0)
        throw new HttpError(
          403,
          `A token cannot make a token with more scopes than it has: this one lacks ${lacking.join(", ")}`,
        );
    }
    const expiresAt = body.expires_at ?? null;
    if (expiresAt !== null && Date.parse(expiresAt) <= Date.now())
      throw new HttpError(422, "Validation Failed", [
        `expires_at: ${expiresAt} is in the past: a token's expiry must be in the future`,
      ]);
    if (owner.suspendedAt !== null)
      throw new HttpError(422, "Validation Failed", [
        `login: '${owner.login}' is suspended: their tokens are refused; unsuspend them first`,
      ]);
    if (owner.login.toLowerCase() === BOOTSTRAP_LOGIN && body.note === BOOTSTRAP_LOGIN)
      throw new HttpError(422, "Validation Failed", [
        `note: '${BOOTSTRAP_LOGIN}' names the bootstrap token (GANTRY_ADMIN_TOKEN), which the server replaces at start: choose another note`,
      ]);
    if ((await live(owner)).some((t) => t.name === body.note))
      throw new HttpError(422, "Validation Failed", [
        `note: already_exists: ${owner.login} has a token with the note '${body.note}' (notes tell a user's tokens apart)`,
      ]);
    const { token, value } = await issuePersonalToken(store, owner, { note: body.note, scopes, expiresAt });
    // GitHub's action for a classic token made; the token's id, never its value.
    await ctx.audit.record(c, "oauth_access.create", {
      details: { ...tokenDetails(owner, token), scopes: token.scopes, expires_at: token.expiresAt },
    });
    return c.json(tokenJson(baseUrl(c), token, owner, url(token), value), 201);
  }

  async function list(c: Context, owner: User, url: (t: Token) => string) {
    const base = baseUrl(c);
    return c.json((await live(owner)).map((t) => tokenJson(base, t, owner, url(t))));
  }

  /** Revokes one of the user's tokens: 204; 404 for one that is not theirs or is revoked already. */
  async function revoke(c: Context, owner: User) {
    const id = idParam(c, "token_id");
    const token = await store.getToken(id);
    if (!token || token.kind !== "personal" || token.userId !== owner.id || token.revokedAt !== null)
      throw new HttpError(404, `Not Found: ${owner.login} has no token ${id}`);
    await store.revokeToken(token.id, new Date().toISOString());
    await ctx.audit.record(c, "oauth_access.destroy", { details: tokenDetails(owner, token) });
    return c.body(null, 204);
  }

  app.post("/user/tokens", async (c) => {
    const caller = personOf(c);
    requireScope(caller, "user");
    return create(c, caller.user, ownUrl, caller);
  });
  app.get("/user/tokens", async (c) => {
    const caller = personOf(c);
    requireScope(caller, "user");
    return list(c, caller.user, ownUrl);
  });
  app.delete("/user/tokens/:token_id", async (c) => {
    const caller = personOf(c);
    requireScope(caller, "user");
    return revoke(c, caller.user);
  });

  app.post("/admin/users/:login/authorizations", async (c) => {
    requireSiteAdmin(c);
    const owner = await userParam(store, c);
    return create(c, owner, adminUrl(owner));
  });
  app.get("/admin/users/:login/authorizations", async (c) => {
    requireSiteAdmin(c);
    const owner = await userParam(store, c);
    return list(c, owner, adminUrl(owner));
  });
  app.delete("/admin/users/:login/authorizations/:token_id", async (c) => {
    requireSiteAdmin(c);
    return revoke(c, await userParam(store, c));
  });

  return app;
}
