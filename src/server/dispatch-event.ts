import type { Json } from "../expressions/index.js";
import type { Repo } from "../store/index.js";
import type { RepoEvent } from "../triggers/index.js";

/** The repository object of a payload, in GitHub's shape. */
export function repositoryPayload(repo: Repo): { [key: string]: Json } {
  return {
    id: repo.id,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: { login: repo.owner, name: repo.owner },
    default_branch: repo.defaultBranch,
    clone_url: repo.url,
  };
}

/**
 * An event the server makes itself (a dispatch, a workflow_run): at one ref and commit, with no
 * pull request around it and no changed files for paths filters.
 */
export function eventAt(
  name: string,
  at: { ref: string; sha: string },
  payload: { [key: string]: Json },
): RepoEvent {
  return {
    name,
    payload,
    ref: at.ref,
    filterRef: at.ref,
    sha: at.sha,
    headRef: "",
    baseRef: "",
    changedFiles: () => [],
  };
}

/** A workflow_dispatch of one workflow at a ref, as GitHub sends it (inputs as strings). */
export function dispatchEvent(
  repo: Repo,
  ref: { ref: string; sha: string },
  workflowFile: string,
  eventInputs: Record<string, string>,
  actor: string,
): RepoEvent {
  return eventAt("workflow_dispatch", ref, {
    inputs: eventInputs,
    ref: ref.ref,
    repository: repositoryPayload(repo),
    sender: { login: actor },
    workflow: workflowFile,
  });
}

/**
 * A repository_dispatch, as GitHub sends it: on the default branch at its head, with the event type
 * as `action` and the caller's client_payload.
 */
export function repositoryDispatchEvent(
  repo: Repo,
  head: { ref: string; sha: string },
  eventType: string,
  clientPayload: { [key: string]: Json },
  actor: string,
): RepoEvent {
  return eventAt("repository_dispatch", head, {
    action: eventType,
    branch: repo.defaultBranch,
    client_payload: clientPayload,
    repository: repositoryPayload(repo),
    sender: { login: actor },
  });
}
