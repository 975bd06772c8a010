import type { Repo, Store } from "../store/index.js";
import { levelAtLeast, type Permission } from "./job-permissions.js";
import type { Principal } from "./principal.js";
import { minRole, parseRole, type Role, roleAtLeast } from "./roles.js";

/** What a route needs on a repository: a person's role, and the GITHUB_TOKEN permission that stands for it. */
export interface RepoNeed {
  role: Role;
  /** The job token's permission the route needs (read for role read, write above); none: jobs may only read metadata. */
  permission?: Permission;
}

/**
 * What the principal may do on the repository: `hidden` when it may not even read it (the caller
 * answers 404, so its existence does not leak), `forbidden` when it reads it but lacks the need
 * (403), else `allowed`.
 */
export type RepoDecision = { decision: "allowed" | "forbidden"; role: Role } | { decision: "hidden" };

/**
 * A person's role on a repository: a site admin is admin on every repository, else their role as a
 * collaborator. A token without the `repo` scope only reads.
 */
export async function roleOn(store: Store, principal: Principal, repo: Repo): Promise<Role | undefined> {
  if (principal.kind === "job") return principal.repoId === repo.id ? "read" : undefined;
  let role: Role | undefined;
  if (principal.user.siteAdmin) role = "admin";
  else {
    const place = await store.getCollaborator(repo.id, principal.user.id);
    role = place ? parseRole(place.permission) : undefined;
  }
  if (!role) return undefined;
  return principal.token.scopes.includes("repo") ? role : minRole(role, "read");
}

export async function decideRepoAccess(
  store: Store,
  principal: Principal,
  repo: Repo,
  need: RepoNeed,
): Promise<RepoDecision> {
  if (principal.kind === "job") {
    if (principal.repoId !== repo.id) return { decision: "hidden" };
    // A GITHUB_TOKEN never administers a repository, and it writes only where its permission does.
    const level = need.role === "read" ? "read" : "write";
    const allowed =
      !roleAtLeast(need.role, "maintain") &&
      (need.permission ? levelAtLeast(principal.permissions[need.permission], level) : level === "read");
    return { decision: allowed ? "allowed" : "forbidden", role: "read" };
  }
  const role = await roleOn(store, principal, repo);
  if (!role) return { decision: "hidden" };
  return { decision: roleAtLeast(role, need.role) ? "allowed" : "forbidden", role };
}

/**
 * The ids of the repositories the principal may read, for lists and streams across repositories;
 * undefined when it may read every one (a site admin).
 */
export async function readableRepoIds(store: Store, principal: Principal): Promise<Set<number> | undefined> {
  if (principal.kind === "job") return new Set([principal.repoId]);
  if (principal.user.siteAdmin) return undefined;
  return new Set((await store.listCollaborators({ userId: principal.user.id })).map((c) => c.repoId));
}
