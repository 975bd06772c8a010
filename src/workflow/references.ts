import { existsSync } from "node:fs";
import { join } from "node:path";
import type { LoadedWorkflow } from "./load.js";
import type { Problem } from "./problems.js";

/**
 * Checks `uses: ./…` references against the repository on disk. A local action may be
 * created by an earlier step, so a missing one is a warning; a missing local reusable
 * workflow is an error unless the caller says the file stands alone (a corpus file).
 */
export function checkLocalReferences(
  wf: LoadedWorkflow,
  repoRoot: string,
  missingWorkflow: "error" | "warning" = "error",
): Problem[] {
  const problems: Problem[] = [];
  for (const job of wf.template.jobs) {
    if (job.type === "reusableWorkflowJob") {
      const ref = job.ref.value;
      if (ref.startsWith("./") && !existsSync(join(repoRoot, ref.split("@")[0]))) {
        problems.push({
          file: wf.file,
          line: job.ref.range?.start.line ?? 1,
          col: job.ref.range?.start.column ?? 1,
          severity: missingWorkflow,
          message: `Reusable workflow '${ref}' was not found in the repository`,
        });
      }
      continue;
    }
    for (const step of job.steps) {
      const uses = (step as { uses?: { value: string; range?: { start: { line: number; column: number } } } })
        .uses;
      if (!uses?.value.startsWith("./")) continue;
      const dir = join(repoRoot, uses.value);
      if (!existsSync(join(dir, "action.yml")) && !existsSync(join(dir, "action.yaml"))) {
        problems.push({
          file: wf.file,
          line: uses.range?.start.line ?? 1,
          col: uses.range?.start.column ?? 1,
          severity: "warning",
          message: `Local action '${uses.value}' has no action.yml in the repository (fine if an earlier step creates it)`,
        });
      }
    }
  }
  return problems;
}
