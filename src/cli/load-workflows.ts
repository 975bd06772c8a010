import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { checkLocalReferences, type LoadedWorkflow, loadWorkflow, type Problem } from "../workflow/index.js";

export interface LoadedSet {
  workflows: LoadedWorkflow[];
  problems: Problem[];
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

/** Loads every file, collecting all problems of all files in one pass. */
export async function loadWorkflowFiles(files: string[], repoRoot: string): Promise<LoadedSet> {
  const workflows: LoadedWorkflow[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const shown = relative(repoRoot, file).startsWith("..") ? file : relative(repoRoot, file);
    let content: string;
    try {
      content = readFileSync(file, "utf8");
    } catch (err) {
      problems.push({ file: shown, line: 1, col: 1, message: (err as Error).message, severity: "error" });
      continue;
    }
    const result = await loadWorkflow(shown, content);
    const own = [...result.problems];
    if (result.workflow) {
      own.push(...checkLocalReferences(result.workflow, repoRoot));
      workflows.push(result.workflow);
    }
    problems.push(...own.sort((a, b) => a.line - b.line || a.col - b.col));
  }
  return { workflows, problems };
}
