import { type Context, Hono } from "hono";
import type { User, UserPatch } from "../../store/index.js";
import { requireSiteAdmin } from "../access.js";
import { zodProblems } from "../config.js";
import { baseUrl, bodyOf, HttpError, queryOf, type ServerContext } from "../context.js";
import { parseJsonText, readBody } from "../request-limits.js";
import { createUserBody, patchUserBody, suspendBody, usersQuery } from "../user-schemas.js";
import { userJson } from "../user-shapes.js";
import { personOf, refuseForBootstrap, refuseLastSiteAdmin, seesEmail, userParam } from "../users.js";

/**
 * Users as GitHub Enterprise Server manages them: site admins create, suspend, promote and delete
 * them (`/admin/users`, `/users/{login}/suspended`, `/users/{login}/site_admin`, and gantry's
 * `PATCH /users/{login}` doing the same in one call); any person may read users and themself
 * (`GET /user`). A job's token is refused here (403, as GitHub refuses an app's token).
 */
export function userRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const { store } = ctx;

  const answer = (c: Context, user: User) => userJson(baseUrl(c), user, seesEmail(personOf(c), user));

  /** Suspends or unsuspends, promotes or demotes, under the rules; nothing changes on a refusal. */
  async function change(
    c: Context,
    user: User,
    to: { suspended?: boolean; siteAdmin?: boolean; email?: string | null },
    reason?: string,
  ) {
    const patch: UserPatch = {};
    if (to.suspended !== undefined && to.suspended !== (user.suspendedAt !== null)) {
      if (to.suspended) {
        refuseForBootstrap(user, "suspend");
        await refuseLastSiteAdmin(store, user, "suspend");
      }
      patch.suspendedAt = to.suspended ? new Date().toISOString() : null;
    }
    if (to.siteAdmin !== undefined && to.siteAdmin !== user.siteAdmin) {
      if (!to.siteAdmin) {
        refuseForBootstrap(user, "demote");
        await refuseLastSiteAdmin(store, user, "demote");
      }
      patch.siteAdmin = to.siteAdmin;
    }
    if (to.email !== undefined && to.email !== user.email) patch.email = to.email;
    if (Object.keys(patch).length === 0) return user;
    await store.updateUser(user.id, patch);
    // GitHub's audit actions, one for each change made.
    const who = { user: user.login, user_id: user.id };
    if (patch.suspendedAt !== undefined)
      await ctx.audit.record(c, patch.suspendedAt === null ? "user.unsuspend" : "user.suspend", {
        details: { ...who, ...(patch.suspendedAt !== null && reason ? { reason } : {}) },
      });
    if (patch.siteAdmin !== undefined)
      await ctx.audit.record(c, patch.siteAdmin ? "user.promote" : "user.demote", { details: who });
    if (patch.email !== undefined)
      await ctx.audit.record(c, patch.email === null ? "user.remove_email" : "user.add_email", {
        details: { ...who, email: patch.email ?? user.email },
      });
    return (await store.getUserById(user.id)) ?? user;
  }

  // GHES's "Create a user": 201 with the user.
  app.post("/admin/users", async (c) => {
    requireSiteAdmin(c);
    const body = await bodyOf(c, createUserBody);
    const taken = (existing: User) =>
      new HttpError(422, "Validation Failed", [
        `login: already_exists: the user '${existing.login}' exists (logins are compared without regard to case)`,
      ]);
    const existing = await store.getUser(body.login);
    if (existing) throw taken(existing);
    let user: User;
    try {
      user = await store.addUser({ login: body.login, email: body.email ?? null });
    } catch (err) {
      // Another request made the same login meanwhile: the unique key refused this one.
      const raced = await store.getUser(body.login);
      if (raced) throw taken(raced);
      throw err;
    }
    await ctx.audit.record(c, "user.create", {
      details: { user: user.login, user_id: user.id, ...(user.email ? { email: user.email } : {}) },
    });
    if (body.suspended) user = await change(c, user, { suspended: true });
    return c.json(answer(c, user), 201);
  });

  // GitHub's "List users": in the order they were made, paged by `since` (the last id seen), with
  // a Link header to the next page.
  app.get("/users", async (c) => {
    const principal = personOf(c);
    const { since, per_page } = queryOf(c, usersQuery);
    const page = await store.listUsers(since, per_page + 1);
    const users = page.slice(0, per_page);
    const base = baseUrl(c);
    if (page.length > per_page) {
      const next = `${base}/api/v1/users?per_page=${per_page}&since=${users[users.length - 1].id}`;
      c.header("link", `<${next}>; rel="next"`);
    }
    return c.json(users.map((u) => userJson(base, u, seesEmail(principal, u))));
  });

  app.get("/users/:login", async (c) => {
    personOf(c);
    return c.json(answer(c, await userParam(store, c)));
  });

  // gantry's own: suspend, promote or change the email in one call, under the same rules.
  app.patch("/users/:login", async (c) => {
    requireSiteAdmin(c);
    const user = await userParam(store, c);
    const body = await bodyOf(c, patchUserBody);
    const updated = await change(c, user, {
      suspended: body.suspended,
      siteAdmin: body.site_admin,
      email: body.email,
    });
    return c.json(answer(c, updated));
  });

  // GHES's suspend and unsuspend: 204.
  app.put("/users/:login/suspended", async (c) => {
    requireSiteAdmin(c);
    const user = await userParam(store, c);
    // GHES's body is optional: none, or {reason}.
    const text = (await readBody(c)).toString("utf8");
    let reason: string | undefined;
    if (text.trim() !== "") {
      const parsed = suspendBody.safeParse(parseJsonText(text));
      if (!parsed.success) throw new HttpError(422, "Validation Failed", zodProblems(parsed.error));
      reason = parsed.data.reason;
    }
    await change(c, user, { suspended: true }, reason);
    return c.body(null, 204);
  });
  app.delete("/users/:login/suspended", async (c) => {
    requireSiteAdmin(c);
    await change(c, await userParam(store, c), { suspended: false });
    return c.body(null, 204);
  });

  // GHES's promote and demote: 204.
  app.put("/users/:login/site_admin", async (c) => {
    requireSiteAdmin(c);
    await change(c, await userParam(store, c), { siteAdmin: true });
    return c.body(null, 204);
  });
  app.delete("/users/:login/site_admin", async (c) => {
    requireSiteAdmin(c);
    await change(c, await userParam(store, c), { siteAdmin: false });
    return c.body(null, 204);
  });

  // GHES's "Delete a user": the user, their tokens (refused at once) and their places on repositories.
  app.delete("/admin/users/:login", async (c) => {
    requireSiteAdmin(c);
    const user = await userParam(store, c);
    refuseForBootstrap(user, "delete");
    await refuseLastSiteAdmin(store, user, "delete");
    await store.removeUser(user.id);
    await ctx.audit.record(c, "user.destroy", { details: { user: user.login, user_id: user.id } });
    return c.body(null, 204);
  });

  // GitHub's "Get the authenticated user", with GitHub's X-OAuth-Scopes header (the token's scopes).
  app.get("/user", async (c) => {
    const principal = personOf(c);
    c.header("x-oauth-scopes", principal.token.scopes.join(", "));
    return c.json(userJson(baseUrl(c), principal.user, true));
  });

  return app;
}
