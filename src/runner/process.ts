import { spawn } from "node:child_process";
import type { Cancellation } from "../engine/index.js";

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
}

export interface ProcessResult {
  exitCode: number | null;
  /** Why it ended: on its own, cancelled, timed out, or it could not start. */
  reason: "exit" | "cancelled" | "timeout" | "spawn-error";
  error?: string;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
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

/**
 * Runs one command in its own process group so that a cancel or timeout reaches every
 * process it started. Never throws; a failure to start is a result.
 */
export function runProcess(opts: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    let reason: ProcessResult["reason"] = "exit";
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = lineSplitter(opts.onLine);
    const err = lineSplitter(opts.onLine);
    child.stdout.setEncoding("utf8").on("data", (c: string) => out.push(c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => err.push(c));
    const timers: NodeJS.Timeout[] = [];
    let finished = false;
    const stop = (why: "cancelled" | "timeout") => {
      if (finished || !child.pid) return;
      if (reason === "exit") reason = why;
      signalGroup(child.pid, "SIGINT");
      timers.push(setTimeout(() => child.pid && signalGroup(child.pid, "SIGKILL"), opts.graceMs));
    };
    opts.cancellation.onCancel(() => stop("cancelled"));
    opts.cancellation.onKill(() => {
      if (reason === "exit") reason = "cancelled";
      if (child.pid && !finished) signalGroup(child.pid, "SIGKILL");
    });
    if (opts.timeoutMs !== undefined) timers.push(setTimeout(() => stop("timeout"), opts.timeoutMs));

    const finish = (result: ProcessResult) => {
      if (finished) return;
      finished = true;
      for (const t of timers) clearTimeout(t);
      out.flush();
      err.flush();
      // Whatever the step left running in the background goes with it, as on GitHub's runner.
      if (child.pid) signalGroup(child.pid, "SIGKILL");
      resolve(result);
    };
    child.on("error", (e) => finish({ exitCode: null, reason: "spawn-error", error: e.message }));
    child.on("exit", (code, signal) => {
      const exitCode = code ?? (signal ? 128 : 1);
      // Give the pipes a moment to drain; a background child may hold them open.
      const drained = new Promise<void>((r) => child.on("close", () => r()));
      const wait = new Promise<void>((r) => setTimeout(r, 200).unref());
      void Promise.race([drained, wait]).then(() => finish({ exitCode, reason }));
    });
  });
}
