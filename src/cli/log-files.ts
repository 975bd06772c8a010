import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { EventBus, Result } from "../engine/index.js";

/** ANSI escape sequences (colours, cursor moves), which a plain-text log leaves out. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[ -/]*[@-~]`, "g");

const ICON: Record<Result, string> = { success: "✓", failure: "✗", cancelled: "⊘", skipped: "-" };

function safe(name: string): string {
  return name.replace(/[^\w.,() -]+/g, "_").trim() || "job";
}

/** A time as GitHub stamps each line of a log it serves: `2024-01-01T00:00:00.0000000Z`. */
export function logTimestamp(at: Date): string {
  return at.toISOString().replace(/Z$/, "0000Z");
}

/**
 * Writes one plain-text log per job, line by line as it comes, as a downloaded GitHub log reads:
 * each line stamped, GitHub's markers kept (`##[group]`, `##[endgroup]`, `##[error]` …; each step
 * opens with its name as an empty group, as the server's logs do, then the runner's header), ANSI
 * stripped; already masked. Each step's result and the job's close their parts.
 */
export class LogFiles {
  private files = new Map<string, { fd: number; path: string }>();
  private used = new Set<string>();

  constructor(
    bus: EventBus,
    private readonly dir: string,
  ) {
    bus.on("step:started", (e) => {
      this.write(e.jobKey, `##[group]${e.name}`);
      this.write(e.jobKey, "##[endgroup]");
    });
    bus.on("job:log", (e) => {
      for (const line of e.line.split(/\r?\n/)) this.write(e.jobKey, line);
    });
    bus.on("step:completed", (e) => {
      const note = e.outcome !== e.conclusion ? ` (${e.outcome}, continue-on-error)` : "";
      this.write(e.jobKey, `${ICON[e.conclusion]} ${e.name}: ${e.conclusion}${note}`);
    });
    bus.on("job:completed", (e) => {
      this.write(e.jobKey, `${ICON[e.result]} Job ${e.name}: ${e.result}`);
      const f = this.files.get(e.jobKey);
      if (f && f.fd >= 0) {
        closeSync(f.fd);
        f.fd = -1;
      }
    });
  }

  private write(jobKey: string, line: string): void {
    const f = this.files.get(jobKey);
    if (f && f.fd >= 0) writeSync(f.fd, `${logTimestamp(new Date())} ${line.replace(ANSI, "")}\n`);
  }

  /** Opens the log of a job about to start and returns its path. */
  open(jobKey: string, workflowFile: string, jobName: string): string {
    const existing = this.files.get(jobKey);
    if (existing) return existing.path;
    const folder = join(this.dir, safe(basename(workflowFile, extname(workflowFile))));
    mkdirSync(folder, { recursive: true });
    let path = join(folder, `${safe(jobName)}.txt`);
    for (let i = 2; this.used.has(path); i++) path = join(folder, `${safe(jobName)} ${i}.txt`);
    this.used.add(path);
    this.files.set(jobKey, { fd: openSync(path, "w"), path });
    return path;
  }

  close(): void {
    for (const f of this.files.values()) if (f.fd >= 0) closeSync(f.fd);
  }
}
