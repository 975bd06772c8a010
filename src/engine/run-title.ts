import { evaluateString, type Json } from "../expressions/index.js";
import { formatProblem, type LoadedWorkflow, problemAt } from "../workflow/index.js";

/** What a run's title came to: the `run-name` evaluated, or why it could not be. */
export interface RunNameResult {
  /** The evaluated run-name; undefined when the workflow has none, it failed, or it is empty. */
  title?: string;
  /** Why evaluating it failed, as file:line:col: message. */
  problem?: string;
}

/** Whether the workflow has a `run-name` (only then does its title read the vars). */
export function hasRunName(workflow: Pick<LoadedWorkflow, "root">): boolean {
  return Boolean(workflow.root.find("run-name"));
}

/**
 * Evaluates a workflow's `run-name` with the github, inputs and vars contexts (the only ones GitHub
 * gives it), for every event.
 */
export function evaluateRunName(
  workflow: Pick<LoadedWorkflow, "file" | "root">,
  contexts: { github: Record<string, Json>; inputs: Record<string, Json>; vars: Record<string, Json> },
): RunNameResult {
  const token = workflow.root.find("run-name");
  if (!token) return {};
  try {
    const title = evaluateString(token, contexts).trim();
    return title ? { title } : {};
  } catch (err) {
    const message = `run-name: ${(err as Error).message}`;
    return { problem: formatProblem(problemAt(workflow.file, token, "error", message)) };
  }
}

/**
 * The title GitHub shows for a run (`display_title`): its run-name, else the head commit's
 * message (first line) of a push, the pull request's title, else the workflow's name.
 */
export function defaultRunTitle(workflowName: string, payload: Record<string, Json> | undefined): string {
  const event = payload as
    | { head_commit?: { message?: unknown }; pull_request?: { title?: unknown } }
    | undefined;
  const message = event?.head_commit?.message;
  if (typeof message === "string" && message.trim()) return message.trim().split("\n")[0];
  const title = event?.pull_request?.title;
  if (typeof title === "string" && title.trim()) return title.trim();
  return workflowName;
}
