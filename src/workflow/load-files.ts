import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileSizeProblem } from "./bounded-parse.js";
import { type LoadedWorkflow, type LoadResult, loadWorkflow } from "./load.js";
import type { Problem } from "./problems.js";
import { checkLocalReferences } from "./references.js";
import { checkCalls } from "./workflow-call.js";

/** One file of the set: its workflow (when it could be read) and every problem that concerns it. */
export interface LoadedFile {
  /** The path shown (relative to the repository when inside it). */
  file: string;
  workflow?: LoadedWorkflow;
  /** Its own problems, its calls', and the errors of the called files outside the set it reaches. */
  problems: Problem[];
}

export interface LoadedSet {
  /** Every file that could be read as a workflow, errors or not. */
  workflows: LoadedWorkflow[];
  /** All problems of all files, each file's together. */
  problems: Problem[];
  /** The same, per file, in the order given. */
  files: LoadedFile[];
}

/** The workflow files at PATH: the file itself, or every .yml/.yaml directly in the folder. */
export function listWorkflowFiles(path: string): string[] {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return [];
  if (info.isFile()) return [path];
  return readdirSync(path)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(path, f));
}

/** How a file's content becomes a workflow: loadWorkflow, or the server's WorkflowParsePool.load. */
export type LoadWorkflow = (file: string, content: string) => Promise<LoadResult>;

/** A file's text, or the problem that stops it being read (too big: it is not read at all). */
function readWorkflowFile(path: string, shown: string): { content: string } | { problem?: Problem } {
  try {
    const tooBig = fileSizeProblem(shown, statSync(path).size);
    if (tooBig) return { problem: tooBig };
    return { content: readFileSync(path, "utf8") };
  } catch (err) {
    return { problem: { file: shown, line: 1, col: 1, message: (err as Error).message, severity: "error" } };
  }
}

/** The path shown for a file: relative to the repository when it is inside it. */
function shownPath(file: string, repoRoot: string): string {
  return relative(repoRoot, file).startsWith("..") ? file : relative(repoRoot, file);
}

/**
 * Loads every file, collecting all problems of all files in one pass: each file's own, then its
 * calls of local reusable workflows (a called file outside the set is loaded and checked too).
 * `load` parses one file (default: loadWorkflow, in this thread).
 */
export async function loadWorkflowFiles(
  paths: string[],
  repoRoot: string,
  load: LoadWorkflow = loadWorkflow,
): Promise<LoadedSet> {
  const workflows: LoadedWorkflow[] = [];
  const problems: Problem[] = [];
  const files: LoadedFile[] = [];
  const byPath = new Map<string, Promise<LoadedWorkflow | undefined>>();
  // The errors of each called file that is not in the set, by its path.
  const extra = new Map<string, Problem[]>();
  const loadLocal = (path: string): Promise<LoadedWorkflow | undefined> => {
    let p = byPath.get(path);
    if (!p) {
      p = (async () => {
        const read = readWorkflowFile(join(repoRoot, path), path);
        // checkLocalReferences reports a missing file
        if (!("content" in read)) {
          if (read.problem && existsSync(join(repoRoot, path))) extra.set(path, [read.problem]);
          return undefined;
        }
        const result = await load(path, read.content);
        extra.set(
          path,
          result.problems.filter((p) => p.severity === "error"),
        );
        return result.problems.some((p) => p.severity === "error") ? undefined : result.workflow;
      })();
      byPath.set(path, p);
    }
    return p;
  };
  for (const path of paths) {
    const shown = shownPath(path, repoRoot);
    const read = readWorkflowFile(path, shown);
    if (!("content" in read)) {
      if (read.problem) problems.push(read.problem);
      files.push({ file: shown, problems: read.problem ? [read.problem] : [] });
      continue;
    }
    const result = await load(shown, read.content);
    const own = [...result.problems];
    if (result.workflow) {
      own.push(...checkLocalReferences(result.workflow, repoRoot));
      workflows.push(result.workflow);
      const valid = result.problems.some((p) => p.severity === "error") ? undefined : result.workflow;
      if (!byPath.has(shown)) byPath.set(shown, Promise.resolve(valid));
    }
    own.sort((a, b) => a.line - b.line || a.col - b.col);
    problems.push(...own);
    files.push({ file: shown, workflow: result.workflow, problems: own });
  }
  const reachedBy = new Map<LoadedFile, Set<string>>();
  for (const entry of files) {
    const wf = entry.workflow;
    if (!wf || wf.problems.some((p) => p.severity === "error")) continue;
    const reached = new Set<string>();
    reachedBy.set(entry, reached);
    const calls = await checkCalls(wf, (path) => {
      reached.add(path);
      return loadLocal(path);
    });
    calls.sort((a, b) => a.line - b.line || a.col - b.col);
    problems.push(...calls);
    entry.problems.push(...calls);
  }
  // A called file that is not in the set: its errors too, since the run would read it.
  for (const list of extra.values()) problems.push(...list);
  for (const [entry, reached] of reachedBy) {
    for (const path of reached) entry.problems.push(...(extra.get(path) ?? []));
  }
  return { workflows, problems, files };
}
