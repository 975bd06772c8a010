// The checks of a commit and the state they add up to, as GitHub's combined status does it
// ("failure if any of the contexts report as error or failure; pending if there are no statuses or a
// context is pending; success if the latest status for all contexts is success"), with the
// repository's required checks deciding what counts:
//   - none configured: every workflow's latest run (per event) for the commit counts;
//   - configured: only those, each "pending" until it has run and finished ("expected", as GitHub shows
//     a required check that has not reported yet), "failure" when it failed or was cancelled.
// A pull request's runs are on its merge commit, and GitHub shows them on its head commit: asking
// about either of a pull request's commits gives the runs of both.
import type { Job, Repo, Run, RunConclusion, Store } from "../store/index.js";
import type { ChecksState } from "./pull-schemas.js";

export interface CommitCheck {
  /** The workflow as "Name (event)", or the required check's name. */
  context: string;
  state: ChecksState;
  description: string;
  /** Whether it counts toward the state: a required check, or any run when none is required. */
  required: boolean;
  /** The run that reported it (undefined: expected, no run yet). */
  run?: Run;
  /** The job, for a "workflow / job" check. */
  job?: Job;
}

export interface CommitChecks {
  /** The commits whose runs were read: the sha and its pull requests' head and merge commits. */
  shas: string[];
  state: ChecksState;
  checks: CommitCheck[];
}

function stateOf(status: string, conclusion: RunConclusion | null): ChecksState {
  // A fork's run waiting for approval has not run yet.
  if (status !== "completed" || conclusion === "action_required") return "pending";
  return conclusion === "success" || conclusion === "skipped" ? "success" : "failure";
}

/** failure beats pending beats success; nothing at all is pending. */
export function combineStates(states: ChecksState[]): ChecksState {
  if (states.includes("failure")) return "failure";
  if (states.length === 0 || states.includes("pending")) return "pending";
  return "success";
}

/** The latest run of each workflow per event (a re-run is the same run, at its latest attempt). */
function latestRuns(runs: Run[]): Run[] {
  const latest = new Map<string, Run>();
  for (const run of runs) {
    const key = `${run.workflowFile}\0${run.event}`;
    const seen = latest.get(key);
    if (!seen || run.id > seen.id) latest.set(key, run);
  }
  return [...latest.values()].sort((a, b) => a.id - b.id);
}

/** "Workflow / job" → its two names; a matrix job's name without its values stands for every leg. */
function splitCheck(name: string): { workflow: string; job?: string } {
  const at = name.indexOf(" / ");
  return at < 0 ? { workflow: name } : { workflow: name.slice(0, at), job: name.slice(at + 3) };
}

async function requiredCheck(store: Store, name: string, runs: Run[]): Promise<CommitCheck> {
  const { workflow, job } = splitCheck(name);
  const matching = runs.filter((r) => r.workflowName === workflow);
  const expected = (description: string): CommitCheck => ({
    context: name,
    state: "pending",
    description,
    required: true,
  });
  if (matching.length === 0) return expected("expected: no run yet");
  if (job === undefined) {
    const states = matching.map((r) => stateOf(r.status, r.conclusion));
    const last = matching.at(-1) as Run;
    return {
      context: name,
      state: combineStates(states),
      description: matching
        .map((r) => `${r.event}: ${r.status === "completed" ? r.conclusion : r.status}`)
        .join(", "),
      required: true,
      run: last,
    };
  }
  const states: ChecksState[] = [];
  const parts: string[] = [];
  let found: { run: Run; job: Job } | undefined;
  for (const run of matching) {
    const jobs = (await store.listJobs(run.id, run.runAttempt)).filter(
      (j) => j.name === job || j.name.startsWith(`${job} (`),
    );
    if (jobs.length === 0) {
      // Not started yet; or the run ended without it (a workflow error): it will never report.
      const ended = run.status === "completed" && run.conclusion !== "success";
      states.push(ended ? "failure" : "pending");
      parts.push(`${run.event}: ${ended ? `the run ended ${run.conclusion} without the job` : "expected"}`);
      continue;
    }
    for (const j of jobs) {
      states.push(stateOf(j.status, j.conclusion));
      found ??= { run, job: j };
    }
    parts.push(
      `${run.event}: ${jobs.map((j) => (j.status === "completed" ? j.conclusion : j.status)).join(", ")}`,
    );
  }
  return {
    context: name,
    state: combineStates(states),
    description: parts.join(", "),
    required: true,
    run: found?.run ?? matching.at(-1),
    job: found?.job,
  };
}

/** The checks of `sha` in `repo` (see the top of this file). */
export async function commitChecks(store: Store, repo: Repo, sha: string): Promise<CommitChecks> {
  const shas = new Set([sha]);
  const { pulls } = await store.listPullRequests({ repoId: repo.id, state: "all", sha, perPage: 100 });
  for (const pr of pulls) {
    shas.add(pr.headSha);
    if (pr.mergeCommitSha) shas.add(pr.mergeCommitSha);
  }
  const all: Run[] = [];
  for (const s of shas)
    all.push(...(await store.listRuns({ repoId: repo.id, headSha: s, perPage: 100 })).runs);
  const runs = latestRuns(all);
  const required = repo.requiredChecks;
  const checks: CommitCheck[] = [];
  for (const name of required) checks.push(await requiredCheck(store, name, runs));
  for (const run of runs) {
    checks.push({
      context: `${run.workflowName} (${run.event})`,
      state: stateOf(run.status, run.conclusion),
      description: run.status === "completed" ? `${run.conclusion}` : run.status.replace("_", " "),
      required: required.length === 0,
      run,
    });
  }
  const counted = checks.filter((c) => c.required).map((c) => c.state);
  return { shas: [...shas], state: combineStates(counted), checks };
}
