// Where a deployment's statuses point: the deployed app (environment_url) and the run or job that
// made it (log_url, target_url).
import type { DeploymentStatusJson } from "../api.js";

/** Only addresses on the web become links (an environment_url is whatever a workflow wrote). */
export function webUrl(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The run or job a deployment status links (its log_url, else target_url) on this server: the
 * run's or job's page of the UI (/{owner}/{repo}/runs/{id}, …/jobs/{id}) or the API's
 * …/actions/runs/{id}, …/actions/jobs/{id}. Links elsewhere (an external tool's) name neither.
 */
export function linkOf(
  status: Pick<DeploymentStatusJson, "log_url" | "target_url">,
  owner: string,
  repo: string,
  /** This server's origins: the page's, and the one the server names itself by (its public URL). */
  origins: string[],
): { runId?: number; jobId?: number } {
  const ui = `/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/`;
  const api = `/api/v1/repos${ui}actions/`;
  for (const url of [status.log_url, status.target_url]) {
    if (!url) continue;
    let u: URL;
    try {
      u = new URL(url, origins[0]);
    } catch {
      continue;
    }
    if (!origins.includes(u.origin)) continue;
    for (const prefix of [ui, api]) {
      if (!u.pathname.startsWith(prefix)) continue;
      const m = /^(runs|jobs)\/(\d+)(?:\/|$)/.exec(u.pathname.slice(prefix.length));
      if (m) return m[1] === "runs" ? { runId: Number(m[2]) } : { jobId: Number(m[2]) };
    }
  }
  return {};
}
