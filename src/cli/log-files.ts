import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { EventBus } from "../engine/index.js";
import { plainLogLine } from "./log-line.js";

/** ANSI escape sequences (colours, cursor moves), which a plain-text log leaves out. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[ -/]*[@-~]`, "g");

function safe(name: string): string {
  return name.replace(/[^\w.,() -]+/g, "_").trim() || "job";
}

/** Writes one plain-text log per job (already masked; ANSI stripped), line by line as it comes. */
export class LogFiles {
  private files = new Map<string, { fd: number; path: string }>();
  private used = new Set<string>();

  constructor(
    bus: EventBus,
    private readonly dir: string,
  ) {
    bus.on("job:log", (e) => {
      const f = this.files.get(e.jobKey);
      const line = plainLogLine(e.line);
      if (f && line !== undefined) writeSync(f.fd, `${line.replace(ANSI, "")}\n`);
    });
    bus.on("job:completed", (e) => {
      const f = this.files.get(e.jobKey);
      if (f && f.fd >= 0) {
        closeSync(f.fd);
        f.fd = -1;
      }
    });
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
