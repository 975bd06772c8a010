// The job page lists every step of the job, as GitHub does: the log holds the steps that
// started; the API's `steps` also holds those queued (not started yet) and those skipped.

import type { ViewRow } from "../log/log-model.js";

/** A step the log does not hold, shown after the log's step `after` (-1: before them all). */
export interface SilentStep {
  after: number;
  name: string;
  state: string;
  /** Its number among the job's steps. */
  number: number;
}

export type StepListRow = ViewRow | { kind: "silent"; step: SilentStep };

/**
 * The API's steps missing from the log, each placed after the log step matched before it
 * (steps are matched by name, in order).
 */
export function silentSteps(
  apiSteps: ReadonlyArray<{ name: string; number: number; state: string }>,
  logSteps: ReadonlyArray<{ name: string }>,
): SilentStep[] {
  const out: SilentStep[] = [];
  let next = 0;
  for (const s of apiSteps) {
    let found = -1;
    for (let i = next; i < logSteps.length; i++) {
      if (logSteps[i].name === s.name) {
        found = i;
        break;
      }
    }
    if (found >= 0) next = found + 1;
    else out.push({ after: next - 1, name: s.name, state: s.state, number: s.number });
  }
  return out;
}

/** The log's rows with the silent steps between them, each before the next log step's header. */
export function withSilentSteps(rows: readonly ViewRow[], silent: readonly SilentStep[]): StepListRow[] {
  if (silent.length === 0) return rows as ViewRow[];
  const out: StepListRow[] = [];
  let k = 0;
  for (const row of rows) {
    if (row.kind === "step") {
      while (k < silent.length && silent[k].after < row.step.index)
        out.push({ kind: "silent", step: silent[k++] });
    }
    out.push(row);
  }
  while (k < silent.length) out.push({ kind: "silent", step: silent[k++] });
  return out;
}
