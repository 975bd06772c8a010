// What the user and token routes share: who calls (a person, not a job), the path's user, and the
// rules that keep the server administrable (the bootstrap user, the last site admin).
import type { Context } from "hono";
import { isSiteAdmin, type Principal } from "../identity/index.js";
import type { Store, User } from "../store/index.js";
import { callerOf } from "./access.js";
import { BOOTSTRAP_LOGIN } from "./auth.js";
import { HttpError } from "./context.js";
import { loginProblem } from "./user-schemas.js";

export type UserPrincipal = Extract<Principal, { kind: "user" }>;

/**
 * The caller, a person: a job's GITHUB_TOKEN gets GitHub's answer for an app's token on the user
 * routes (403 "Resource not accessible by integration").
 */
export function personOf(c: Context): UserPrincipal {
  const principal = callerOf(c);
  if (principal.kind !== "user")
    throw new HttpError(403, "Resource not accessible by integration: a job's token does not act for a user");
  return principal;
}

/** 403 unless the caller's token has the scope (GitHub's classic scopes). */
export function requireScope(principal: UserPrincipal, scope: string): void {
  if (!principal.token.scopes.includes(scope))
    throw new HttpError(
      403,
      `This token needs the ${scope} scope (it has: ${principal.token.scopes.join(", ") || "none"}).`,
    );
}

/** The path's {login}: 404 for a login no user can have, or that no user has. */
export async function userParam(store: Store, c: Context): Promise<User> {
  const login = c.req.param("login") ?? "";
  const problem = loginProblem(login);
  if (problem) throw new HttpError(404, `Not Found: ${problem}`);
  const user = await store.getUser(login);
  if (!user) throw new HttpError(404, `Not Found: no user '${login}' on this server`);
  return user;
}

/** Whether the caller may see the user's email: site admins, and the user themself. */
export function seesEmail(principal: Principal, user: User): boolean {
  return isSiteAdmin(principal) || (principal.kind === "user" && principal.user.id === user.id);
}

/** 422 when the change is made to the bootstrap user `admin`, whose token is the server's way back in. */
export function refuseForBootstrap(user: User, change: "delete" | "suspend" | "demote"): void {
  if (user.login.toLowerCase() === BOOTSTRAP_LOGIN)
    throw new HttpError(422, "Validation Failed", [
      `login: the bootstrap site admin '${BOOTSTRAP_LOGIN}' cannot be ${
        change === "delete" ? "deleted" : change === "suspend" ? "suspended" : "demoted"
      } (its token, GANTRY_ADMIN_TOKEN, is the way back into the server)`,
    ]);
}

/**
 * 422 when taking `user` away as a site admin (deleting, suspending or demoting them) would leave the
 * server with no site admin who can act (one not suspended).
 */
export async function refuseLastSiteAdmin(
  store: Store,
  user: User,
  change: "delete" | "suspend" | "demote",
): Promise<void> {
  if (!user.siteAdmin || user.suspendedAt !== null) return;
  for (let since = 0; ; ) {
    const page = await store.listUsers(since, 100);
    if (page.some((u) => u.id !== user.id && u.siteAdmin && u.suspendedAt === null)) return;
    if (page.length < 100) break;
    since = page[page.length - 1].id;
  }
  throw new HttpError(422, "Validation Failed", [
    `login: '${user.login}' is the last site admin who is not suspended: ${change === "delete" ? "deleting" : change === "suspend" ? "suspending" : "demoting"} them would leave no one to administer the server`,
  ]);
}
