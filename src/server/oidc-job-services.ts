import type { OidcIssuer } from "../identity/index.js";
import { type JobServiceLease, type JobServices, serverBase } from "../runner/index.js";
import { OIDC_TOKEN_PATH } from "./routes/oidc.js";

/**
 * What a job granted `id-token: write` gets, as on GitHub: ACTIONS_ID_TOKEN_REQUEST_URL (with its
 * query string already, so `&audience=X` can be added) and ACTIONS_ID_TOKEN_REQUEST_TOKEN, a token
 * of its own (masked in its log) that dies when the job ends. Other jobs get neither variable.
 */
export function oidcJobServices(
  issuer: OidcIssuer,
  serverUrl: () => string,
  log: (message: string) => void,
): JobServices {
  return {
    async open(job): Promise<JobServiceLease> {
      const jobToken = typeof job.github.token === "string" ? job.github.token : "";
      const grant = await issuer
        .grant(jobToken, job.runId, {
          github: job.github,
          workflowFile: job.workflowFile,
          // A job with an environment: the `environment` claim and sub repo:O/R:environment:NAME.
          ...(job.environment ? { environment: job.environment } : {}),
        })
        .catch((err: Error) => {
          // The job runs all the same, without ID tokens (as one not granted id-token: write).
          log(`run ${job.runId}: no OIDC request token for the job: ${err.message}`);
          return undefined;
        });
      if (!grant) return { env: {}, secrets: [], close: async () => {} };
      return {
        env: {
          // A runner on another machine reaches the server where it says (job.serverUrl).
          ACTIONS_ID_TOKEN_REQUEST_URL: `${job.serverUrl !== undefined ? serverBase(job.serverUrl) : serverUrl()}${OIDC_TOKEN_PATH}?api-version=2.0`,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: grant.value,
        },
        secrets: [grant.value],
        close: async () => grant.release(),
      };
    },
  };
}

/**
 * Several services as one: each job opens them all at once (each looks its job's token up: a round
 * trip each on PostgreSQL, so not one after another), their variables laid over each other in the
 * order given, and closes them all when it ends.
 */
export function joinJobServices(...services: Array<JobServices | undefined>): JobServices | undefined {
  const present = services.filter((s): s is JobServices => s !== undefined);
  if (present.length <= 1) return present[0];
  return {
    async open(job) {
      const opened = await Promise.allSettled(present.map((s) => s.open(job)));
      const leases: JobServiceLease[] = [];
      for (const o of opened) if (o.status === "fulfilled") leases.push(o.value);
      const failed = opened.find((o): o is PromiseRejectedResult => o.status === "rejected");
      if (failed) {
        await Promise.all(leases.map((l) => l.close().catch(() => undefined)));
        throw failed.reason;
      }
      return {
        env: Object.assign({}, ...leases.map((l) => l.env)),
        secrets: leases.flatMap((l) => l.secrets),
        close: async () => {
          await Promise.all(leases.map((l) => l.close()));
        },
      };
    },
  };
}
