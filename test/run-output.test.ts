// What `gantry run` prints and writes, as a user reads it: the terminal's lines (prefixed by
// workflow/job when not a terminal), the --log-dir logs (as a downloaded GitHub log reads) and the
// report's errors of a failed step.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, gantry, job, repoWith, scratch } from "./harness.js";

const WORKFLOW = `name: CI
on: push
env:
  LEVEL: high
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Say hello
        env:
          WHO: world
        run: |
          echo "hello $WHO"
          echo "::warning::first line%0Asecond line"
      - name: Break
        run: |
          echo "::error file=src/a.ts,line=3::it broke"
          exit 4
      - run: echo never
`;

describe.concurrent("gantry run's output", () => {
  it("prefixes each line with workflow/job when not on a terminal, every line of a multi-line message too", async () => {
    const r = await gantry(repoWith(WORKFLOW), ["run"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("[CI/build] ▶ Say hello\n[CI/build] | hello world\n");
    expect(r.stdout).toContain("[CI/build] | Warning: first line\n[CI/build] | second line\n");
    expect(r.stdout).toContain("[CI/build] | Error: Process completed with exit code 4.\n");
    // The step's header is in the log files, not on the terminal.
    expect(r.stdout).not.toContain("WHO: world");
    // No colours unless asked (FORCE_COLOR), as output is not a terminal.
    expect(r.stdout).not.toContain("\x1b[");
    const coloured = await gantry(repoWith(WORKFLOW), ["run"], { env: { FORCE_COLOR: "1" } });
    expect(coloured.stdout).toContain("[CI/build] \x1b[31m✗\x1b[0m Break");
    expect(coloured.stdout).toContain("    \x1b[31m✗\x1b[0m build: \x1b[31mfailure\x1b[0m in ");
  });

  it("writes --log-dir logs as a downloaded GitHub log: stamped lines, step headers and results", async () => {
    const logs = join(scratch(), "logs");
    const r = await gantry(repoWith(WORKFLOW), ["run", "--log-dir", logs]);
    expect(r.code).toBe(1);
    const lines = readFileSync(job(r.report, "build").log as string, "utf8")
      .trimEnd()
      .split("\n");
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z /);
    const text = lines.map((l) => l.slice(29)).join("\n");
    expect(text).toContain(
      [
        "##[group]Say hello",
        "##[endgroup]",
        '##[group]Run echo "hello $WHO"',
        'echo "hello $WHO"',
        'echo "::warning::first line%0Asecond line"',
      ].join("\n"),
    );
    expect(text).toMatch(
      /\nshell: \S*bash -e \{0\}\nenv:\n {2}LEVEL: high\n {2}WHO: world\n##\[endgroup\]\nhello world\n/,
    );
    expect(text).toContain("✓ Say hello: success\n");
    expect(text).toContain("##[error]Process completed with exit code 4.\n✗ Break: failure\n");
    // A skipped step never started: nothing of it in the log, as on GitHub.
    expect(text).not.toContain("never");
    expect(text.endsWith("✗ Job build: failure")).toBe(true);
  });

  it("gives each failed step's errors in the report", async () => {
    const r = await gantry(repoWith(WORKFLOW), ["run"]);
    const steps = job(r.report, "build").steps;
    expect(steps.map((s) => [s.name, s.conclusion])).toEqual([
      ["Say hello", "success"],
      ["Break", "failure"],
      ["Run echo never", "skipped"],
    ]);
    expect(steps[0].errors).toBeUndefined();
    expect(steps[1].errors).toEqual(["src/a.ts:3: it broke", "Process completed with exit code 4."]);
  });

  it("does not show jobs cancelled before they started as started", async () => {
    const r = await gantry(
      repoWith(`name: CI
on: push
jobs:
  legs:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 1
      matrix:
        n: [1, 2]
    steps:
      - run: exit 1
`),
      ["run"],
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("[CI/legs (1)] started");
    expect(r.stdout).not.toContain("[CI/legs (2)] started");
    expect(r.stdout).toContain("[CI/legs (2)] ⊘ job cancelled");
    expect(r.stdout).toMatch(/\n {4}⊘ legs \(2\): cancelled\n/);
    expect(job(r.report, "legs (2)").startedAt).toBeNull();
  });

  // A pseudo-terminal of 8 rows from util-linux's `script`: the live block must fit in it.
  it.skipIf(!existsSync("/usr/bin/script"))(
    "on a terminal, redraws the jobs in place within the screen's height, in colour",
    async () => {
      const jobs = Array.from(
        { length: 12 },
        (_, i) => `  job${i + 1}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: sleep 0.3\n`,
      ).join("");
      const repo = repoWith(`name: CI\non: push\njobs:\n${jobs}`);
      const command = `stty rows 8 cols 80; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run --max-jobs 2`;
      const env: Record<string, string> = { ...(process.env as Record<string, string>), TERM: "xterm" };
      delete env.CI;
      delete env.NO_COLOR;
      delete env.FORCE_COLOR;
      env.GANTRY_HOME = mkdtempSync(join(tmpdir(), "gantry-home-"));
      const out = await new Promise<string>((resolve) => {
        const child = spawn("/usr/bin/script", ["-qefc", command, "/dev/null"], { cwd: repo, env });
        let text = "";
        child.stdout.on("data", (c) => {
          text += c;
        });
        child.on("close", () => resolve(text));
      });
      expect(out).toContain("… and ");
      expect(out).toMatch(/more jobs \(\d+ (queued|success)/);
      const ups = [...out.matchAll(/\x1b\[(\d+)A/g)].map((m) => Number(m[1]));
      expect(ups.length).toBeGreaterThan(0);
      expect(Math.max(...ups)).toBeLessThanOrEqual(7);
      // Not a line per job per redraw: never the plain lines of a pipe.
      expect(out).not.toContain("[CI/job1]");
      expect(out).toContain("\x1b[32m✓\x1b[0m job12: \x1b[32msuccess\x1b[0m");
    },
  );
});
