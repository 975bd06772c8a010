import { basename } from "node:path";
import type { EventBus, Result, RunReport } from "../engine/index.js";
import { plainLogLine } from "./log-line.js";

type State = "queued" | "running" | Result;

const ICON: Record<State, string> = {
  queued: "·",
  running: "●",
  success: "✓",
  failure: "✗",
  cancelled: "⊘",
  skipped: "-",
};

/** SGR colours of each state's icon and word (green, red, yellow, grey). */
const COLOUR: Record<State, string> = {
  queued: "2",
  running: "33",
  success: "32",
  failure: "31",
  cancelled: "2",
  skipped: "2",
};

/** Where the live block puts a job: the ones to watch first (running, then failed). */
const ORDER: Record<State, number> = {
  running: 0,
  failure: 1,
  queued: 2,
  cancelled: 3,
  success: 4,
  skipped: 5,
};

interface JobLine {
  name: string;
  /** `workflow/job`, as act prefixes a job's lines. */
  label: string;
  state: State;
  step?: string;
  started?: number;
  ended?: number;
  tail: string[];
}

/** A duration as `4.2s` under a minute, else `2m5s` (whole seconds, never `2m60s`). */
export function seconds(ms: number): string {
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return s < 3600
    ? `${Math.floor(s / 60)}m${s % 60}s`
    : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m${s % 60}s`;
}

/**
 * Whether to write colours, as https://no-color.org and FORCE_COLOR say: FORCE_COLOR (other than
 * `0` or `false`) turns them on, NO_COLOR (non-empty) off, else on for a terminal that is not `dumb`.
 */
export function wantsColour(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "0" && force !== "false") return true;
  if (env.NO_COLOR) return false;
  if (force !== undefined) return false;
  return isTTY && env.TERM !== "dumb";
}

const TAIL_LINES = 15;

export interface TerminalOptions {
  /** A live block redrawn in place (a terminal), else plain lines prefixed by `[workflow/job]`. */
  live: boolean;
  colour?: boolean;
}

/**
 * What a person sees: on a terminal a live block with a line per job (state, elapsed time,
 * current step) that stays within the screen's height, and the failing step's last lines;
 * elsewhere plain lines prefixed by `[workflow/job]`.
 */
export class TerminalOutput {
  private jobs = new Map<string, JobLine>();
  private workflows = new Map<string, string>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly live: boolean;
  private readonly colour: boolean;

  constructor(
    bus: EventBus,
    private readonly out: NodeJS.WriteStream,
    opts: TerminalOptions,
  ) {
    this.live = opts.live;
    this.colour = opts.colour ?? false;
    bus.on("run:started", (e) => {
      // A workflow without a name: its file's name (its path is the name GitHub shows).
      this.workflows.set(e.runId, e.workflow === e.file ? basename(e.file) : e.workflow);
      if (e.title === e.workflow) return;
      const line = `▶ ${e.title} — ${e.workflow} (${e.file})`;
      if (this.live) this.above([line]);
      else this.print(line);
    });
    bus.on("job:queued", (e) => this.upsert(e.runId, e.jobKey, e.name, "queued"));
    bus.on("job:started", (e) => {
      const j = this.upsert(e.runId, e.jobKey, e.name, "running");
      j.started = Date.now();
      if (!this.live) this.print(`[${j.label}] started`);
    });
    bus.on("step:started", (e) => {
      const j = this.job(e.runId, e.jobKey);
      j.step = e.name;
      if (!this.live) this.print(`[${j.label}] ▶ ${e.name}`);
    });
    bus.on("step:completed", (e) => {
      if (this.live) return;
      const j = this.job(e.runId, e.jobKey);
      const note = e.outcome !== e.conclusion ? ` (${e.outcome}, continue-on-error)` : "";
      this.print(`[${j.label}] ${this.icon(e.conclusion)} ${e.name}${note}`);
    });
    bus.on("job:log", (e) => {
      // A step's header (its script, with: and env:) is for the log files; the step's name says enough here.
      if (e.header) return;
      const text = plainLogLine(e.line);
      if (text === undefined) return;
      const j = this.job(e.runId, e.jobKey);
      // A line of several (an annotation's message with %0A) is several lines, each with its prefix.
      for (const line of text.split(/\r?\n/)) {
        j.tail.push(line);
        if (j.tail.length > TAIL_LINES) j.tail.shift();
        if (!this.live) this.print(`[${j.label}] | ${line}`);
      }
    });
    bus.on("job:completed", (e) => {
      const j = this.upsert(e.runId, e.jobKey, e.name, e.result);
      if (j.started !== undefined) j.ended = Date.now();
      j.step = e.failedStep;
      if (this.live) {
        if (e.result === "failure") {
          this.above([
            `${this.icon("failure")} ${e.name} failed${e.failedStep ? ` at step '${e.failedStep}'` : ""}:`,
            ...j.tail.map((l) => `    ${l}`),
          ]);
        }
      } else {
        this.print(`[${j.label}] ${this.icon(e.result)} job ${e.result}`);
      }
    });
    bus.on("run:annotation", (e) => {
      const lines = `${e.level}: ${e.text}`.split(/\r?\n/).map((l) => `${e.workflow}: ${l}`);
      if (this.live) this.above(lines);
      else for (const l of lines) this.print(l);
    });
    if (this.live) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
  }

  private paint(state: State, text: string): string {
    return this.colour ? `\x1b[${COLOUR[state]}m${text}\x1b[0m` : text;
  }

  private icon(state: State): string {
    return this.paint(state, ICON[state]);
  }

  private job(runId: string, key: string): JobLine {
    return this.jobs.get(key) ?? this.upsert(runId, key, key, "queued");
  }

  private upsert(runId: string, key: string, name: string, state: State): JobLine {
    const workflow = this.workflows.get(runId);
    const label = workflow ? `${workflow}/${name}` : name;
    let j = this.jobs.get(key);
    if (!j) {
      j = { name, label, state, tail: [] };
      this.jobs.set(key, j);
    }
    j.name = name;
    j.label = label;
    j.state = state;
    return j;
  }

  private print(line: string): void {
    this.out.write(`${line}\n`);
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  /** Prints lines above the live block, which is then redrawn below them. */
  private above(lines: string[]): void {
    this.clear();
    for (const l of lines) this.print(l);
    this.draw();
  }

  /** The live block's lines: never more than the screen holds, so a redraw never scrolls. */
  blockLines(now = Date.now()): string[] {
    const width = this.out.columns || 100;
    const height = Math.max(2, (this.out.rows || 24) - 1);
    const jobs = [...this.jobs.values()];
    const shown = jobs.length > height ? [...jobs].sort((a, b) => ORDER[a.state] - ORDER[b.state]) : jobs;
    const room = jobs.length > height ? height - 1 : jobs.length;
    const fit = (text: string) => (text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text);
    const lines = shown.slice(0, room).map((j) => {
      const elapsed = j.started ? seconds((j.ended ?? now) - j.started) : "";
      const step = j.state === "running" && j.step ? `  › ${j.step}` : "";
      const row = fit(`${ICON[j.state]} ${j.name}  ${j.state}  ${elapsed}${step}`);
      // The icon and state word in colour (after fitting, so the escapes take no room).
      return this.colour ? this.paint(j.state, row.slice(0, 1)) + row.slice(1) : row;
    });
    const rest = shown.slice(room);
    if (rest.length > 0) {
      const counts = new Map<State, number>();
      for (const j of rest) counts.set(j.state, (counts.get(j.state) ?? 0) + 1);
      const parts = [...counts].map(([state, n]) => `${n} ${state}`);
      lines.push(fit(`  … and ${rest.length} more jobs (${parts.join(", ")})`));
    }
    return lines;
  }

  private draw(): void {
    this.clear();
    const lines = this.blockLines();
    for (const l of lines) this.print(l);
    this.drawn = lines.length;
  }

  /** Stops the live view and prints the summary. */
  finish(report: RunReport): void {
    if (this.timer) clearInterval(this.timer);
    // The summary lists every job: the live block goes.
    if (this.live) this.clear();
    if (report.runs.length === 0) {
      this.print("No workflow matched the event.");
      return;
    }
    this.print("");
    for (const run of report.runs) {
      // The run's title (its run-name, else the commit message …) first, as GitHub lists runs.
      const title = run.title && run.title !== run.workflow ? `${run.title} — ` : "";
      this.print(
        `${this.icon(run.conclusion)} ${title}${run.workflow} (${run.file}): ${this.paint(run.conclusion, run.conclusion)}`,
      );
      if (run.problems?.length) this.print("    invalid workflow file:");
      for (const problem of run.problems ?? []) this.print(`      ${problem}`);
      for (const job of run.jobs) {
        const took =
          job.startedAt && job.completedAt
            ? ` in ${seconds(Date.parse(job.completedAt) - Date.parse(job.startedAt))}`
            : "";
        this.print(`    ${this.icon(job.result)} ${job.name}: ${this.paint(job.result, job.result)}${took}`);
      }
    }
  }
}
