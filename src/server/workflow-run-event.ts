import type { Json } from "../expressions/index.js";
import type { Repo, Run } from "../store/index.js";
import type { RepoEvent } from "../triggers/index.js";
import { eventAt, repositoryPayload } from "./dispatch-event.js";
import { runJson } from "./github-shapes.js";

/** The activity types of workflow_run, as GitHub names them. */
export type WorkflowRunAction = "requested" | "in_progress" | "completed";

/**
 * A workflow_run event, as GitHub sends it: `workflow_run` is the triggering run in the REST API's
 * shape (its conclusion once completed), `workflow` its workflow; the runs it starts are on the
 * default branch at its head (`head`), whatever branch the triggering run was on.
 */
export function workflowRunEvent(
  repo: Repo,
  head: { ref: string; sha: string },
  run: Run,
  action: WorkflowRunAction,
  base: string,
): RepoEvent {
  const api = `${base}/api/v1/repos/${repo.owner}/${repo.name}/actions`;
  const workflowId = run.workflowFile.split("/").pop() ?? run.workflowFile;
  const triggering = run.github.event as { head_commit?: Json } | undefined;
  const workflowRun: { [key: string]: Json } = {
    ...runJson(run, repo, base),
    workflow_url: `${api}/workflows/${workflowId}`,
    head_commit: triggering?.head_commit ?? null,
    pull_requests: [],
    previous_attempt_url: run.runAttempt > 1 ? `${api}/runs/${run.id}/attempts/${run.runAttempt - 1}` : null,
  };
  return eventAt("workflow_run", head, {
    action,
    workflow_run: workflowRun,
    workflow: {
      id: workflowId,
      node_id: `W_${workflowId}`,
      name: run.workflowName,
      path: run.workflowFile,
      state: "active",
      url: `${api}/workflows/${workflowId}`,
      html_url: `${api}/workflows/${workflowId}`,
    },
    repository: repositoryPayload(repo),
    sender: { login: run.actor },
  });
}
