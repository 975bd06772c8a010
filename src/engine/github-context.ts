import { randomBytes } from "node:crypto";
import type { Json } from "../expressions/index.js";

/**
 * The GITHUB_TOKEN of a run that has no real one (gantry issues no tokens for a forge's API): a
 * random value, new for each run, masked as every secret is, that no service accepts. Actions whose
 * required `token` input defaults to `${{ github.token }}` (actions/github-script, codecov …) start
 * with it instead of failing at once; a call they make with it fails as an unauthorised one.
 */
export function placeholderGithubToken(): string {
  return `gantry_placeholder_${randomBytes(20).toString("hex")}`;
}

/** What the github context of a run is built from: the repository, the event and the run. */
export interface GithubContextInput {
  owner: string;
  repo: string;
  actor: string;
  event: { name: string; ref: string; sha: string; headRef: string; baseRef: string };
  /** github.event: the payload as this workflow's run sees it. */
  payload: { [key: string]: Json };
  runId: string;
  runNumber: number;
  runAttempt?: number;
  workflowName: string;
  workflowFile: string;
  token?: string;
  serverUrl?: string;
  apiUrl?: string;
}

/** The github context of a run, as GitHub's runner fills it (job-specific keys come per job). */
export function buildGithubContext(input: GithubContextInput): Record<string, Json> {
  const { event, payload } = input;
  const repository = `${input.owner}/${input.repo}`;
  const refName = event.ref.replace(/^refs\/(heads|tags)\//, "");
  const serverUrl = input.serverUrl ?? "https://github.com";
  const apiUrl = input.apiUrl ?? "https://api.github.com";
  return {
    action: "",
    actor: input.actor,
    actor_id: "0",
    api_url: apiUrl,
    base_ref: event.baseRef,
    event: payload,
    event_name: event.name,
    graphql_url: `${apiUrl}/graphql`,
    head_ref: event.headRef,
    ref: event.ref,
    // A pull request's merge ref (pull_request_target runs on the base branch: its name).
    ref_name: event.ref.startsWith("refs/pull/") ? `${payload.number ?? 1}/merge` : refName,
    ref_protected: false,
    ref_type: event.ref.startsWith("refs/tags/") ? "tag" : "branch",
    repository,
    repository_id: "0",
    repository_owner: input.owner,
    repository_owner_id: "0",
    retention_days: "90",
    run_attempt: String(input.runAttempt ?? 1),
    run_id: input.runId,
    run_number: String(input.runNumber),
    secret_source: "None",
    server_url: serverUrl,
    sha: event.sha,
    token: input.token ?? "",
    triggering_actor: input.actor,
    workflow: input.workflowName,
    workflow_ref: `${repository}/${input.workflowFile}@${event.ref}`,
    workflow_sha: event.sha,
  };
}
