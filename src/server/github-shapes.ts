import { defaultRunTitle } from "../engine/index.js";
import type { Job, Repo, Run, Step } from "../store/index.js";
import type { CommitChecks } from "./commit-checks.js";
import { BUILT_IN_RUNNER_ID } from "./runner-status.js";
import type { CombinedStatusJson, JobJson, RunJson } from "./schemas.js";

/** GitHub's node_id: the kind's prefix and the id, in base64. */
export function nodeId(kind: string, id: number): string {
  return Buffer.from(`${kind}${id}`).toString("base64");
}

/** GitHub's timestamps: ISO-8601 to the second. */
export function githubTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

function repository(repo: Repo) {
  return {
    id: repo.id,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: { login: repo.owner },
  };
}

export function repoJson(repo: Repo) {
  return {
    id: repo.id,
    owner: repo.owner,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    url: repo.url,
    default_branch: repo.defaultBranch,
    poll_interval_seconds: repo.pollIntervalSeconds,
    required_checks: repo.requiredChecks,
    created_at: repo.createdAt,
    fork_approval: repo.forkApproval,
  };
}

/** A page of the web UI (GitHub's html_url): the run page, a job's page, a workflow's runs. */
export function pageUrl(base: string, repo: Repo, path: string): string {
  return `${base}/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}/${path}`;
}

/** A stored run as GitHub's REST API shows a workflow run; `base` is the server's URL. */
export function runJson(run: Run, repo: Repo, base: string): RunJson {
  const api = `${base}/api/v1/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`;
  const event = run.github.event;
  const payload = event && typeof event === "object" && !Array.isArray(event) ? event : undefined;
  const title = run.displayTitle || defaultRunTitle(run.workflowName, payload);
  return {
    id: run.id,
    name: run.workflowName,
    node_id: `WFR_${run.id}`,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.workflowFile,
    display_title: title,
    run_number: run.runNumber,
    run_attempt: run.runAttempt,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowFile.split("/").pop() ?? run.workflowFile,
    url: api,
    html_url: pageUrl(base, repo, `runs/${run.id}`),
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    previous_attempt_url: run.runAttempt > 1 ? `${api}/attempts/${run.runAttempt - 1}` : null,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    run_started_at: run.startedAt,
    actor: { login: run.actor },
    triggering_actor: { login: run.actor },
    repository: repository(repo),
    problems: run.problems,
  };
}

export function jobJson(job: Job, steps: Step[], run: Run, repo: Repo, base: string): JobJson {
  const api = `${base}/api/v1/repos/${repo.owner}/${repo.name}/actions`;
  return {
    id: job.id,
    run_id: job.runId,
    run_attempt: job.runAttempt,
    node_id: `CR_${job.id}`,
    head_sha: run.headSha,
    head_branch: run.headBranch,
    url: `${api}/jobs/${job.id}`,
    html_url: pageUrl(base, repo, `jobs/${job.id}`),
    run_url: `${api}/runs/${job.runId}`,
    status: job.status,
    conclusion: job.conclusion,
    created_at: job.createdAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    name: job.name,
    workflow_name: run.workflowName,
    steps: steps.map((s) => ({
      name: s.name,
      status: s.status,
      conclusion: s.conclusion,
      number: s.number,
      started_at: s.startedAt,
      completed_at: s.completedAt,
    })),
    labels: job.labels,
    // A runner machine's id, or the built-in pool's (0) for a job its slots ran; null until claimed.
    runner_id: job.runnerId ?? (job.runnerName === null ? null : BUILT_IN_RUNNER_ID),
    runner_name: job.runnerName,
    check_run_url: `${api}/jobs/${job.id}`,
    outputs: job.outputs,
    matrix: job.matrix,
    failure_reason: job.failureReason,
    job_key: job.key.startsWith(`${run.workflowFile}/`)
      ? job.key.slice(run.workflowFile.length + 1)
      : job.key,
  };
}

/**
 * The combined status of a commit in GitHub's shape (commit-checks.ts decides the state): one status
 * per check, `required` saying whether it counts toward the state.
 */
export function combinedStatus(
  sha: string,
  found: CommitChecks,
  repo: Repo,
  base: string,
): CombinedStatusJson {
  const api = `${base}/api/v1/repos/${repo.owner}/${repo.name}`;
  const statuses = found.checks.map((check) => ({
    id: check.job?.id ?? check.run?.id ?? 0,
    context: check.context,
    state: check.state,
    description: check.description,
    required: check.required,
    // The page a person opens, as GitHub's target_url.
    target_url: check.job
      ? pageUrl(base, repo, `jobs/${check.job.id}`)
      : check.run
        ? pageUrl(base, repo, `runs/${check.run.id}`)
        : `${api}/commits/${sha}/status`,
    created_at: check.run?.createdAt ?? null,
    updated_at: check.run?.updatedAt ?? null,
  }));
  return {
    state: found.state,
    sha,
    total_count: statuses.length,
    statuses,
    repository: repository(repo),
    commit_url: `${api}/commits/${sha}`,
  };
}
