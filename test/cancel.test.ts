import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alive, BIN, gantry, makeRepo, pids, summary } from "./harness.js";

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "gantry-shared-"));
}

/** Waits until `file` exists (bounded: a test that never gets there fails instead of hanging). */
async function waitFor(file: string, limitMs = 20_000): Promise<void> {
  for (let waited = 0; !existsSync(file); waited += 50) {
    if (waited > limitMs) throw new Error(`${file} never appeared`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `gantry run`, sends SIGINT once `started` exists (and again after `second`, if given). */
async function runAndInterrupt(
  repo: string,
  shared: string,
  opts: { args?: string[]; second?: string; graceMs?: number } = {},
) {
  let pid = 0;
  const run = gantry(repo, ["run", ...(opts.args ?? [])], {
    env: { SHARED: shared, GANTRY_CANCEL_GRACE_MS: String(opts.graceMs ?? 2000) },
    onSpawn: (p) => {
      pid = p;
    },
  });
  await waitFor(join(shared, "started"));
  process.kill(pid, "SIGINT");
  if (opts.second) {
    await waitFor(join(shared, opts.second));
    process.kill(pid, "SIGINT");
  }
  return run;
}

describe("cancellation by signal", () => {
  it("Ctrl-C in a terminal (SIGINT to gantry's whole process group) cancels the step, whose last words arrive", async () => {
    const shared = scratch();
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  long:
    runs-on: ubuntu-latest
    steps:
      - name: sleeper
        run: |
          trap 'echo "trap says bye"; exit 130' INT
          touch "$SHARED/started"
          sleep 300 > /dev/null 2>&1 &
          wait
      - name: always step
        if: always()
        run: echo "always step ran"
`,
      },
    });
    // gantry as a terminal runs it: the leader of its process group, which Ctrl-C signals whole
    // (gantry, and the spawn helper it starts its steps from).
    const run = spawn(process.execPath, [BIN, "run"], {
      cwd: repo,
      env: {
        ...process.env,
        CI: "true",
        GANTRY_HOME: mkdtempSync(join(tmpdir(), "gantry-home-")),
        SHARED: shared,
        GANTRY_CANCEL_GRACE_MS: "2000",
      },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    run.stdout.on("data", (c: Buffer) => {
      stdout += c;
    });
    run.stderr.resume();
    const code = new Promise<number | null>((r) => run.on("close", r));
    await waitFor(join(shared, "started"));
    process.kill(-(run.pid ?? 0), "SIGINT");
    expect(await code).toBe(1);
    expect(stdout).toContain("[CI/long] | trap says bye");
    expect(stdout).toContain("always step ran");
  });

  it("Ctrl-C interrupts the running step, still runs always() steps and jobs, and ends cancelled", async () => {
    const shared = scratch();
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  long:
    runs-on: ubuntu-latest
    steps:
      - name: sleeper
        run: |
          trap 'echo interrupted > "$SHARED/trapped"; echo "trap says bye"; exit 130' INT
          sleep 300 > /dev/null 2>&1 &
          echo $! >> "$SHARED/pids"
          echo $$ >> "$SHARED/pids"
          touch "$SHARED/started"
          wait
          touch "$SHARED/sleeper-finished"
      - name: normal step
        run: touch "$SHARED/normal-step"
      - name: always step
        if: always()
        run: touch "$SHARED/always-step"
      - name: cancelled step
        if: cancelled()
        run: touch "$SHARED/cancelled-step"
      - name: success step
        if: success()
        run: touch "$SHARED/success-step"
  dependant:
    needs: long
    runs-on: ubuntu-latest
    steps:
      - run: touch "$SHARED/dependant"
  always-job:
    needs: long
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: test "\${{ needs.long.result }}" = cancelled && touch "$SHARED/always-job"
  cancelled-job:
    needs: long
    if: cancelled()
    runs-on: ubuntu-latest
    steps:
      - run: touch "$SHARED/cancelled-job"
  queued:
    runs-on: ubuntu-latest
    steps:
      - run: touch "$SHARED/queued"
      - if: always()
        run: touch "$SHARED/queued-always"
`,
      },
    });
    // --max-jobs 1 keeps `queued` waiting for a slot while `long` runs
    const r = await runAndInterrupt(repo, shared, { args: ["--max-jobs", "1"] });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Cancelling");
    expect(readFileSync(join(shared, "trapped"), "utf8").trim()).toBe("interrupted");
    // what the step printed on its way out is in the log
    expect(r.stdout).toContain("[CI/long] | trap says bye");
    const ran = (m: string) => existsSync(join(shared, m));
    expect({
      "sleeper-finished": ran("sleeper-finished"),
      "normal-step": ran("normal-step"),
      "always-step": ran("always-step"),
      "cancelled-step": ran("cancelled-step"),
      "success-step": ran("success-step"),
      dependant: ran("dependant"),
      "always-job": ran("always-job"),
      "cancelled-job": ran("cancelled-job"),
      queued: ran("queued"),
      "queued-always": ran("queued-always"),
    }).toEqual({
      "sleeper-finished": false,
      "normal-step": false,
      "always-step": true,
      "cancelled-step": true,
      "success-step": false,
      dependant: false,
      "always-job": true,
      "cancelled-job": true,
      queued: false,
      "queued-always": false,
    });
    expect(r.report?.runs[0].conclusion).toBe("cancelled");
    expect(summary(r.report)).toMatchObject({
      CI: { long: "cancelled", "always-job": "success", "cancelled-job": "success" },
    });
    expect(summary(r.report).CI.dependant).not.toBe("success");
    expect(summary(r.report).CI.queued).not.toBe("success");
    const long = r.report?.runs[0].jobs.find((j) => j.id === "long");
    expect(Object.fromEntries((long?.steps ?? []).map((s) => [s.name, s.conclusion]))).toEqual({
      sleeper: "cancelled",
      "normal step": "skipped",
      "always step": "success",
      "cancelled step": "success",
      "success step": "skipped",
    });
    expect(pids(join(shared, "pids")).filter(alive)).toEqual([]);
  });

  it("a second Ctrl-C stops at once: no grace, no always() steps", async () => {
    const shared = scratch();
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  stubborn:
    runs-on: ubuntu-latest
    steps:
      - run: |
          trap 'touch "$SHARED/first-int"' INT
          echo $$ >> "$SHARED/pids"
          touch "$SHARED/started"
          while true; do sleep 0.05 || true; done
      - if: always()
        run: touch "$SHARED/always-step"
  always-job:
    needs: stubborn
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: touch "$SHARED/always-job"
`,
      },
    });
    // The grace is far longer than the test may take: only the second Ctrl-C can end the step.
    const r = await runAndInterrupt(repo, shared, { second: "first-int", graceMs: 600_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Stopping now");
    expect(existsSync(join(shared, "always-step"))).toBe(false);
    expect(existsSync(join(shared, "always-job"))).toBe(false);
    expect(r.report?.runs[0].conclusion).toBe("cancelled");
    expect(summary(r.report).CI.stubborn).toBe("cancelled");
    expect(pids(join(shared, "pids")).filter(alive)).toEqual([]);
  });
});
