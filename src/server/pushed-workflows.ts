import { type LoadResult, WorkflowParsePool } from "../workflow/index.js";

/**
 * The server's parser of workflows read from pushed commits (trigger matching, run start, called
 * workflows, the workflow and dispatch routes): each new file is parsed first in a worker thread
 * with a time limit (GANTRY_WORKFLOW_PARSE_TIMEOUT_MS, default 5 s), so a hostile file fails its
 * run, never the server's event loop. One worker per process, started with the first server.
 */
export const pushedWorkflows = new WorkflowParsePool({
  timeoutMs: Number(process.env.GANTRY_WORKFLOW_PARSE_TIMEOUT_MS) || undefined,
});

/** Starts the worker; says what is wrong when this gantry's bundle lacks it. */
export function startParsingWorkflows(log: (message: string) => void): void {
  const missing = pushedWorkflows.missingWorker;
  if (missing) {
    log(
      `warning: ${missing.pathname} is missing: pushed workflows are parsed on the server's own thread, with no time limit (reinstall gantry)`,
    );
  }
  pushedWorkflows.warm();
}

/** loadWorkflow for a file read from a pushed commit (see pushedWorkflows). */
export function loadPushedWorkflow(file: string, content: string): Promise<LoadResult> {
  return pushedWorkflows.load(file, content);
}
