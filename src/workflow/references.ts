import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { StringToken } from "@actions/workflow-parser/templates/tokens/string-token";
import { parseActionManifest } from "./action-manifest.js";
import { fileSizeProblem } from "./bounded-parse.js";
import type { LoadedWorkflow } from "./load.js";
import { type Problem, problemAt } from "./problems.js";

/**
 * Checks `uses: ./…` references against the repository on disk. A local action may be
 * created by an earlier step, so a missing one is a warning; a missing local reusable
 * workflow is an error unless the caller says the file stands alone (a corpus file). A local
 * action's own action.yml is checked too (and composite actions' local actions, once each).
 */
export function checkLocalReferences(
  wf: LoadedWorkflow,
  repoRoot: string,
  missingWorkflow: "error" | "warning" = "error",
): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const job of wf.template.jobs) {
    if (job.type === "reusableWorkflowJob") {
      const ref = job.ref.value;
      if (ref.startsWith("./") && !existsSync(join(repoRoot, ref.split("@")[0]))) {
        const message = `Reusable workflow '${ref}' was not found in the repository`;
        problems.push(problemAt(wf.file, job.ref, missingWorkflow, message));
      }
      continue;
    }
    for (const step of job.steps) {
      const uses = (step as { uses?: StringToken }).uses;
      if (!uses?.value.startsWith("./")) continue;
      const dir = join(repoRoot, uses.value);
      if (!existsSync(join(dir, "action.yml")) && !existsSync(join(dir, "action.yaml"))) {
        const message = `Local action '${uses.value}' has no action.yml in the repository (fine if an earlier step creates it)`;
        problems.push(problemAt(wf.file, uses, "warning", message));
      } else {
        problems.push(...checkLocalAction(dir, repoRoot, seen));
      }
    }
  }
  return problems;
}

/** Problems of a local action's metadata, and of the local actions its composite steps use. */
function checkLocalAction(dir: string, repoRoot: string, seen: Set<string>): Problem[] {
  if (seen.has(dir)) return [];
  seen.add(dir);
  const file = ["action.yml", "action.yaml"].map((n) => join(dir, n)).find((f) => existsSync(f));
  if (!file) return [];
  const tooBig = fileSizeProblem(relative(repoRoot, file), statSync(file).size);
  if (tooBig) return [tooBig];
  const { manifest, problems } = parseActionManifest(relative(repoRoot, file), readFileSync(file, "utf8"));
  if (manifest?.runs.using === "composite") {
    for (const step of manifest.runs.steps) {
      if (step.uses?.startsWith("./"))
        problems.push(...checkLocalAction(join(repoRoot, step.uses), repoRoot, seen));
    }
  }
  return problems;
}
