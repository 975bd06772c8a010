// What every kind of job isolation offers the runner and the built-in actions.
import type { LaunchedProcess, LaunchOptions } from "../spawner/index.js";

/** A command line that runs in the sandbox and the descriptors it needs at fd 3 (and 4). */
export interface SandboxedCommand {
  command: string;
  args: string[];
  fds: number[];
}

/** Paths one command needs beyond what the job's sandbox shows (an archive to read, a folder to write). */
export interface ExtraMounts {
  readOnly?: string[];
  writable?: string[];
}

/** Where a job's processes run: a JobSandbox (bubblewrap), or something that stands for it in tests. */
export interface Sandbox {
  /**
   * Starts a command inside the sandbox by the job's own launcher, when it has one (undefined
   * otherwise: run command() instead). Its pid is not of this host: signal it with killGroup.
   */
  launch?(
    command: string,
    args: string[],
    options: Pick<LaunchOptions, "cwd" | "env" | "detached" | "stdio">,
  ): LaunchedProcess | undefined;
  command(command: string, args: string[], cwd: string, extra?: ExtraMounts): SandboxedCommand;
  /** Where a path the job names is on this host (its /tmp is a folder of its own). */
  toHost(path: string): string;
  /** The path the job knows a host path by. */
  toJob(path: string): string;
  /** Whether the job could read this host path itself (links followed as the host sees them). */
  visible(path: string): boolean;
}
