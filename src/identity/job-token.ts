import type { Store, Token } from "../store/index.js";
import type { JobPermissions } from "./job-permissions.js";
import { hashToken, JOB_PREFIX, newTokenValue } from "./token-value.js";

/** GitHub's longest life of a GITHUB_TOKEN: its job's end, or 24 hours, whichever comes first. */
export const JOB_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface JobTokenRequest {
  repoId: number;
  runId: number;
  /** Names the job in the store (its run, attempt and key): a job's token has no note. */
  name: string;
  permissions: JobPermissions;
}

/**
 * A job's GITHUB_TOKEN: for its repository only, with its permissions, refused after 24 hours if
 * the job's end has not revoked it before. The value comes back once, here; the store keeps its hash.
 */
export async function issueJobToken(
  store: Store,
  request: JobTokenRequest,
  at: Date = new Date(),
): Promise<{ token: Token; value: string }> {
  const value = newTokenValue(JOB_PREFIX);
  const token = await store.addToken({
    kind: "job",
    userId: null,
    name: request.name,
    hash: hashToken(value),
    lastEight: null,
    scopes: [],
    expiresAt: new Date(at.getTime() + JOB_TOKEN_LIFETIME_MS).toISOString(),
    repoId: request.repoId,
    runId: request.runId,
    permissions: { ...request.permissions },
  });
  return { token, value };
}
