import { createHash } from "node:crypto";
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

/** loadWorkflow for a file read from a pushed commit (see pushedWorkflows): a parse of the caller's own. */
export function loadPushedWorkflow(file: string, content: string): Promise<LoadResult> {
  return pushedWorkflows.load(file, content);
}

/** Parses kept for looks that only read them (peekPushedWorkflow): how many, and their files' bytes. */
const KEPT_PARSES = 64;
const KEPT_SOURCE_BYTES = 2 * 1024 * 1024;

/**
 * Workflows parsed for a look (which events start them, their schedules), by file and content,
 * least recently used first. A parse read by a look is never changed by it; one handed to a run
 * (takePushedWorkflow) is the run's alone, and leaves this at once. Every push reads every workflow
 * file of its commit, and the next tick the default branch's again, mostly the same files each time.
 */
const kept = new Map<string, { result: LoadResult; bytes: number }>();
let keptBytes = 0;

function keyOf(file: string, content: string): string {
  return createHash("sha256").update(file).update("\0").update(content).digest("hex");
}

function forget(key: string): LoadResult | undefined {
  const entry = kept.get(key);
  if (!entry) return undefined;
  kept.delete(key);
  keptBytes -= entry.bytes;
  return entry.result;
}

/**
 * A file's parse for a look that only reads it (never changes it, nor hands it to a run): the kept
 * one, else a new one, then kept (a file that does not parse to a workflow is not kept).
 */
export async function peekPushedWorkflow(file: string, content: string): Promise<LoadResult> {
  const key = keyOf(file, content);
  const known = forget(key);
  const result = known ?? (await loadPushedWorkflow(file, content));
  const bytes = Buffer.byteLength(content, "utf8");
  if (result.workflow && bytes <= KEPT_SOURCE_BYTES / 8 && !kept.has(key)) {
    kept.set(key, { result, bytes });
    keptBytes += bytes;
    while (kept.size > KEPT_PARSES || keptBytes > KEPT_SOURCE_BYTES)
      forget(kept.keys().next().value as string);
  }
  return result;
}

/**
 * A file's parse of the caller's own (a run's, which it may change): the kept one when there is one,
 * no longer kept, else a new one.
 */
export function takePushedWorkflow(file: string, content: string): Promise<LoadResult> {
  const known = forget(keyOf(file, content));
  return known ? Promise.resolve(known) : loadPushedWorkflow(file, content);
}

/** Forgets every kept parse (tests). */
export function forgetPushedWorkflows(): void {
  kept.clear();
  keptBytes = 0;
}
