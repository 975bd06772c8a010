// The process groups the server's jobs have started, kept on disk as they start, so that what a
// crash (or a stop that could not wait) left running can be ended by the next start. Each group
// is written with its start time (Linux's /proc/PID/stat); a group whose leader now has another
// start time is a recycled id and is left alone.
//
// One journal file a process, kept open: a job's group is a line appended as it starts
// (`+ JOB PID START`), its end another (`- JOB`). A file a job (made, then deleted) cost two of the
// file system's costliest calls a job, an inode made and one removed, where an append is a write.
// The journal is written anew, with only the groups of running jobs, once it has grown long.
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
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

/** How many lines the journal takes before it is written anew with the running jobs' alone. */
const COMPACT_AFTER_LINES = 10_000;

/**
 * The groups a ledger file still holds, by job: a journal's (`+ JOB PID START` / `- JOB` lines),
 * or one job's file as earlier versions wrote them (`PID START` lines).
 */
function groupsIn(text: string): { pid: number; started: string }[] {
  const live = new Map<string, { pid: number; started: string }[]>();
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    if (f[0] === "+" && f.length === 4) {
      const groups = live.get(f[1]) ?? [];
      groups.push({ pid: Number(f[2]), started: f[3] });
      live.set(f[1], groups);
    } else if (f[0] === "-" && f.length === 2) {
      live.delete(f[1]);
    } else if (f.length === 2) {
      live.set(`\0${live.size}`, [{ pid: Number(f[0]), started: f[1] }]);
    }
  }
  return [...live.values()].flat();
}

export class ProcessLedger {
  /** The journal this process appends to (opened at the first record); its path. */
  private fd?: number;
  private path?: string;
  /** Lines written to the journal, and the running jobs' groups' (what it is written anew with). */
  private lines = 0;
  private readonly live = new Map<string, string[]>();

  constructor(
    private readonly dir: string,
    /** How many lines the journal takes before it is written anew (tests make it small). */
    private readonly compactAfter = COMPACT_AFTER_LINES,
  ) {}

  private key(runId: number, attempt: number, jobKey: string): string {
    return `${runId}-${attempt}-${encodeURIComponent(jobKey)}`;
  }

  /** Records a process group a job's step has just started. */
  record(runId: number, attempt: number, jobKey: string, pid: number): void {
    const key = this.key(runId, attempt, jobKey);
    const line = `+ ${key} ${pid} ${startTimeOf(pid) ?? "-"}\n`;
    this.append(line);
    const lines = this.live.get(key) ?? [];
    lines.push(line);
    this.live.set(key, lines);
  }

  /** Forgets a job's groups: it ended, and the runner ended what its steps left behind. */
  forget(runId: number, attempt: number, jobKey: string): void {
    const key = this.key(runId, attempt, jobKey);
    if (!this.live.delete(key)) return;
    this.append(`- ${key}\n`);
    if (this.lines >= this.compactAfter) this.compact();
  }

  private append(line: string): void {
    if (this.fd !== undefined) {
      try {
        // Still the folder's (not removed since: the next start would not read it).
        if (fstatSync(this.fd).nlink > 0) {
          writeSync(this.fd, line);
          this.lines++;
          return;
        }
      } catch {
        // The file went bad under it.
      }
    }
    // A new journal, with the running jobs' groups.
    this.open();
    writeSync(this.fd as number, line);
    this.lines++;
  }

  /** A journal of its own (made, or made again: with the running jobs' groups). */
  private open(): void {
    this.close();
    mkdirSync(this.dir, { recursive: true });
    this.path ??= join(this.dir, `journal-${process.pid}-${Date.now()}`);
    const held = [...this.live.values()].flat();
    writeFileSync(this.path, held.join(""));
    this.fd = openSync(this.path, "a");
    this.lines = held.length;
  }

  /** The journal written anew with the running jobs' groups alone, in place of the long one. */
  private compact(): void {
    if (!this.path) return;
    const next = `${this.path}.next`;
    try {
      writeFileSync(next, [...this.live.values()].flat().join(""));
      renameSync(next, this.path);
      this.close();
      this.fd = openSync(this.path, "a");
      this.lines = [...this.live.values()].reduce((n, l) => n + l.length, 0);
    } catch {
      // Kept as it is: it is still right, only long.
    }
  }

  private close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // closed already
    }
    this.fd = undefined;
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
    this.close();
    this.live.clear();
    const killed: number[] = [];
    for (const name of files) {
      const file = join(this.dir, name);
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        continue;
      }
      for (const { pid, started } of groupsIn(text)) {
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
    this.path = undefined;
    return killed;
  }
}
