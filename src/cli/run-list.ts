import { buildWorkflowDef, type JobDef, type LoadedFile, literalString } from "../workflow/index.js";
import type { MatchedWorkflows } from "./run-workflows.js";
import { textTable } from "./text-table.js";

/** Each job's stage: 0 without needs, else one more than the latest stage it needs (act's). */
function stages(jobs: JobDef[]): Map<string, number> {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const out = new Map<string, number>();
  const stageOf = (id: string, seen: Set<string>): number => {
    const known = out.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle is a validation error; it never gets here
    seen.add(id);
    const needs = byId.get(id)?.needs ?? [];
    const stage = needs.length === 0 ? 0 : 1 + Math.max(...needs.map((n) => stageOf(n, seen)));
    out.set(id, stage);
    return stage;
  };
  for (const j of jobs) stageOf(j.id, new Set());
  return out;
}

/**
 * `gantry run --list`: the workflows the event starts and their jobs (with --job: that job and what
 * it needs), one row per job in stage order, as act's --list; then each invalid file it would start.
 */
export function listRuns(
  plan: MatchedWorkflows,
  only?: (wf: MatchedWorkflows["matched"][number]) => Set<string> | undefined,
): string {
  const rows: string[][] = [["Stage", "Job ID", "Job name", "Workflow name", "Workflow file", "Needs"]];
  for (const wf of plan.matched) {
    const def = buildWorkflowDef(wf);
    const keep = only?.(wf);
    const stage = stages(def.jobs);
    const jobs = def.jobs
      .filter((j) => !keep || keep.has(j.id))
      .map((j, order) => ({ j, order, stage: stage.get(j.id) ?? 0 }))
      .sort((a, b) => a.stage - b.stage || a.order - b.order);
    for (const { j, stage: s } of jobs) {
      const name = (j.name && !j.name.isExpression && literalString(j.name)) || j.id;
      rows.push([String(s), j.id, name, wf.name, wf.file, j.needs.join(", ")]);
    }
  }
  const lines = rows.length > 1 ? [textTable(rows)] : [];
  for (const file of plan.broken) lines.push(invalidLine(file));
  return lines.length > 0 ? lines.join("") : "No workflow matched the event.\n";
}

function invalidLine(file: LoadedFile): string {
  const errors = file.problems.filter((p) => p.severity === "error").length;
  return `${file.file}: invalid workflow file (${errors} error(s)): it fails when run\n`;
}
