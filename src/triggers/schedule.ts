// `on: schedule` with croner, in UTC, POSIX five-field cron (day of month and day of week: either
// matches, as POSIX says). Per (workflow file, cron) the store records the last tick run; from it
// and the clock, `dueSchedules` says what to run now:
//   - never a tick twice: a tick at or before the recorded one never runs again, after a restart too;
//   - missed ticks are not replayed in a burst: when several passed while the server was down, only
//     the latest runs, once, late. GitHub documents that scheduled runs "can be delayed during periods
//     of high loads" and that "some queued jobs may be dropped"; it never makes up for lost ticks. A
//     late run is what a delayed one is on GitHub; the older missed ticks are the dropped ones;
//   - a schedule seen for the first time starts from now: a new workflow does not run for the past.
// Workflows sharing a cron string are due together and run from one event: its payload names the
// cron (github.event.schedule), which is how `on:` matching tells the workflows apart.
import { Cron } from "croner";
import type { Json } from "../expressions/index.js";
import type { RepoEvent } from "./repo-event.js";
import { type RepoIdentity, repositoryPayload } from "./repository.js";

/** A cron expression GitHub would not accept, with the reason. */
export class CronError extends Error {
  readonly code = "ERR_CRON";
}

const cache = new Map<string, Cron>();

/** The cron's schedule in UTC; throws CronError naming what is wrong. */
export function parseCron(cron: string): Cron {
  let parsed = cache.get(cron);
  if (!parsed) {
    try {
      parsed = new Cron(cron.trim(), { timezone: "UTC", mode: "5-part", domAndDow: false });
    } catch (err) {
      throw new CronError(`invalid cron '${cron}': ${(err as Error).message.replace(/^CronPattern: /, "")}`);
    }
    cache.set(cron, parsed);
  }
  return parsed;
}

/** The first tick strictly after `after`. */
export function nextTick(cron: string, after: Date): Date | undefined {
  return parseCron(cron).nextRun(after) ?? undefined;
}

/** The latest tick at or before `at`. */
export function latestTick(cron: string, at: Date): Date | undefined {
  // previousRuns excludes its reference: step past it so a tick at exactly `at` counts.
  return parseCron(cron).previousRuns(1, new Date(at.getTime() + 1))[0];
}

/**
 * For one schedule: the tick to run now (undefined: none), and what to record as its last tick.
 * See the top of this file.
 */
export function dueTick(cron: string, lastTick: Date | undefined, now: Date): { run?: Date; record: Date } {
  if (lastTick === undefined) return { record: now };
  const latest = latestTick(cron, now);
  if (latest !== undefined && latest.getTime() > lastTick.getTime()) return { run: latest, record: latest };
  return { record: lastTick };
}

/** One `on: schedule` entry of a workflow on the default branch. */
export interface ScheduleEntry {
  /** The workflow file, e.g. .github/workflows/nightly.yml. */
  file: string;
  cron: string;
}

/** The store's key for an entry's last tick. */
export function scheduleKey(entry: ScheduleEntry): string {
  return `${entry.file}\n${entry.cron}`;
}

/** The entries of the default branch's workflows: file → its `on.schedule[].cron` list. */
export function scheduleEntries(
  workflows: readonly { file: string; crons: readonly string[] }[],
): ScheduleEntry[] {
  const entries: ScheduleEntry[] = [];
  for (const wf of workflows) {
    for (const cron of new Set(wf.crons)) entries.push({ file: wf.file, cron });
  }
  return entries;
}

export interface DueSchedule {
  cron: string;
  tick: Date;
  /** The workflow files it starts. */
  files: string[];
}

/**
 * What is due now across entries (grouped by cron string), and the last tick to record per entry
 * key. Record before starting the runs: a crash in between loses a tick rather than running it twice.
 */
export function dueSchedules(
  entries: readonly ScheduleEntry[],
  lastTicks: ReadonlyMap<string, Date>,
  now: Date,
): { due: DueSchedule[]; record: Map<string, Date> } {
  const record = new Map<string, Date>();
  const byCron = new Map<string, DueSchedule>();
  for (const entry of entries) {
    const key = scheduleKey(entry);
    const decision = dueTick(entry.cron, lastTicks.get(key), now);
    record.set(key, decision.record);
    if (decision.run === undefined) continue;
    const group = byCron.get(entry.cron);
    if (group) {
      group.files.push(entry.file);
      if (decision.run > group.tick) group.tick = decision.run;
    } else byCron.set(entry.cron, { cron: entry.cron, tick: decision.run, files: [entry.file] });
  }
  return { due: [...byCron.values()], record };
}

/** When the scheduler should look again: the earliest next tick of any entry (undefined: none). */
export function nextWake(entries: readonly ScheduleEntry[], now: Date): Date | undefined {
  let wake: Date | undefined;
  for (const entry of entries) {
    const next = nextTick(entry.cron, now);
    if (next && (!wake || next < wake)) wake = next;
  }
  return wake;
}

/** The schedule event for a due cron: on the default branch's tip, payload as GitHub's. */
export function scheduleEvent(repo: RepoIdentity, cron: string, sha: string): RepoEvent {
  const ref = `refs/heads/${repo.defaultBranch}`;
  const payload: { [key: string]: Json } = { schedule: cron, repository: repositoryPayload(repo) };
  return {
    name: "schedule",
    payload,
    ref,
    filterRef: ref,
    sha,
    headRef: "",
    baseRef: "",
    changedFiles: () => [],
  };
}
