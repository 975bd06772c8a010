import type { Context } from "hono";
import {
  decideRepoAccess,
  isSiteAdmin,
  JOB_ACTOR,
  type Permission,
  type Principal,
  type Role,
} from "../identity/index.js";
import type { Repo, Store } from "../store/index.js";
import { principalOf } from "./auth.js";
import { clientAddress } from "./auth-throttle.js";
import { HttpError } from "./http-error.js";
import { repoNameProblem } from "./validate.js";

/** The caller of an API route (bearerAuth ran before every one). */
export function callerOf(c: Context): Principal {
  const principal = principalOf(c);
  // Only a route mounted outside bearerAuth could get here: a wiring mistake, not the client's.
  if (!principal)
    throw new Error(`${c.req.method} ${c.req.path}: no caller (the route is not behind bearerAuth)`);
  return principal;
}

/** The repository the path's {owner}/{repo} name: 404 (with the reason) for a name no repository can have. */
export async function repoOf(ctx: { store: Store }, c: Context): Promise<Repo> {
  const owner = c.req.param("owner") ?? "";
  const name = c.req.param("repo") ?? "";
  const problem = repoNameProblem(owner, "owner") ?? repoNameProblem(name, "name");
  if (problem) throw new HttpError(404, `Not Found: ${problem}`);
  const repo = await ctx.store.getRepo(owner, name);
  if (!repo) throw new HttpError(404, "Not Found: no such repository on this server");
  return repo;
}

/**
 * The path's repository when the caller has `role` on it (a job's token: `permission` at the level
 * the role stands for). One who may not read it gets 404 as for a repository that does not exist,
 * as GitHub answers, so its existence does not leak; one who reads it but lacks the role, 403.
 */
export async function repoAccess(
  ctx: { store: Store },
  c: Context,
  role: Role,
  permission?: Permission,
): Promise<Repo> {
  const repo = await repoOf(ctx, c);
  const decision = await decideRepoAccess(ctx.store, callerOf(c), repo, { role, permission });
  if (decision.decision === "hidden")
    throw new HttpError(404, "Not Found: no such repository on this server");
  if (decision.decision === "forbidden") throw new HttpError(403, `Must have ${role} rights to Repository.`);
  return repo;
}

/** 403 unless the caller is a site admin whose token has the site_admin scope. */
export function requireSiteAdmin(c: Context): void {
  if (!isSiteAdmin(callerOf(c)))
    throw new HttpError(403, "Must be a site admin (with a token that has the site_admin scope).");
}

/** Who made a change, as the audit trail records it. */
export interface Actor {
  actor: string;
  actorId: number | null;
  tokenId: number;
  address: string;
}

export function actorOf(c: Context): Actor {
  const principal = callerOf(c);
  return principal.kind === "user"
    ? {
        actor: principal.user.login,
        actorId: principal.user.id,
        tokenId: principal.token.id,
        address: clientAddress(c),
      }
    : { actor: JOB_ACTOR, actorId: null, tokenId: principal.token.id, address: clientAddress(c) };
}
