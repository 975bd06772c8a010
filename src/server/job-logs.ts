import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * One log file per job under DIR/logs/<run>/<attempt>/, written line by line as the runner
 * produces it (already masked), each line stamped as GitHub stamps its logs. A line is in the
 * file (the kernel's page cache) the moment it is written, so a crash of the server loses none.
 */
export class JobLogs {
  private open = new Map<string, number>();

  constructor(private readonly root: string) {}

  /** Where the log of a job of a run attempt lives. */
  pathOf(runId: number, attempt: number, jobKey: string, workflowFile: string): string {
    const rest = jobKey.startsWith(`${workflowFile}/`) ? jobKey.slice(workflowFile.length + 1) : jobKey;
    const name = rest.replace(/\//g, "__").replace(/[^\w.,() -]+/g, "_") || "job";
    return join(this.root, String(runId), String(attempt), `${name}.log`);
  }

  /** Removes every attempt's logs of a run (its repository was removed). */
  removeRun(runId: number): void {
    for (const [path, fd] of this.open) {
      if (path.startsWith(join(this.root, String(runId), "/"))) {
        closeSync(fd);
        this.open.delete(path);
      }
    }
    rmSync(join(this.root, String(runId)), { recursive: true, force: true });
  }

  /** The folder of one attempt's logs. */
  dirOf(runId: number, attempt: number): string {
    return join(this.root, String(runId), String(attempt));
  }

  /** Appends a line, stamped; returns it as written (without the newline). */
  append(path: string, line: string, at = new Date()): string {
    let fd = this.open.get(path);
    if (fd === undefined) {
      mkdirSync(dirname(path), { recursive: true });
      fd = openSync(path, "a");
      this.open.set(path, fd);
    }
    const stamped = `${at.toISOString()} ${line}`;
    writeSync(fd, `${stamped}\n`);
    return stamped;
  }

  close(path: string): void {
    const fd = this.open.get(path);
    if (fd !== undefined) closeSync(fd);
    this.open.delete(path);
  }

  exists(path: string): boolean {
    return existsSync(path);
  }

  closeAll(): void {
    for (const fd of this.open.values()) closeSync(fd);
    this.open.clear();
  }
}
