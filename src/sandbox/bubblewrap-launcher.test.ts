// The sandbox's tests again, on the path a server with the compiled spawn helper takes: each job's
// one bubblewrap runs the helper as its launcher, which starts the job's commands inside it
// (bubblewrap.test.ts runs from the sources, where there is no compiled helper: a keeper and a
// bwrap per command). Skipped without a C compiler.
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compileC } from "../../test/compile-c.js";
import { startSpawnHelper } from "../spawner/index.js";
import { JobSandbox, sandboxProblem } from "./bubblewrap.js";
import { runCommand } from "./run-command.js";

const helper = compileC(resolve(import.meta.dirname, "../spawner/spawn-helper.c"), { linkStatic: true });
if (helper) {
  startSpawnHelper(helper);
  await import("./bubblewrap.test.js");
}

describe.skipIf(!helper || sandboxProblem() !== undefined)("JobSandbox with its launcher", () => {
  it("starts the job's commands from its launcher, the sandbox's PID 1, which no step can signal", async () => {
    const root = mkdtempSync(join(tmpdir(), "sandbox-launcher-"));
    const jobDir = join(root, "work", "1");
    for (const dir of ["tmp", "ws"]) mkdirSync(join(jobDir, dir), { recursive: true });
    const sandbox = await JobSandbox.start({
      jobDir,
      tmpDir: join(jobDir, "tmp"),
      hidden: [],
      readOnly: [],
      writable: [],
    });
    // A shell script run in the sandbox, from `cwd`; what it printed.
    const sh = async (script: string, cwd = "/") =>
      (await runCommand("sh", ["-c", script], { cwd, sandbox })).stdout;
    try {
      const seen = await sh(
        "echo $PPID; tr '\\0' ' ' < /proc/$PPID/cmdline; echo; cat /proc/1/comm",
        join(jobDir, "ws"),
      );
      expect(seen).toMatch(/^1\n\S+ --sandbox \ngantry-launcher\n$/);
      // Not dumpable: its memory, descriptors and environment are no step's to read.
      expect(await sh("cat /proc/1/maps /proc/1/environ >/dev/null 2>&1 || echo denied")).toBe("denied\n");
      // The kernel drops what a process of the namespace sends its init, root's SIGKILL included.
      expect(await sh("kill -KILL 1; kill -TERM 1; kill -HUP 1; sleep 0.2; echo alive")).toBe("alive\n");
      // What a step leaves running is the launcher's once the step ends, and reaped when it exits.
      const orphan = (await sh("sleep 0.2 & echo $!")).trim();
      const after = await sh(
        `sleep 0.6; cat /proc/${orphan}/stat 2>/dev/null || echo reaped; echo still launched`,
      );
      expect(after).toBe("reaped\nstill launched\n");
    } finally {
      sandbox.close();
    }
  });
});
