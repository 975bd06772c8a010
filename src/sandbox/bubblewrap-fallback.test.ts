// A compiled helper that runs on this host but never says hello inside the job's sandbox: the job
// runs as without one (a keeper and a bwrap per command), and later jobs do not try it again.
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";

const tried: string[] = [];
vi.mock("../spawner/index.js", async (original) => ({
  ...(await original<typeof import("../spawner/index.js")>()),
  // `true` exits at once without a word: as a helper that cannot run in the sandbox.
  compiledHelperPath: () => {
    tried.push("true");
    return "/usr/bin/true";
  },
}));

const { JobSandbox, sandboxProblem } = await import("./bubblewrap.js");
const { runCommand } = await import("./run-command.js");

describe.skipIf(sandboxProblem() !== undefined)("JobSandbox without a launcher that says hello", () => {
  it("runs the job's commands with a bwrap each, and tries no launcher again", async () => {
    const root = mkdtempSync(join(tmpdir(), "sandbox-fallback-"));
    const jobDir = join(root, "work", "1");
    for (const dir of ["tmp", "ws"]) mkdirSync(join(jobDir, dir), { recursive: true });
    for (const round of [1, 2]) {
      const sandbox = await JobSandbox.start({
        jobDir,
        tmpDir: join(jobDir, "tmp"),
        hidden: [],
        readOnly: [],
        writable: [],
      });
      try {
        const r = await runCommand("sh", ["-c", "tr '\\0' ' ' < /proc/1/cmdline; echo; echo ran"], {
          cwd: join(jobDir, "ws"),
          sandbox,
        });
        // The keeper's init holds the namespace (its command `cat`), not a launcher.
        expect(r.stdout).toMatch(/ -- cat \nran\n$/);
      } finally {
        sandbox.close();
      }
      expect(tried).toEqual(["true"]);
      if (round === 1) await new Promise((r) => setTimeout(r, 50));
    }
  });
});
