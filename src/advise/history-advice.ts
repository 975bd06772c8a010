// What a repository's run history says: what each workflow costs in runner minutes (and money, at
// a price a minute), and which job holds its runs up (to split). Pure: the caller reads the runs
// and their jobs from a server.
import { median } from "../delivery/index.js";
import type { Advice } from "./advice.js";

export interface StepRecord {
  name: string;
  startedAt: string | null;
  completedAt: string | null;
}

export interface JobRecord {
  name: string;
  startedAt: string | null;
  completedAt: string | null;
  steps: StepRecord[];
}

export interface RunRecord {
  /** The workflow's file (.github/workflows/ci.yml) and name. */
  path: string;
  workflow: string;
  startedAt: string;
  completedAt: string;
  jobs: JobRecord[];
}

/** A job worth splitting takes at least this long (median) … */
const SPLIT_MIN_MS = 5 * 60_000;
/** … and at least this share of its runs' median duration. */
const SPLIT_SHARE = 0.5;
/** Runs of a workflow needed before its history is read. */
const MIN_RUNS = 3;
const WEEK = 7 * 86_400_000;

/** The median of values there are some of. */
const middle = (values: number[]) => median(values) ?? 0;

const span = (from: string | null, to: string | null) =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : undefined;

/** A duration as the web UI prints one: 45s, 4m 05s, 2h 03m. */
export function formatMs(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** Runner minutes of a run as a hosted runner bills them: each job's time rounded up to the minute. */
export function runnerMinutes(run: RunRecord): number {
  return run.jobs.reduce((sum, j) => {
    const ms = span(j.startedAt, j.completedAt);
    return ms === undefined ? sum : sum + Math.max(1, Math.ceil(ms / 60_000));
  }, 0);
}

/** The medians of each job's and each of its steps' durations over `runs`. */
function jobMedians(runs: RunRecord[]) {
  const jobs = new Map<string, { times: number[]; steps: Map<string, number[]> }>();
  for (const run of runs) {
    for (const j of run.jobs) {
      const ms = span(j.startedAt, j.completedAt);
      if (ms === undefined) continue;
      const entry = jobs.get(j.name) ?? { times: [], steps: new Map<string, number[]>() };
      entry.times.push(ms);
      for (const s of j.steps) {
        const sms = span(s.startedAt, s.completedAt);
        if (sms !== undefined) entry.steps.set(s.name, [...(entry.steps.get(s.name) ?? []), sms]);
      }
      jobs.set(j.name, entry);
    }
  }
  return [...jobs].map(([name, e]) => ({
    name,
    median: middle(e.times),
    steps: [...e.steps].map(([step, times]) => ({ name: step, median: middle(times) })),
  }));
}

/**
 * Per workflow with enough runs: its cost (runs a week, median duration, runner minutes a run and
 * a week; money at `pricePerMinute`), and the job to split when one holds its runs up.
 */
export function historyAdvice(runs: RunRecord[], pricePerMinute?: number): Advice[] {
  const byPath = new Map<string, RunRecord[]>();
  for (const r of runs) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
  const out: Advice[] = [];
  for (const [path, list] of [...byPath].sort(([a], [b]) => a.localeCompare(b))) {
    if (list.length < MIN_RUNS) continue;
    const durations = list.map((r) => span(r.startedAt, r.completedAt) ?? 0);
    const runMedian = middle(durations);
    const starts = list.map((r) => Date.parse(r.startedAt));
    const weeks = Math.max((Math.max(...starts) - Math.min(...starts)) / WEEK, 1);
    const perWeek = list.length / weeks;
    const minutes = list.reduce((sum, r) => sum + runnerMinutes(r), 0) / list.length;
    const weekly = minutes * perWeek;
    const money =
      pricePerMinute === undefined
        ? ""
        : ` (${(weekly * pricePerMinute).toFixed(2)} a week at ${pricePerMinute} a minute)`;
    out.push({
      kind: "cost",
      file: path,
      line: 1,
      col: 1,
      message: `${list[0].workflow}: ${round(perWeek)} runs a week over the last ${list.length}, a median ${formatMs(runMedian)} each and ${round(minutes)} runner minutes a run: ${Math.round(weekly)} runner minutes a week${money}`,
    });
    const slowest = jobMedians(list).sort((a, b) => b.median - a.median)[0];
    if (!slowest || slowest.median < SPLIT_MIN_MS || slowest.median < SPLIT_SHARE * runMedian) continue;
    const step = slowest.steps.sort((a, b) => b.median - a.median)[0];
    const inStep = step ? `, ${formatMs(step.median)} of it in step '${step.name}'` : "";
    out.push({
      kind: "split",
      file: path,
      line: 1,
      col: 1,
      message: `job '${slowest.name}' takes a median ${formatMs(slowest.median)} of the run's ${formatMs(runMedian)}${inStep}: split it into jobs that run at once, or shard it across a matrix`,
    });
  }
  return out;
}

const round = (n: number) => Math.round(n * 10) / 10;
