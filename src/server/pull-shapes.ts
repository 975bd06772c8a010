import type { PullRequest, Repo } from "../store/index.js";
import type { ChecksState, PullRequestJson, PullRequestObject } from "./pull-schemas.js";

function branch(repo: Repo, ref: string, sha: string) {
  // The repository as dispatch-event.ts's repositoryPayload writes it.
  return {
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: { login: repo.owner },
    repo: {
      id: repo.id,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: { login: repo.owner, name: repo.owner },
      default_branch: repo.defaultBranch,
      clone_url: repo.url,
    },
  };
}

/**
 * A pull request as GitHub's webhook payload shows it (github.event.pull_request), without URLs: an
 * event has no server address to put in them.
 */
export function pullRequestObject(pr: PullRequest, repo: Repo): PullRequestObject {
  return {
    id: pr.id,
    node_id: `PR_${pr.id}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    body: pr.body === "" ? null : pr.body,
    user: { login: repo.owner },
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: null,
    merged: false,
    draft: false,
    merge_commit_sha: pr.mergeCommitSha,
    mergeable: pr.mergeable,
    head: branch(repo, pr.headRef, pr.headSha),
    base: branch(repo, pr.baseRef, pr.baseSha),
    author_association: "OWNER",
  };
}

/**
 * GitHub's mergeable_state: dirty (a conflict), clean (every check that counts succeeded), blocked
 * (required checks not all successful yet), unstable (none required, and some run not successful).
 */
function mergeableState(
  pr: PullRequest,
  repo: Repo,
  checks: ChecksState,
): PullRequestJson["mergeable_state"] {
  if (pr.state === "closed") return "unknown";
  if (!pr.mergeable) return "dirty";
  if (checks === "success") return "clean";
  return repo.requiredChecks.length > 0 ? "blocked" : "unstable";
}

/** The API's pull request: GitHub's shape, its URLs on this server, and gantry's `checks_state`. */
export function pullRequestJson(
  pr: PullRequest,
  repo: Repo,
  base: string,
  checks: ChecksState,
): PullRequestJson {
  const api = `${base}/api/v1/repos/${repo.owner}/${repo.name}`;
  return {
    ...pullRequestObject(pr, repo),
    url: `${api}/pulls/${pr.number}`,
    html_url: `${api}/pulls/${pr.number}`,
    statuses_url: `${api}/commits/${pr.headSha}/status`,
    mergeable_state: mergeableState(pr, repo, checks),
    checks_state: checks,
  };
}
