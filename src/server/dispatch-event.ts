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

/** A workflow_dispatch of one workflow at a ref, as GitHub sends it (inputs as strings). */
export function dispatchEvent(
  repo: Repo,
  ref: { ref: string; sha: string },
  workflowFile: string,
  eventInputs: Record<string, string>,
  actor: string,
): RepoEvent {
  return {
    name: "workflow_dispatch",
    payload: {
      inputs: eventInputs,
      ref: ref.ref,
      repository: repositoryPayload(repo),
      sender: { login: actor },
      workflow: workflowFile,
    },
    ref: ref.ref,
    filterRef: ref.ref,
    sha: ref.sha,
    headRef: "",
    baseRef: "",
    changedFiles: () => [],
  };
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
  return {
    name: "repository_dispatch",
    payload: {
      action: eventType,
      branch: repo.defaultBranch,
      client_payload: clientPayload,
      repository: repositoryPayload(repo),
      sender: { login: actor },
    },
    ref: head.ref,
    filterRef: head.ref,
    sha: head.sha,
    headRef: "",
    baseRef: "",
    changedFiles: () => [],
  };
}
