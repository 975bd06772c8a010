import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Cancellation } from "../engine/index.js";
import type { Sandbox } from "../sandbox/index.js";
import type { LaunchedProcess } from "../spawner/index.js";
import { runProcess } from "./process.js";

/** Whether a process of this host runs (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return true;
}

/**
 * A child as a job's launcher starts it: its pid is of the job's PID namespace (here a host
 * process group's, as it may well be), its group is signalled through killGroup.
 */
function launchedChild(pid: number, signals: string[]): LaunchedProcess {
  const child = Object.assign(new EventEmitter(), {
    pid: undefined as number | undefined,
    stdin: null,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdio: [],
    kill: () => true,
    killGroup: (signal: NodeJS.Signals | number) => {
      signals.push(String(signal));
      if (signal !== "SIGKILL" || signals.filter((s) => s === "SIGKILL").length > 1) return;
      setImmediate(() => {
        child.emit("exit", null, "SIGKILL");
        child.stdout.end();
        child.stderr.end();
        setImmediate(() => child.emit("close", null, "SIGKILL"));
      });
    },
    ref: () => undefined,
    unref: () => undefined,
  });
  setImmediate(() => {
    child.pid = pid;
    child.emit("spawn");
  });
  return child as unknown as LaunchedProcess;
}

describe("runProcess in a sandbox with a launcher", () => {
  it("signals a cancelled step's group through the launcher, never a host process group of the same number", async () => {
    // A host process leading its own group: the number a step's namespace pid may well be.
    const bystander = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    const pid = bystander.pid as number;
    try {
      const signals: string[] = [];
      const started: number[] = [];
      const sandbox = {
        launch: () => launchedChild(pid, signals),
        command: () => {
          throw new Error("a launched command needs no command line");
        },
      } as unknown as Sandbox;
      const cancellation = new Cancellation();
      const result = runProcess({
        command: "bash",
        args: ["-c", "sleep 30"],
        cwd: "/",
        env: {},
        onLine: () => undefined,
        cancellation,
        graceMs: 50,
        sandbox,
        onStart: (p) => started.push(p),
      });
      await new Promise((r) => setTimeout(r, 50));
      cancellation.cancel();
      const r = await result;
      expect(r.reason).toBe("cancelled");
      expect(signals).toEqual(expect.arrayContaining(["SIGINT", "SIGKILL"]));
      // The namespace pid reaches neither the job-end cleanup nor the server's ledger.
      expect(started).toEqual([]);
      expect(alive(pid)).toBe(true);
    } finally {
      bystander.kill("SIGKILL");
    }
  });
});
