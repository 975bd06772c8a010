import type { Json } from "../expressions/index.js";
import type {
  DbCollaborator,
  DbJob,
  DbPullRequest,
  DbRepo,
  DbRun,
  DbStep,
  DbToken,
  DbUser,
} from "./schema.js";
import type {
  Collaborator,
  Conclusion,
  ForkApproval,
  Job,
  PullRequest,
  Repo,
  Run,
  RunConclusion,
  Status,
  Step,
  Token,
  User,
} from "./types.js";

const FORK_APPROVALS: readonly string[] = ["none", "first_time_contributors", "all"];

/** Row ⇄ domain conversions, shared by the statement groups. */

/**
 * A job row's columns but its sealed request (spec_box, tens of KB): what every read of jobs
 * selects; the request is read on its own where it is needed (remote-jobs.ts).
 */
export const JOB_COLUMNS = [
  "id",
  "run_id",
  "run_attempt",
  "job_key",
  "name",
  "status",
  "conclusion",
  "matrix_json",
  "outputs_json",
  "labels_json",
  "runner_name",
  "failure_reason",
  "lost_count",
  "log_path",
  "created_at",
  "started_at",
  "completed_at",
  "runner_id",
  "lease_id",
  "lease_expires_at",
  "cancel_requested",
] as const;

export function now(): string {
  return new Date().toISOString();
}

export function json(value: unknown): string {
  return JSON.stringify(value);
}

export function parse<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toRepo(r: DbRepo): Repo {
  return {
    id: Number(r.id),
    owner: r.owner,
    name: r.name,
    url: r.url,
    defaultBranch: r.default_branch,
    pollIntervalSeconds: Number(r.poll_interval_seconds),
    requiredChecks: parse<string[]>(r.required_checks_json, []),
    createdAt: r.created_at,
    forkApproval: FORK_APPROVALS.includes(r.fork_approval) ? (r.fork_approval as ForkApproval) : "none",
  };
}

export function toPullRequest(r: DbPullRequest): PullRequest {
  return {
    id: Number(r.id),
    repoId: Number(r.repo_id),
    number: Number(r.number),
    title: r.title,
    body: r.body,
    state: r.state === "closed" ? "closed" : "open",
    headRef: r.head_ref,
    baseRef: r.base_ref,
    headSha: r.head_sha,
    baseSha: r.base_sha,
    mergeCommitSha: r.merge_commit_sha,
    mergeable: Number(r.mergeable) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
  };
}

export function toRun(r: DbRun): Run {
  return {
    id: Number(r.id),
    repoId: Number(r.repo_id),
    workflowName: r.workflow_name,
    workflowFile: r.workflow_file,
    event: r.event,
    ref: r.ref,
    headBranch: r.head_branch,
    headSha: r.head_sha,
    status: r.status as Status,
    conclusion: r.conclusion as RunConclusion | null,
    runNumber: Number(r.run_number),
    runAttempt: Number(r.run_attempt),
    actor: r.actor,
    github: parse<Record<string, Json>>(r.github_json, {}),
    inputs: parse<Record<string, Json>>(r.inputs_json, {}),
    problems: parse<string[]>(r.problems_json, []),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    chainDepth: Number(r.chain_depth ?? 0),
    fork: Number(r.fork ?? 0) === 1,
    tokenPermissions: r.token_permissions === "read" ? "read" : "write",
    displayTitle: r.display_title ?? "",
  };
}

export function toJob(r: DbJob): Job {
  return {
    id: Number(r.id),
    runId: Number(r.run_id),
    runAttempt: Number(r.run_attempt),
    key: r.job_key,
    name: r.name,
    status: r.status as Status,
    conclusion: r.conclusion as Conclusion | null,
    matrix: parse<Record<string, Json> | null>(r.matrix_json, null),
    outputs: parse<Record<string, string>>(r.outputs_json, {}),
    labels: parse<string[]>(r.labels_json, []),
    runnerName: r.runner_name,
    runnerId: r.runner_id == null ? null : Number(r.runner_id),
    failureReason: r.failure_reason,
    lostCount: Number(r.lost_count),
    logPath: r.log_path,
    createdAt: r.created_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
  };
}

export function toStep(r: DbStep): Step {
  return {
    jobId: Number(r.job_id),
    number: Number(r.number),
    stepId: r.step_id,
    name: r.name,
    status: r.status as Status,
    outcome: r.outcome as Conclusion | null,
    conclusion: r.conclusion as Conclusion | null,
    outputs: parse<Record<string, string>>(r.outputs_json, {}),
    startedAt: r.started_at,
    completedAt: r.completed_at,
  };
}

export function toToken(r: DbToken): Token {
  return {
    id: Number(r.id),
    kind: r.kind === "job" ? "job" : "personal",
    userId: r.user_id === null ? null : Number(r.user_id),
    name: r.name,
    hash: r.hash,
    lastEight: r.last_eight,
    scopes: JSON.parse(r.scopes_json) as string[],
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    repoId: r.repo_id === null ? null : Number(r.repo_id),
    runId: r.run_id === null ? null : Number(r.run_id),
    permissions:
      r.permissions_json === null ? null : (JSON.parse(r.permissions_json) as Record<string, string>),
  };
}

export function toUser(r: DbUser): User {
  return {
    id: Number(r.id),
    login: r.login,
    email: r.email,
    siteAdmin: Boolean(r.site_admin),
    suspendedAt: r.suspended_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toCollaborator(r: DbCollaborator): Collaborator {
  return {
    repoId: Number(r.repo_id),
    userId: Number(r.user_id),
    permission: r.permission,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A unique-key violation, in SQLite's words or PostgreSQL's. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "23505" || /UNIQUE constraint/.test(e.message ?? "")
  );
}
