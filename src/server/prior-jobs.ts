import type { JobReport, PriorJob, Result } from "../engine/index.js";
import type { Job } from "../store/index.js";

/** The job id (top-level `jobs.<id>`) an engine job key belongs to. */
export function topJobId(jobKey: string, workflowFile: string): string {
  const rest = jobKey.startsWith(`${workflowFile}/`) ? jobKey.slice(workflowFile.length + 1) : jobKey;
  return rest.split("/")[0];
}

function aggregate(results: Result[]): Result {
  if (results.includes("failure")) return "failure";
  if (results.includes("cancelled")) return "cancelled";
  if (results.length > 0 && results.every((r) => r === "skipped")) return "skipped";
  return "success";
}

/** Stored jobs grouped by their top-level job id, in the order they were added. */
export function groupJobs(jobs: Job[], workflowFile: string): Map<string, Job[]> {
  const groups = new Map<string, Job[]>();
  for (const job of jobs) {
    const id = topJobId(job.key, workflowFile);
    groups.set(id, [...(groups.get(id) ?? []), job]);
  }
  return groups;
}

/** A stored job as the run report shows it. */
export function jobReport(job: Job, id: string): JobReport {
  return {
    id,
    name: job.name,
    matrix: job.matrix,
    result: job.conclusion ?? "cancelled",
    outputs: job.outputs,
    startedAt: job.startedAt,
    completedAt: job.completedAt,
    ...(job.logPath ? { log: job.logPath } : {}),
    steps: [],
  };
}

/**
 * The jobs of an attempt that already finished (every leg completed), as the engine takes them
 * back: a recovered run and a re-run of failed jobs go on from here.
 */
export function priorJobs(jobs: Job[], workflowFile: string): Record<string, PriorJob> {
  const prior: Record<string, PriorJob> = {};
  for (const [id, legs] of groupJobs(jobs, workflowFile)) {
    if (!legs.every((j) => j.status === "completed" && j.conclusion !== null)) continue;
    const outputs: Record<string, string> = {};
    for (const leg of legs) Object.assign(outputs, leg.outputs);
    prior[id] = {
      result: aggregate(legs.map((j) => j.conclusion as Result)),
      outputs,
      reports: legs.map((j) => jobReport(j, id)),
    };
  }
  return prior;
}
