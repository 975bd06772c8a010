import type { WorkflowTemplate } from "@actions/workflow-parser/model/workflow-template";
import type { Problem } from "./problems.js";

/**
 * The parser checks `needs` only when some job has none; when every job has needs it stops
 * at "must contain at least one job with no dependencies". This reports what it then leaves
 * out: each unknown need and each need on a cycle, at the need's position.
 */
export function checkJobGraph(file: string, template: WorkflowTemplate): Problem[] {
  const jobs = template.jobs;
  if (jobs.length === 0 || jobs.some((j) => !j.needs || j.needs.length === 0)) return [];
  const ids = new Set(jobs.map((j) => j.id.value));
  const problems: Problem[] = [];
  for (const job of jobs) {
    for (const need of job.needs ?? []) {
      const known = ids.has(need.value);
      problems.push({
        file,
        line: need.range?.start.line ?? 1,
        col: need.range?.start.column ?? 1,
        severity: "error",
        message: known
          ? `Job '${job.id.value}' depends on job '${need.value}' which creates a cycle in the dependency graph.`
          : `Job '${job.id.value}' depends on unknown job '${need.value}'.`,
      });
    }
  }
  return problems;
}
