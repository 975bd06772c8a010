import { timingSafeEqual } from "node:crypto";
import type { Store, Token, User } from "../store/index.js";
import type { IssuedJobTokens } from "./issued-job-tokens.js";
import type { JobPermissions } from "./job-permissions.js";
import { hashToken } from "./token-value.js";

/** Who a request comes from: a person through one of their tokens, or a running job's GITHUB_TOKEN. */
export type Principal =
  | { kind: "user"; user: User; token: Token }
  | { kind: "job"; token: Token; repoId: number; runId: number; permissions: JobPermissions };

/** The login a job's token acts as, GitHub's name for the GITHUB_TOKEN's actor. */
export const JOB_ACTOR = "github-actions[bot]";

/**
 * The principal a token stands for, or undefined (unknown, revoked, expired, or its user suspended
 * or gone): the caller answers 401 without saying which. The lookup is by hash; the hashes are
 * compared again in constant time so that timing says nothing of near misses. `issued`: the job
 * tokens this process holds, looked in before the store.
 */
export async function resolvePrincipal(
  store: Store,
  value: string,
  at: Date = new Date(),
  issued?: IssuedJobTokens,
): Promise<Principal | undefined> {
  const hash = hashToken(value);
  const token = issued ? await issued.find(store, hash) : await store.findToken(hash);
  if (!token || !timingSafeEqual(Buffer.from(token.hash), Buffer.from(hash))) return undefined;
  if (token.revokedAt !== null) return undefined;
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= at.getTime()) return undefined;
  if (token.kind === "job") {
    if (token.repoId === null || token.runId === null) return undefined;
    return {
      kind: "job",
      token,
      repoId: token.repoId,
      runId: token.runId,
      permissions: (token.permissions ?? {}) as JobPermissions,
    };
  }
  if (token.userId === null) return undefined;
  const user = await store.getUserById(token.userId);
  if (!user || user.suspendedAt !== null) return undefined;
  return { kind: "user", user, token };
}

/** Whether the principal is a site admin acting with the site_admin scope. */
export function isSiteAdmin(principal: Principal): boolean {
  return (
    principal.kind === "user" && principal.user.siteAdmin && principal.token.scopes.includes("site_admin")
  );
}
