// The process groups the server's jobs have started, kept on disk as they start, so that what a
// crash (or a stop that could not wait) left running can be ended by the next start. Each group
// is written with its start time (Linux's /proc/PID/stat); a group whose leader now has another
// start time is a recycled id and is left alone.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** The start time of a process in clock ticks since boot, or undefined without /proc. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22; the command name (field 2) may hold spaces and parentheses, so count after it.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Whether any process is still in the group. */
function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class ProcessLedger {
  /** Whether the folder was made: once, not at every step's start. */
  private made = false;

  constructor(private readonly dir: string) {}

  private file(runId: number, attempt: number, jobKey: string): string {
    return join(this.dir, `${runId}-${attempt}-${encodeURIComponent(jobKey)}`);
  }

  /** Records a process group a job's step has just started. */
  record(runId: number, attempt: number, jobKey: string, pid: number): void {
    const file = this.file(runId, attempt, jobKey);
    const line = `${pid} ${startTimeOf(pid) ?? "-"}\n`;
    if (this.made) {
      try {
        appendFileSync(file, line);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    // The first record, or the folder went: made (again), then written.
    mkdirSync(this.dir, { recursive: true });
    this.made = true;
    appendFileSync(file, line);
  }

  /** Forgets a job's groups: it ended, and the runner ended what its steps left behind. */
  forget(runId: number, attempt: number, jobKey: string): void {
    rmSync(this.file(runId, attempt, jobKey), { force: true });
  }

  /**
   * Kills every recorded group that is still the one recorded, and forgets them all: at start-up
   * (no job of this process is running yet), or when a stop cannot wait any longer. Returns the
   * ids it killed.
   */
  endAll(): number[] {
    let files: string[];
    try {
      files = readdirSync(this.dir);
    } catch {
      return [];
    }
    const killed: number[] = [];
    for (const name of files) {
      const file = join(this.dir, name);
      for (const line of readFileSync(file, "utf8").split("\n")) {
        const [id, started] = line.split(" ");
        const pid = Number(id);
        if (!Number.isSafeInteger(pid) || pid <= 1 || !groupExists(pid)) continue;
        // A leader with another start time is a recycled id. A group whose leader is gone keeps
        // its id from reuse (Linux never hands out an id a group still has), so it is ours; and
        // without /proc the id is trusted.
        const now = startTimeOf(pid);
        if (started !== "-" && now !== undefined && now !== started) continue;
        try {
          process.kill(-pid, "SIGKILL");
          killed.push(pid);
        } catch {
          // gone meanwhile
        }
      }
      rmSync(file, { force: true });
    }
    return killed;
  }
}
