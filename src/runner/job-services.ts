import type { Json } from "../expressions/index.js";

/**
 * Where the Actions services answer on the server's main listener (`gantry serve`): a runner on
 * another machine reaches them at `<server URL>/_services/actions/` (twirp at `/_services/actions/twirp/…`, signed
 * blobs at `/_services/actions/_blob/…`, the v1 cache API at `/_services/actions/_apis/…`).
 */
export const SERVICES_PATH = "/_services/actions";

/**
 * Services a job's steps reach over HTTP (the Actions cache and artifact services): opened as a
 * job starts, for the variables its steps get, and closed when it ends (its token dies with it).
 */
export interface JobServices {
  /**
   * `workflowFile`: the file of the workflow the job is in (a called workflow's, for its jobs);
   * `environment`: the deployment environment the job entered (its gate passed), if any;
   * `serverUrl`: the server's address as the job's runner reaches it (a remote runner's
   * `--server` URL, e.g. `https://ci.example.com` or `http://10.0.0.5:8080`). With it, the lease's
   * URLs (ACTIONS_RESULTS_URL, ACTIONS_CACHE_URL, the signed upload and download URLs the
   * services hand out, ACTIONS_ID_TOKEN_REQUEST_URL) are all under it, the
   * Actions services' at `<serverUrl>/_services/actions/` (SERVICES_PATH); without it, at the addresses a
   * job on the server's own machine uses (a loopback port of the services' own).
   */
  open(job: {
    runId: string;
    github: Record<string, Json>;
    workflowFile?: string;
    environment?: string;
    serverUrl?: string;
  }): Promise<JobServiceLease>;
}

export interface JobServiceLease {
  /** Variables every step of the job gets (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, …). */
  env: Record<string, string>;
  /** Values masked in the job's logs (the token). */
  secrets: string[];
  close(): Promise<void>;
}

/** `serverUrl` as a base without a trailing `/`; an Error naming what is wrong with it. */
export function serverBase(serverUrl: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new Error(`the server URL '${serverUrl}' is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`the server URL '${serverUrl}' is not an http:// or https:// URL`);
  if (url.search || url.hash || url.username || url.password)
    throw new Error(`the server URL '${serverUrl}' must have no query, fragment or credentials`);
  return url.href.replace(/\/+$/, "");
}
