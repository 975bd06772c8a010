import { type Context, Hono } from "hono";
import { legacyPermission, parseRole, type Role, rolePermissions } from "../../identity/index.js";
import type { Repo, User } from "../../store/index.js";
import { callerOf, repoAccess } from "../access.js";
import { collaboratorsQuery, putCollaboratorBody } from "../collaborator-schemas.js";
import { baseUrl, bodyOf, HttpError, queryOf, type ServerContext } from "../context.js";
import { repoJson } from "../github-shapes.js";
import { pageOf, setLinkHeader } from "../paging.js";
import { userJson as fullUserJson } from "../user-shapes.js";

/** GitHub's simple user object (the user's answer without its name, email and dates). */
function userJson(user: User, base: string) {
  const { login, id, node_id, avatar_url, gravatar_id, url, html_url, type, site_admin } = fullUserJson(
    base,
    user,
    false,
  );
  return { login, id, node_id, avatar_url, gravatar_id, url, html_url, type, site_admin };
}

/** GitHub's collaborator object: the user with its role's `permissions` flags and `role_name`. */
function collaboratorJson(user: User, role: Role, base: string) {
  return { ...userJson(user, base), permissions: rolePermissions(role), role_name: role };
}

/**
 * GitHub's repository collaborators: who has which role on the repository. Admins (and site admins)
 * add, change and remove them (and anyone may remove themselves); those who write to the repository
 * list them and check one; everyone who reads it may ask for their own permission.
 */
export function collaboratorRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const { store } = ctx;
  const path = "/repos/:owner/:repo/collaborators";

  /** The path's user: 404 with the reason when there is none of that login. */
  async function userOf(c: Context): Promise<User> {
    const login = c.req.param("login") ?? "";
    const user = await store.getUser(login);
    if (!user) throw new HttpError(404, `Not Found: no user '${login.slice(0, 100)}' on this server`);
    return user;
  }

  /** The caller when it is the path's user (a job's token never is). */
  function selfOf(c: Context): User | undefined {
    const caller = callerOf(c);
    const login = (c.req.param("login") ?? "").toLowerCase();
    return caller.kind === "user" && caller.user.login.toLowerCase() === login ? caller.user : undefined;
  }

  /** The user's role as a collaborator of the repository (a site admin's own is not one). */
  async function collaboratorRole(repo: Repo, user: User): Promise<Role | undefined> {
    const place = await store.getCollaborator(repo.id, user.id);
    return place ? parseRole(place.permission) : undefined;
  }

  app.get(path, async (c) => {
    const repo = await repoAccess(ctx, c, "write");
    const q = queryOf(c, collaboratorsQuery);
    const base = baseUrl(c);
    const rows = [];
    for (const place of await store.listCollaborators({ repoId: repo.id })) {
      const role = parseRole(place.permission);
      const user = role && (await store.getUserById(place.userId));
      if (!role || !user) continue;
      if (q.permission && !rolePermissions(role)[q.permission]) continue;
      rows.push(collaboratorJson(user, role, base));
    }
    rows.sort((a, b) => a.id - b.id);
    setLinkHeader(c, q.page, q.per_page, rows.length);
    return c.json(pageOf(rows, q.page, q.per_page));
  });

  // GitHub's "Check if a user is a repository collaborator": 204 yes, 404 no.
  app.get(`${path}/:login`, async (c) => {
    const repo = await repoAccess(ctx, c, "write");
    const user = await userOf(c);
    if (!(await collaboratorRole(repo, user)))
      throw new HttpError(
        404,
        `Not Found: ${user.login} is not a collaborator of ${repo.owner}/${repo.name}`,
      );
    return c.body(null, 204);
  });

  // GitHub's "Get repository permissions for a user": the legacy permission (admin, write, read,
  // none) and the role, as the user has it (a site admin: admin everywhere). One's own, for anyone
  // who reads the repository; another's, for those who write to it.
  app.get(`${path}/:login/permission`, async (c) => {
    const self = selfOf(c);
    const repo = await repoAccess(ctx, c, self ? "read" : "write");
    const user = self ?? (await userOf(c));
    // The user's role as their own (full-scoped) token would have it.
    const role = user.siteAdmin ? "admin" : await collaboratorRole(repo, user);
    const base = baseUrl(c);
    return c.json({
      permission: legacyPermission(role),
      role_name: role ?? "none",
      user: role ? collaboratorJson(user, role, base) : userJson(user, base),
    });
  });

  // GitHub's "Add a repository collaborator": 201 when the user is added (GitHub's invitation
  // object; here it takes effect at once), 204 when an existing collaborator's role is changed.
  app.put(`${path}/:login`, async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    const user = await userOf(c);
    const body = await bodyOf(c, putCollaboratorBody);
    const role = parseRole(body.permission) as Role;
    const before = await store.getCollaborator(repo.id, user.id);
    const place = await store.putCollaborator(repo.id, user.id, role);
    const member = { user: user.login, user_id: user.id, permission: role };
    if (before) {
      if (before.permission !== role)
        await ctx.audit.record(c, "repo.update_member", {
          repo,
          details: { ...member, old_permission: before.permission },
        });
      return c.body(null, 204);
    }
    await ctx.audit.record(c, "repo.add_member", { repo, details: member });
    const base = baseUrl(c);
    const caller = callerOf(c);
    return c.json(
      {
        id: user.id,
        node_id: `RI_${repo.id}_${user.id}`,
        repository: repoJson(repo),
        invitee: userJson(user, base),
        inviter: caller.kind === "user" ? userJson(caller.user, base) : null,
        permissions: role,
        created_at: place.createdAt,
        expired: false,
        url: `${base}/api/v1/repos/${repo.owner}/${repo.name}/collaborators/${encodeURIComponent(user.login)}`,
        html_url: `${base}/${repo.owner}/${repo.name}`,
      },
      201,
    );
  });

  // GitHub's "Remove a repository collaborator": an admin's, or the collaborator's own; 204.
  app.delete(`${path}/:login`, async (c) => {
    const self = selfOf(c);
    const repo = await repoAccess(ctx, c, self ? "read" : "admin");
    const user = self ?? (await userOf(c));
    const before = await store.getCollaborator(repo.id, user.id);
    if (!before) return c.body(null, 204);
    await store.removeCollaborator(repo.id, user.id);
    await ctx.audit.record(c, "repo.remove_member", {
      repo,
      details: { user: user.login, user_id: user.id, old_permission: before.permission },
    });
    return c.body(null, 204);
  });

  return app;
}
