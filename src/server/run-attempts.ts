import type { Run, RunConclusion, Store } from "../store/index.js";

/**
 * The run as one of its attempts shows it: the latest as the runs row holds it, an earlier one
 * with its own status, conclusion, times and problems as it ended (kept by the re-run that
 * replaced it). An attempt re-run before attempts were kept is read from its jobs. Undefined for
 * an attempt the run does not have.
 */
export async function runAtAttempt(store: Store, run: Run, attempt: number): Promise<Run | undefined> {
  if (attempt === run.runAttempt) return run;
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > run.runAttempt) return undefined;
  const kept = await store.getRunAttempt(run.id, attempt);
  if (kept) {
    return {
      ...run,
      runAttempt: attempt,
      status: kept.status,
      conclusion: kept.conclusion,
      problems: kept.problems,
      startedAt: kept.startedAt,
      completedAt: kept.completedAt,
      updatedAt: kept.updatedAt,
    };
  }
  const jobs = await store.listJobs(run.id, attempt);
  const results = jobs.map((j) => j.conclusion ?? "cancelled");
  const conclusion: RunConclusion = results.includes("failure")
    ? "failure"
    : results.includes("cancelled")
      ? "cancelled"
      : results.length > 0 && results.every((r) => r === "skipped")
        ? "skipped"
        : results.length > 0
          ? "success"
          : "failure";
  const times = (pick: (j: (typeof jobs)[number]) => string | null) =>
    jobs
      .map(pick)
      .filter((t): t is string => t !== null)
      .sort();
  const started = times((j) => j.startedAt);
  const completed = times((j) => j.completedAt);
  const completedAt = completed.at(-1) ?? run.createdAt;
  return {
    ...run,
    runAttempt: attempt,
    status: "completed",
    conclusion,
    problems: [],
    startedAt: started[0] ?? null,
    completedAt,
    updatedAt: completedAt,
  };
}
