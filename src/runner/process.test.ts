import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { compileC } from "../../test/compile-c.js";
import { Cancellation } from "../engine/index.js";
import { JobSandbox, resolveJobUser, runCommand, type Sandbox, sandboxProblem } from "../sandbox/index.js";
import { type LaunchedProcess, startSpawnHelper } from "../spawner/index.js";
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

const helper = compileC(resolve(import.meta.dirname, "../spawner/spawn-helper.c"), { linkStatic: true });
if (helper) startSpawnHelper(helper);

/** Whether a process of this host runs `args` (a zombie counts as gone). */
function running(args: string): boolean {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim() !== args) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") return true;
    } catch {
      // gone
    }
  }
  return false;
}

describe.skipIf(!helper || sandboxProblem() !== undefined)("runProcess through a job's launcher", () => {
  // As runners.user too (a root server): the launcher, root without capabilities but CAP_KILL, signals the user's processes.
  const users = process.getuid?.() === 0 ? [undefined, resolveJobUser("nobody")] : [undefined];
  it.each(users)(
    "a cancel ends the step's whole group, a background `sleep` too, while the job goes on (user %o)",
    async (user) => {
      const root = mkdtempSync(join(tmpdir(), "process-launcher-"));
      const jobDir = join(root, "work", "1");
      for (const dir of ["tmp", "ws"]) mkdirSync(join(jobDir, dir), { recursive: true });
      if (user) {
        chmodSync(root, 0o755);
        for (const dir of ["tmp", "ws"]) chownSync(join(jobDir, dir), user.uid, user.gid);
      }
      const sandbox = await JobSandbox.start({
        jobDir,
        tmpDir: join(jobDir, "tmp"),
        hidden: [],
        readOnly: [],
        writable: [],
        user,
      });
      try {
        const cancellation = new Cancellation();
        const lines: string[] = [];
        const started: number[] = [];
        // A background child of a non-interactive shell ignores SIGINT: only the group's SIGKILL ends it.
        const result = runProcess({
          command: "bash",
          args: ["-c", "sleep 4343.25 & echo started; sleep 4343.5"],
          cwd: join(jobDir, "ws"),
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
          onLine: (l) => lines.push(l),
          cancellation,
          graceMs: 100,
          sandbox,
          onStart: (pid) => started.push(pid),
        });
        while (!lines.includes("started") || !running("sleep 4343.25"))
          await new Promise((r) => setTimeout(r, 20));
        cancellation.cancel();
        const r = await result;
        expect(r.reason).toBe("cancelled");
        expect(started).toEqual([]);
        for (let i = 0; i < 100 && running("sleep 4343.25"); i++) await new Promise((r) => setTimeout(r, 20));
        expect(running("sleep 4343.25")).toBe(false);
        // The job's sandbox still runs its next step.
        const next = await runCommand("sh", ["-c", "echo next"], { cwd: "/", sandbox });
        expect(next.stdout).toBe("next\n");
      } finally {
        sandbox.close();
      }
    },
  );
});
