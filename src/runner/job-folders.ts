import { randomUUID } from "node:crypto";
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

/** The file-command files of a step, by variable, as GitHub's runner names them (`set_output_<guid>` …). */
export type CommandFiles = Record<
  "GITHUB_OUTPUT" | "GITHUB_ENV" | "GITHUB_PATH" | "GITHUB_STEP_SUMMARY" | "GITHUB_STATE",
  string
>;

/** New names for a step's file-command files in `filesDir` (not made). */
export function commandFileNames(filesDir: string): CommandFiles {
  return {
    GITHUB_OUTPUT: join(filesDir, `set_output_${randomUUID()}`),
    GITHUB_ENV: join(filesDir, `set_env_${randomUUID()}`),
    GITHUB_PATH: join(filesDir, `add_path_${randomUUID()}`),
    GITHUB_STEP_SUMMARY: join(filesDir, `step_summary_${randomUUID()}`),
    GITHUB_STATE: join(filesDir, `save_state_${randomUUID()}`),
  };
}

/** The folders of one job, under its own folder: what the runner makes before its first step. */
export interface JobFolders {
  jobDir: string;
  /** GITHUB_WORKSPACE: `work/<repository>`. */
  workspace: string;
  /** RUNNER_TEMP. */
  temp: string;
  /** Where the file-command files go (GITHUB_OUTPUT, GITHUB_ENV …), as GitHub's runner names it. */
  filesDir: string;
  /** The folder of GITHUB_EVENT_PATH. */
  eventDir: string;
  /** The job's own HOME. */
  home: string;
  /** npm's global prefix for the job (see job-tools.ts); its `bin` is first on PATH. */
  tools: string;
  /** The sandbox's /tmp, only in a sandbox. */
  tmp?: string;
  /** File-command files made empty with the folders, for the job's first step (see JobFolderMaker). */
  commandFiles?: CommandFiles;
}

export function jobFolders(jobDir: string, repositoryName: string, sandboxed: boolean): JobFolders {
  const temp = join(jobDir, "temp");
  return {
    jobDir,
    workspace: join(jobDir, "work", repositoryName),
    temp,
    filesDir: join(temp, "_runner_file_commands"),
    eventDir: join(temp, "_github_workflow"),
    home: join(jobDir, "home"),
    tools: join(jobDir, "tools"),
    ...(sandboxed ? { tmp: join(jobDir, "tmp") } : {}),
  };
}

/** Every folder of the layout, each after its parent: one mkdir each, none recursive. */
function foldersInOrder(f: JobFolders): string[] {
  const work = join(f.jobDir, "work");
  const bin = join(f.tools, "bin");
  const all = [f.jobDir, work, f.workspace, f.temp, f.filesDir, f.eventDir, f.home, f.tools, bin];
  if (f.tmp) all.push(f.tmp);
  return all;
}

/**
 * Makes a job's folders now, and the link to `corepack` in its tools' `bin` when there is one
 * (see job-tools.ts). The job's folder's parent must exist; the job's folder must not.
 */
export function makeJobFolders(
  f: JobFolders,
  corepack: string | undefined,
  opts: { exclusive?: boolean } = {},
): void {
  for (const dir of foldersInOrder(f)) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if (opts.exclusive || (err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  if (corepack) symlinkSync(corepack, join(f.tools, "bin", "corepack"));
}

/**
 * Makes each job's folders, the next one ahead: once a job's first step has started (the event
 * loop's next turn after the job's folders were made: its way to its first process holds no
 * other), an empty set of folders for the next job of the same run is made beside it, and the next
 * job takes it with one rename instead of ten system calls on its way to its first step (and the
 * empty file-command files of its first step and its event.json, six more). Every job still starts from empty folders
 * of its own; a spare no job took goes with its run's folder.
 *
 * Only where a job's steps can write to its run's folder anyway (no sandbox): a spare is made as
 * this process's user, before the job that takes it is known.
 */
export class JobFolderMaker {
  /** The spare's folder and the names of the file-command files made in it. */
  private spare?: { runDir: string; dir: string; files: CommandFiles; event?: string };
  private preparing = false;
  private made = 0;
  /** The run folder the last job was made in (made then, if it was not there). */
  private runDir?: string;

  constructor(
    private readonly repositoryName: string,
    /** The `corepack` each job's tools link to (see job-tools.ts). */
    private readonly corepack: string | undefined,
  ) {}

  /**
   * Makes the folders of `jobDir` in `runDir` (made if need be): the spare made ahead for this run
   * when there is one, else new ones. `event` is what the job's event.json is to hold (the run's
   * event payload): a spare made for the same holds it already (`eventWritten`). The next spare
   * follows on the event loop's next turn.
   */
  make(runDir: string, jobDir: string, event?: string): JobFolders & { eventWritten: boolean } {
    const folders = { ...jobFolders(jobDir, this.repositoryName, false), eventWritten: false };
    if (this.runDir !== runDir) mkdirSync(runDir, { recursive: true });
    this.runDir = runDir;
    // A spare of another run stays in that run's folder, and goes with it.
    const spare = this.spare?.runDir === runDir ? this.spare : undefined;
    this.spare = undefined;
    if (spare && moved(spare.dir, jobDir)) {
      const files = Object.entries(spare.files).map(([k, f]) => [k, join(folders.filesDir, basename(f))]);
      folders.commandFiles = Object.fromEntries(files) as CommandFiles;
      folders.eventWritten = event !== undefined && spare.event === event;
    } else {
      makeJobFolders(folders, this.corepack);
    }
    if (!this.preparing) {
      this.preparing = true;
      setImmediate(() => {
        this.preparing = false;
        this.prepare(runDir, event);
      });
    }
    return folders;
  }

  /**
   * Makes a spare in `runDir` unless one is there (a job started since took the last), with the
   * event.json of the job that asked for it (the next job of its run has the same).
   */
  private prepare(runDir: string, event: string | undefined): void {
    if (this.spare) return;
    const dir = join(runDir, `.next-${++this.made}`);
    try {
      const folders = jobFolders(dir, this.repositoryName, false);
      makeJobFolders(folders, this.corepack, { exclusive: true });
      const files = commandFileNames(folders.filesDir);
      for (const file of Object.values(files)) writeFileSync(file, "", { flag: "wx" });
      if (event !== undefined) writeFileSync(join(folders.eventDir, "event.json"), event, { flag: "wx" });
      this.spare = { runDir, dir, files, ...(event !== undefined ? { event } : {}) };
    } catch {
      // The run ended (its folder was discarded) first: nothing is left behind, since each folder
      // is made in the one before it. The next job makes its folders itself.
    }
  }
}

function moved(from: string, to: string): boolean {
  try {
    renameSync(from, to);
    return true;
  } catch {
    return false;
  }
}
