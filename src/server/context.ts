import type { Context } from "hono";
import type { z } from "zod";
import type { ActionStore } from "../actions/index.js";
import type { RunArtifactStore } from "../artifacts/index.js";
import type { OidcIssuer } from "../identity/index.js";
import type { SecretVault } from "../secrets/index.js";
import type { Store } from "../store/index.js";
import type { ServerAudit } from "./audit.js";
import type { AuthThrottle } from "./auth-throttle.js";
import type { ServerConfig } from "./config.js";
import { zodProblems } from "./config.js";
import type { HookSender } from "./hook-sender.js";
import { HttpError } from "./http-error.js";
import type { JobLogs } from "./job-logs.js";
import type { LiveHub } from "./live-hub.js";
import type { PullService } from "./pull-service.js";
import type { RemoteJobs } from "./remote-jobs.js";
import type { RepoClones } from "./repo-clones.js";
import { parseJsonText, readBody } from "./request-limits.js";
import type { RunNotes } from "./run-notes.js";
import type { RunService } from "./run-service.js";
import type { RunnerPool } from "./runner-pool.js";
import type { Signals } from "./signals.js";
import { parseId } from "./validate.js";

/** What the HTTP routes work with. */
export interface ServerContext {
  store: Store;
  runs: RunService;
  pulls: PullService;
  clones: RepoClones;
  logs: JobLogs;
  hub: LiveHub;
  /** Wake-ups between this server's parts and its peers on one database (signals.ts). */
  signals: Signals;
  /** Jobs on runner machines: the runner protocol's routes hand them out (remote-jobs.ts). */
  remote: RemoteJobs;
  pool: RunnerPool;
  config: ServerConfig;
  /** The audit trail: `await ctx.audit.record(c, action, { repo, details })` after each change. */
  audit: ServerAudit;
  /** The built web UI (dist/web), served at /. */
  webDir?: string;
  /** Annotations and step summaries of the runs. */
  notes?: RunNotes;
  /** The artifact store, for the UI's artifact list and downloads. */
  artifacts?: RunArtifactStore;
  /** Repository hooks' deliveries (hook-sender.ts); without it the hooks API answers 503. */
  outgoing?: HookSender;
  /** Failed authentications per client address (the API's and the hooks'); createApp makes one. */
  throttle?: AuthThrottle;
  /** Actions secrets and variables (routes/secrets.ts). */
  vault: SecretVault;
  /** The action store runner machines fetch a job's actions from (routes/runner-protocol.ts). */
  actionStore?: ActionStore;
  /** The OpenID Connect issuer of the jobs' ID tokens (routes/oidc.ts); without it none is served. */
  oidc?: OidcIssuer;
  /**
   * The Actions cache and artifact services (a request whose path is taken from their root),
   * answered under SERVICES_PATH for runners on other machines; without it that path is 404.
   */
  actionsServices?: (req: Request) => Promise<Response>;
}

export { HttpError };

/** The server's own URL as the client reached it (for the `url` fields). */
export function baseUrl(c: Context): string {
  return new URL(c.req.url).origin;
}

/** A path's id (decimal, validate.ts parseId): 404 for anything else (`0x1`, `1e3`, `abc`). */
export function idParam(c: Context, name: string): number {
  const value = parseId(c.req.param(name));
  if (value === undefined) throw new HttpError(404, `Not Found: '${c.req.param(name)}' is not an id`);
  return value;
}

/**
 * The `?attempt=` of a run's route: the run's latest without one; 422 unless it is a decimal
 * integer from 1 to the run's latest attempt. The same answer on every route that takes it.
 */
export function attemptQuery(c: Context, latest: number): number {
  const given = c.req.query("attempt");
  if (given === undefined) return latest;
  const attempt = parseId(given);
  if (attempt === undefined || attempt > latest)
    throw new HttpError(422, `attempt must be a decimal integer from 1 to ${latest} (got '${given}')`);
  return attempt;
}

/**
 * The JSON body, validated: read under the route's size limit (413), 400 when it is not JSON or
 * nests too deep, 422 naming each field that is wrong.
 */
export async function bodyOf<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const value = parseJsonText((await readBody(c)).toString("utf8"));
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(422, "Validation Failed", zodProblems(parsed.error));
  return parsed.data;
}

export function queryOf<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new HttpError(422, "Validation Failed", zodProblems(parsed.error));
  return parsed.data;
}
