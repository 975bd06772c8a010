import { existsSync } from "node:fs";
import type { Cancellation } from "../engine/index.js";
import type { Sandbox } from "../sandbox/index.js";
import { spawnProcess } from "../spawner/index.js";

export interface ProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Called for each complete output line (stdout and stderr interleaved as they arrive). */
  onLine: (line: string) => void;
  cancellation: Cancellation;
  /** Kill the process tree after this many ms (a step's timeout-minutes). */
  timeoutMs?: number;
  /** Grace between SIGINT and SIGKILL when cancelled. */
  graceMs: number;
  /**
   * Told the process (group) id as soon as the process has started: a pid of this host only (never
   * for a process the job's launcher started, whose pid is of the job's namespace).
   */
  onStart?: (pid: number) => void;
  /** Runs the command in the job's sandbox; on the host when absent. */
  sandbox?: Sandbox;
}

export interface ProcessResult {
  /** The process (and process group) id; undefined when it could not start. */
  pid?: number;
  exitCode: number | null;
  /** Why it ended: on its own, cancelled, timed out, or it could not start. */
  reason: "exit" | "cancelled" | "timeout" | "spawn-error";
  error?: string;
}

/**
 * How long the runner waits, after a step's process exited, for the processes it left behind to
 * close its output; then it kills them (actions/runner's ProcessInvoker waits 5 s).
 */
const STREAM_WAIT_MS = 5000;

function signalHostGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Kills what is left of process groups started by runProcess (the runner's orphan cleanup at job end). */
export function killProcessGroups(pids: Iterable<number>): void {
  for (const pid of pids) signalHostGroup(pid, "SIGKILL");
}

/** The command started on this host (or by its own bwrap in the sandbox): detached, its pid this host's. */
function spawned(
  opts: ProcessOptions,
  options: { cwd: string; env: Record<string, string>; detached: boolean },
) {
  const line = opts.sandbox?.command(opts.command, opts.args, opts.cwd) ?? {
    command: opts.command,
    args: opts.args,
    fds: [],
  };
  return spawnProcess(line.command, line.args, {
    ...options,
    stdio: ["ignore", "pipe", "pipe", ...line.fds],
  });
}

function lineSplitter(onLine: (line: string) => void) {
  let rest = "";
  return {
    push(chunk: string) {
      const text = rest + chunk;
      const lines = text.split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) onLine(l.endsWith("\r") ? l.slice(0, -1) : l);
    },
    flush() {
      if (rest) onLine(rest);
      rest = "";
    },
  };
}

/** Says why a process could not start, as GitHub's runner words it (node says only `spawn bash ENOENT`). */
function startError(opts: ProcessOptions, error: NodeJS.ErrnoException): string {
  if (error.code !== "ENOENT") return error.message;
  if (!existsSync(opts.cwd)) {
    return `An error occurred trying to start process '${opts.command}' with working directory '${opts.cwd}'. No such file or directory`;
  }
  return `Unable to locate executable file: ${opts.command}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable.`;
}

/**
 * Runs one command in its own process group so that a cancel or timeout reaches every
 * process it started. Never throws; a failure to start is a result.
 *
 * As on GitHub's runner, a background process the command started outlives it when it does not
 * hold the command's output (`server > log 2>&1 &`), so later steps can use it; one that still
 * holds the output 5 s after the command exited is killed. A cancel or timeout kills the group.
 */
export function runProcess(opts: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let reason: ProcessResult["reason"] = "exit";
    const options = { cwd: opts.cwd, env: opts.env, detached: true };
    // By the job's launcher inside its sandbox when it has one, else a command line (the sandbox's
    // bwrap, or the command itself) through the server's spawn helper when it has one: the child's
    // pid is known once it started.
    const launched = opts.sandbox?.launch?.(opts.command, opts.args, {
      ...options,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const child = launched ?? spawned(opts, options);
    /**
     * The child's process group signalled: by the launcher for a child in the job's sandbox (its
     * pid is of the job's PID namespace, some other process's on this host), else on this host.
     */
    const signalGroup = (pid: number, signal: NodeJS.Signals) => {
      if (child.killGroup) child.killGroup(signal);
      else signalHostGroup(pid, signal);
    };
    const out = lineSplitter(opts.onLine);
    const err = lineSplitter(opts.onLine);
    child.stdout?.setEncoding("utf8").on("data", (c: string) => out.push(c));
    child.stderr?.setEncoding("utf8").on("data", (c: string) => err.push(c));
    const timers: NodeJS.Timeout[] = [];
    let finished = false;
    /** A cancel or kill asked for before the child's pid was known: sent as it starts. */
    let early: "stop" | "kill" | undefined;
    const interrupt = (pid: number) => {
      signalGroup(pid, "SIGINT");
      timers.push(setTimeout(() => signalGroup(pid, "SIGKILL"), opts.graceMs));
    };
    const stop = (why: "cancelled" | "timeout") => {
      if (finished) return;
      if (reason === "exit") reason = why;
      if (child.pid) interrupt(child.pid);
      else early ??= "stop";
    };
    opts.cancellation.onCancel(() => stop("cancelled"));
    opts.cancellation.onKill(() => {
      if (reason === "exit") reason = "cancelled";
      if (finished) return;
      if (child.pid) signalGroup(child.pid, "SIGKILL");
      else early = "kill";
    });
    const started = () => {
      if (child.pid === undefined) return;
      // Only a pid of this host is told (the job-end cleanup and the server's ledger signal it there).
      if (!child.killGroup) opts.onStart?.(child.pid);
      if (early === "kill") signalGroup(child.pid, "SIGKILL");
      else if (early === "stop") interrupt(child.pid);
    };
    if (child.pid !== undefined) started();
    else child.once("spawn", started);
    if (opts.timeoutMs !== undefined) timers.push(setTimeout(() => stop("timeout"), opts.timeoutMs));

    const finish = (result: ProcessResult, killGroup: boolean) => {
      if (finished) return;
      finished = true;
      for (const t of timers) clearTimeout(t);
      out.flush();
      err.flush();
      if (killGroup && child.pid) signalGroup(child.pid, "SIGKILL");
      resolve({ pid: child.pid, ...result });
    };
    child.on("error", (e) =>
      finish({ exitCode: null, reason: "spawn-error", error: startError(opts, e) }, false),
    );
    child.on("exit", (code, signal) => {
      const exitCode = code ?? (signal ? 128 : 1);
      // A cancelled or timed-out step takes everything it started with it.
      if (reason !== "exit" && child.pid) signalGroup(child.pid, "SIGKILL");
      // Wait for the output to close (its last lines); a background child that holds it is
      // killed after a while.
      let waited: NodeJS.Timeout | undefined;
      const drained = new Promise<boolean>((r) => child.on("close", () => r(true)));
      const wait = new Promise<boolean>((r) => {
        waited = setTimeout(() => r(false), STREAM_WAIT_MS);
      });
      void Promise.race([drained, wait]).then((closed) => {
        clearTimeout(waited);
        // A cancel while waiting signalled the group already (reason is no longer "exit").
        finish({ exitCode, reason }, !closed || reason !== "exit");
      });
    });
  });
}
