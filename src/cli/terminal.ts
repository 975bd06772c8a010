import type { EventBus, Result, RunReport } from "../engine/index.js";
import { plainLogLine } from "./log-line.js";

const ICON: Record<string, string> = {
  queued: "·",
  running: "●",
  success: "✓",
  failure: "✗",
  cancelled: "⊘",
  skipped: "-",
};

interface JobLine {
  name: string;
  state: "queued" | "running" | Result;
  step?: string;
  started?: number;
  ended?: number;
  tail: string[];
}

function seconds(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)}s`
    : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

const TAIL_LINES = 15;

/**
 * What a person sees: on a terminal a live block with a line per job (state, elapsed time,
 * current step) and the failing step's last lines; elsewhere plain lines prefixed by job.
 */
export class TerminalOutput {
  private jobs = new Map<string, JobLine>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    bus: EventBus,
    private readonly out: NodeJS.WriteStream,
    private readonly live: boolean,
  ) {
    bus.on("run:started", (e) => {
      if (e.title === e.workflow) return;
      const line = `▶ ${e.title} — ${e.workflow} (${e.file})`;
      if (this.live) this.above([line]);
      else this.print(line);
    });
    bus.on("job:queued", (e) => this.upsert(e.jobKey, e.name, "queued"));
    bus.on("job:started", (e) => {
      const j = this.upsert(e.jobKey, e.name, "running");
      j.started = Date.now();
      if (!this.live) this.print(`[${e.name}] started`);
    });
    bus.on("step:started", (e) => {
      const j = this.jobs.get(e.jobKey);
      if (j) j.step = e.name;
      if (!this.live) this.print(`[${j?.name ?? e.jobKey}] ▶ ${e.name}`);
    });
    bus.on("step:completed", (e) => {
      if (this.live) return;
      const j = this.jobs.get(e.jobKey);
      const note = e.outcome !== e.conclusion ? ` (${e.outcome}, continue-on-error)` : "";
      this.print(`[${j?.name ?? e.jobKey}] ${ICON[e.conclusion]} ${e.name}${note}`);
    });
    bus.on("job:log", (e) => {
      // A step's header (its script, with: and env:) is for the log files; the step's name says enough here.
      if (e.header) return;
      const line = plainLogLine(e.line);
      if (line === undefined) return;
      const j = this.jobs.get(e.jobKey);
      if (j) {
        j.tail.push(line);
        if (j.tail.length > TAIL_LINES) j.tail.shift();
      }
      if (!this.live) this.print(`[${j?.name ?? e.jobKey}] | ${line}`);
    });
    bus.on("job:completed", (e) => {
      const j = this.upsert(e.jobKey, e.name, e.result);
      j.ended = Date.now();
      j.step = e.failedStep;
      if (this.live) {
        if (e.result === "failure") {
          this.above([
            `✗ ${e.name} failed${e.failedStep ? ` at step '${e.failedStep}'` : ""}:`,
            ...j.tail.map((l) => `    ${l}`),
          ]);
        }
      } else {
        this.print(`[${e.name}] ${ICON[e.result]} job ${e.result}`);
      }
    });
    bus.on("run:annotation", (e) => {
      const line = `${e.workflow}: ${e.level}: ${e.text}`;
      if (this.live) this.above([line]);
      else this.print(line);
    });
    if (live) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
  }

  private upsert(key: string, name: string, state: JobLine["state"]): JobLine {
    let j = this.jobs.get(key);
    if (!j) {
      j = { name, state, tail: [] };
      this.jobs.set(key, j);
    }
    j.name = name;
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

  private draw(): void {
    this.clear();
    const width = this.out.columns || 100;
    const now = Date.now();
    const rows = [...this.jobs.values()].map((j) => {
      const elapsed = j.started ? seconds((j.ended ?? now) - j.started) : "";
      const step = j.state === "running" && j.step ? `  › ${j.step}` : "";
      const row = `${ICON[j.state]} ${j.name}  ${j.state}  ${elapsed}${step}`;
      return row.length > width - 1 ? `${row.slice(0, width - 2)}…` : row;
    });
    for (const r of rows) this.print(r);
    this.drawn = rows.length;
  }

  /** Stops the live view and prints the summary. */
  finish(report: RunReport): void {
    if (this.timer) clearInterval(this.timer);
    if (this.live) {
      this.draw();
      this.drawn = 0;
    }
    if (report.runs.length === 0) {
      this.print("No workflow matched the event.");
      return;
    }
    this.print("");
    for (const run of report.runs) {
      // The run's title (its run-name, else the commit message …) first, as GitHub lists runs.
      const title = run.title && run.title !== run.workflow ? `${run.title} — ` : "";
      this.print(`${ICON[run.conclusion]} ${title}${run.workflow} (${run.file}): ${run.conclusion}`);
      if (run.problems?.length) this.print("    invalid workflow file:");
      for (const problem of run.problems ?? []) this.print(`      ${problem}`);
      for (const job of run.jobs) {
        const took =
          job.startedAt && job.completedAt
            ? ` in ${seconds(Date.parse(job.completedAt) - Date.parse(job.startedAt))}`
            : "";
        this.print(`    ${ICON[job.result]} ${job.name}: ${job.result}${took}`);
      }
    }
  }
}
