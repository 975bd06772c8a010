import type { CredentialsRequest, JobCredentials } from "../engine/index.js";
import { chainPermissions, type IssuedJobTokens, issueJobToken } from "../identity/index.js";
import type { Run, Store } from "../store/index.js";

export interface JobCredentialDeps {
  store: Store;
  /** The server's URL once it listens ("" before): where a job's token is good. */
  baseUrl: () => string;
  log: (message: string) => void;
  /** Where each job's token is held from its issue to its job's end (IssuedJobTokens). */
  issued?: IssuedJobTokens;
}

/** The name a job's GITHUB_TOKEN is stored under: one per job of a run's attempt. */
export function jobTokenName(runId: number, attempt: number, jobKey: string): string {
  return `run ${runId} attempt ${attempt}: ${jobKey}`;
}

/**
 * The GITHUB_TOKEN of each job of a run (each matrix leg, each attempt): a token for the run's
 * repository only, whose permissions follow the workflow's and job's `permissions:` (read-only
 * contents and metadata without any; read at most for a fork's pull request), with the github
 * context's URLs pointing at this server's API. The token is revoked the moment its job ends.
 */
export function jobCredentials(
  deps: JobCredentialDeps,
  run: Pick<Run, "id" | "repoId" | "runAttempt" | "fork">,
): (request: CredentialsRequest) => Promise<JobCredentials> {
  return async (request) => {
    const levels = [...request.callers, { workflow: request.workflow, job: request.job }].map((l) => ({
      workflow: l.workflow.permissions,
      job: l.job.permissions,
    }));
    const { permissions, problem } = chainPermissions(levels, { fork: run.fork });
    // GitHub's words for a called workflow that asks for more than its caller has.
    if (problem) throw new Error(`The nested job '${request.job.id}' ${problem}.`);
    const { token, value } = await issueJobToken(deps.store, {
      repoId: run.repoId,
      runId: run.id,
      name: jobTokenName(run.id, run.runAttempt, request.jobKey),
      permissions,
    });
    deps.issued?.add(token);
    const base = deps.baseUrl();
    // GitHub Enterprise Server's layout: the API under /api/v3 there, gantry's under /api/v1.
    const github = base
      ? { server_url: base, api_url: `${base}/api/v1`, graphql_url: `${base}/api/graphql` }
      : undefined;
    let released = false;
    return {
      token: value,
      github,
      release: async () => {
        if (released) return;
        released = true;
        // Out of the held ones first: from now on the store's revoked row is the only answer.
        deps.issued?.forget(token);
        try {
          await deps.store.revokeToken(token.id, new Date().toISOString());
        } catch (err) {
          // The next start revokes every job token left (RunService.recover).
          deps.log(
            `the GITHUB_TOKEN of ${request.jobKey} (run ${run.id}) was not revoked: ${(err as Error).message}`,
          );
        }
      },
    };
  };
}
