import type { JobJson, RunJson } from "../../src/server/schemas.js";
import { clearToken, getToken } from "./auth.js";

export type { JobJson, RunJson };
export type StepJson = JobJson["steps"][number];
export type Conclusion = NonNullable<RunJson["conclusion"]>;

export interface RepoJson {
  id: number;
  owner: string;
  name: string;
  full_name: string;
  url: string;
  default_branch: string;
  poll_interval_seconds: number;
  /** What the caller may do on it, as GitHub's repository answer has it (absent from older servers). */
  permissions?: RolePermissions;
}

/** GitHub's role flags: each role has the ones below it. */
export interface RolePermissions {
  admin: boolean;
  maintain: boolean;
  push: boolean;
  triage: boolean;
  pull: boolean;
}

/** A user, as GitHub's /user and /users answer. */
export interface UserJson {
  id: number;
  login: string;
  site_admin: boolean;
  email?: string | null;
  name?: string | null;
  suspended_at?: string | null;
  created_at?: string;
}

/** A branch or tag, as GitHub's /branches and /tags list them. */
export interface RefJson {
  name: string;
  commit: { sha: string };
}

export interface DispatchInputJson {
  name: string;
  type: string;
  description: string;
  required: boolean;
  default?: string;
  options: string[];
}

export interface WorkflowJson {
  id: string;
  name: string;
  path: string;
  state: string;
  dispatch_inputs: DispatchInputJson[] | null;
  problems: string[];
}

/** An environment as GitHub's pending deployments and approvals name it. */
export interface EnvironmentRefJson {
  id: number;
  name: string;
  html_url?: string;
}

/** One environment a waiting run waits on (GitHub's GET …/runs/{id}/pending_deployments). */
export interface PendingDeploymentJson {
  environment: EnvironmentRefJson;
  /** Minutes. */
  wait_timer: number;
  wait_timer_started_at: string | null;
  current_user_can_approve: boolean;
  /** Not in GitHub's shape: when the wait timer ends, where the server says it. */
  wait_timer_ends_at?: string;
  /** Not in GitHub's shape: a reviewer approved already (the wait timer still runs). */
  approved?: boolean;
  reviewers: Array<{
    type: "User" | "Team";
    reviewer: { login?: string | null; name?: string; slug?: string };
  }>;
}

/** A decision on a run's environments (GitHub's GET …/runs/{id}/approvals). */
export interface ApprovalJson {
  state: "approved" | "rejected" | "pending";
  comment: string;
  environments: EnvironmentRefJson[];
  user: { login: string } | null;
  /** Not in GitHub's shape: when the decision was made, where the server says it. */
  created_at?: string;
  /** Not in GitHub's shape: an admin decided past the rules (can_admins_bypass). */
  bypass?: boolean;
}

/** An environment of a repository (GitHub's GET …/environments). */
export interface EnvironmentJson {
  id: number;
  name: string;
  html_url: string;
  created_at: string;
  updated_at: string;
  can_admins_bypass?: boolean;
  protection_rules: Array<{
    type: string;
    wait_timer?: number;
    prevent_self_review?: boolean;
    reviewers?: PendingDeploymentJson["reviewers"];
  }>;
}

/** A deployment (GitHub's GET …/deployments). */
export interface DeploymentJson {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  creator: { login: string } | null;
  created_at: string;
  updated_at: string;
  transient_environment?: boolean;
  production_environment?: boolean;
}

/** A deployment's status (GitHub's GET …/deployments/{id}/statuses), newest first. */
export interface DeploymentStatusJson {
  id: number;
  state: "error" | "failure" | "inactive" | "in_progress" | "queued" | "pending" | "success";
  description: string | null;
  environment?: string;
  environment_url?: string | null;
  log_url?: string | null;
  target_url?: string | null;
  creator: { login: string } | null;
  created_at: string;
}

/** An answer other than 2xx: GitHub's `{message, errors}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: string[] = [],
  ) {
    super(message);
  }
}

/** Why the last sign-out happened (a refused token), for the sign-in page to say. */
export const signOutReason: { text: string | null } = { text: null };

/** Calls /api/v1 with the token; a 401 signs out (the token is wrong or was revoked). */
export async function api<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  return (await call<T>(path, init)).data;
}

/** A page of a paged list, and whether GitHub's Link header names a next one. */
export async function apiPage<T>(path: string): Promise<{ data: T; next: boolean }> {
  const { data, res } = await call<T>(path);
  return { data, next: /<[^>]*>;\s*rel="next"/.test(res.headers.get("link") ?? "") };
}

/**
 * Every job of a jobs list (…/runs/{id}/jobs, …/attempts/{n}/jobs): its pages at 100 a page, as
 * GitHub serves them, until total_count are in.
 */
export async function allJobs(path: string): Promise<{ total_count: number; jobs: JobJson[] }> {
  const jobs: JobJson[] = [];
  const sep = path.includes("?") ? "&" : "?";
  for (let page = 1; ; page++) {
    const data = await api<{ total_count: number; jobs: JobJson[] }>(
      `${path}${sep}per_page=100&page=${page}`,
    );
    jobs.push(...data.jobs);
    if (data.jobs.length === 0 || jobs.length >= data.total_count)
      return { total_count: data.total_count, jobs };
  }
}

async function call<T>(
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ data: T; res: Response }> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set("authorization", `Bearer ${token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const res = await fetch(`/api/v1${path}`, { ...init, headers, body });
  if (res.status === 401) {
    signOutReason.text = "The server refused the token: sign in again.";
    clearToken();
    throw new ApiError(401, "Bad credentials");
  }
  const type = res.headers.get("content-type") ?? "";
  const data: unknown = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) {
    const err = (typeof data === "object" && data ? data : {}) as { message?: string; errors?: string[] };
    throw new ApiError(res.status, err.message ?? `HTTP ${res.status}`, err.errors ?? []);
  }
  return { data: data as T, res };
}

/**
 * Reads a text answer of /api/v1 line by line as it arrives (a long log is drawn while it loads);
 * resolves once it has all come.
 */
export async function readLines(
  path: string,
  onLines: (lines: string[]) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const token = getToken();
  const res = await fetch(`/api/v1${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal,
  });
  if (res.status === 401) {
    signOutReason.text = "The server refused the token: sign in again.";
    clearToken();
    throw new ApiError(401, "Bad credentials");
  }
  if (!res.ok || !res.body) throw new ApiError(res.status, `HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const lines = (rest + value).split("\n");
    rest = lines.pop() ?? "";
    await onLines(lines);
  }
  if (rest) await onLines([rest]);
}

/** Reads a text answer of /api/v1 whole (a job's raw log). */
export async function readText(path: string): Promise<string> {
  const parts: string[] = [];
  await readLines(path, (lines) => {
    parts.push(...lines);
  });
  return parts.length ? `${parts.join("\n")}\n` : "";
}

/**
 * Checks a token without keeping it (GET /user): "ok" when the server takes it as a person's,
 * "refused" when it does not, "job" for a job's token (a person signs in, not a job).
 */
export async function checkToken(token: string): Promise<"ok" | "refused" | "job"> {
  const res = await fetch("/api/v1/user", { headers: { authorization: `Bearer ${token}` } });
  if (res.status === 401) return "refused";
  if (res.status === 403) return "job";
  if (!res.ok) throw new ApiError(res.status, `The server answered ${res.status}`);
  return "ok";
}

/** The URL of an SSE stream, the token in its query (EventSource cannot send headers). */
export function streamUrl(path: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams(params);
  const token = getToken();
  if (token) q.set("access_token", token);
  return `/api/v1${path}?${q}`;
}

export function repoPath(owner: string, repo: string): string {
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}
