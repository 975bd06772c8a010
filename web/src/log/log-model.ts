// A job's log as the job page shows it: split into steps (the server opens each step with an
// empty `##[group]<step>` `##[endgroup]` pair), `::group::` sections foldable inside them, lines
// numbered for links (#L12). Built line by line, so the live tail only adds.

export interface LogRow {
  /** 1-based, across the job (step markers and group ends are not numbered). */
  n: number;
  text: string;
  /** The line's timestamp, when the server stamped it. */
  time: string | null;
  step: number;
  /** The groups this row sits in, outermost first. */
  parents: readonly number[];
  /** Set when the row opens a group (its title). */
  group?: number;
}

export interface LogStep {
  index: number;
  name: string;
  rows: LogRow[];
  startedAt: string | null;
  /** The time of its last line, or of the next step's start. */
  endedAt: string | null;
}

const GROUP = "##[group]";
const END = "##[endgroup]";

/** A line's ISO timestamp (`2026-01-01T00:00:00.000Z text`) and text; checked by position, not a regex (50,000 lines). */
export function splitStamp(raw: string): { time: string | null; text: string } {
  if (
    raw.length >= 20 &&
    raw.charCodeAt(4) === 45 &&
    raw.charCodeAt(10) === 84 &&
    raw.charCodeAt(13) === 58
  ) {
    const space = raw.indexOf(" ", 19);
    const end = space < 0 ? raw.length : space;
    if (raw.charCodeAt(end - 1) === 90 && end <= 35) {
      return { time: raw.slice(0, end), text: space < 0 ? "" : raw.slice(space + 1) };
    }
  }
  return { time: null, text: raw };
}

export class LogModel {
  readonly steps: LogStep[] = [];
  readonly rows: LogRow[] = [];
  /** Bumped on every change (React memo keys). */
  version = 0;
  /** The open groups; replaced (never changed in place), so rows share it. */
  private stack: readonly number[] = [];
  private groups = 0;
  /** A `##[group]` line not yet known to be a step's header or a group's start. */
  private pending: { time: string | null; text: string } | null = null;

  push(raw: string): void {
    const line = splitStamp(raw.endsWith("\r") ? raw.slice(0, -1) : raw);
    this.version++;
    if (this.pending) {
      const held = this.pending;
      this.pending = null;
      if (line.text === END) {
        this.openStep(held.text.slice(GROUP.length), held.time);
        return;
      }
      this.openGroup(held);
    }
    if (line.text.startsWith(GROUP)) {
      this.pending = line;
      return;
    }
    if (line.text === END) {
      this.stack = this.stack.slice(0, -1);
      return;
    }
    this.add(line);
  }

  /** The log is complete: a held `##[group]` line is a group's start. */
  finish(): void {
    if (!this.pending) return;
    const held = this.pending;
    this.pending = null;
    this.version++;
    this.openGroup(held);
  }

  private current(time: string | null): LogStep {
    if (this.steps.length === 0) {
      this.steps.push({ index: 0, name: "Set up job", rows: [], startedAt: time, endedAt: time });
    }
    return this.steps[this.steps.length - 1];
  }

  private openStep(name: string, time: string | null): void {
    const prev = this.steps[this.steps.length - 1];
    if (prev && time) prev.endedAt = time;
    this.stack = [];
    this.steps.push({ index: this.steps.length, name, rows: [], startedAt: time, endedAt: time });
  }

  private openGroup(line: { time: string | null; text: string }): void {
    const id = ++this.groups;
    this.add({ time: line.time, text: line.text.slice(GROUP.length) }, id);
    this.stack = [...this.stack, id];
  }

  private add(line: { time: string | null; text: string }, group?: number): void {
    const step = this.current(line.time);
    const row: LogRow = {
      n: this.rows.length + 1,
      text: line.text,
      time: line.time,
      step: step.index,
      parents: this.stack,
      ...(group ? { group } : {}),
    };
    step.rows.push(row);
    this.rows.push(row);
    if (line.time) step.endedAt = line.time;
  }
}

/** A row of the job page's list: a step's header, or a line of an open step. */
export type ViewRow = { kind: "step"; step: LogStep } | { kind: "line"; row: LogRow };

/**
 * The rows to show: every step's header, and the lines of the open steps whose groups are all
 * open (a group's own title row shows while its parents are open).
 */
export function visibleRows(
  steps: readonly LogStep[],
  openSteps: ReadonlySet<number>,
  openGroups: ReadonlySet<number>,
): ViewRow[] {
  const out: ViewRow[] = [];
  for (const step of steps) {
    out.push({ kind: "step", step });
    if (!openSteps.has(step.index)) continue;
    for (const row of step.rows) {
      if (row.parents.every((g) => openGroups.has(g))) out.push({ kind: "line", row });
    }
  }
  return out;
}
