import { existsSync } from "node:fs";
import { join } from "node:path";
import type { StringToken } from "@actions/workflow-parser/templates/tokens/string-token";
import type { LoadedWorkflow } from "./load.js";
import { type Problem, problemAt } from "./problems.js";

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
      }
    }
  }
  return problems;
}
