import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JobReport, StepReport } from "../src/engine/index.js";
import { alive, gantry, hasCommand, job, pids, repoWith, scratch, summary } from "./harness.js";

/** Each step as `outcome/conclusion`, by step name. */
function steps(j: JobReport): Record<string, string> {
  return Object.fromEntries(j.steps.map((s: StepReport) => [s.name, `${s.outcome}/${s.conclusion}`]));
}

describe.concurrent("steps: shells", () => {
  it("runs the unspecified shell without pipefail and `shell: bash` with it", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  default:
    runs-on: ubuntu-latest
    steps:
      - run: |
          false | true
          echo "pipe ok"
  bash:
    runs-on: ubuntu-latest
    steps:
      - run: |
          false | true
          echo "not reached"
        shell: bash
  errexit:
    runs-on: ubuntu-latest
    steps:
      - run: |
          false
          echo "not reached"
`);
    const r = await gantry(repo, ["run"]);
    expect(summary(r.report)).toEqual({ CI: { default: "success", bash: "failure", errexit: "failure" } });
    expect(r.stdout).toContain("[CI/default] | pipe ok");
    expect(r.stdout).not.toContain("not reached");
    expect(r.code).toBe(1);
  });

  it("runs sh, python and custom shells with the script file in place of {0}", async () => {
    const python = hasCommand("python3") || hasCommand("python");
    const repo = repoWith(`name: CI
on: push
jobs:
  shells:
    runs-on: ubuntu-latest
    steps:
      - name: sh
        shell: sh
        run: |
          echo "sh bash-version=[\${BASH_VERSION:-none}]"
          false
          echo "sh not reached"
        continue-on-error: true
      - name: python
        if: \${{ ${python} }}
        shell: python
        run: |
          import os, sys
          print("python", sys.version_info[0])
          with open(os.environ["GITHUB_OUTPUT"], "a") as f:
              f.write("lang=python\\n")
        id: py
      - name: perl
        shell: perl {0}
        run: |
          print "perl says " . (1 + 2) . "\\n";
      - name: bash -x
        shell: bash -x {0}
        run: echo traced
      - name: custom fails
        shell: bash --noprofile --norc -e {0}
        run: |
          false
          echo "custom not reached"
        continue-on-error: true
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    const j = job(r.report, "shells");
    expect(steps(j)).toEqual({
      sh: "failure/success",
      python: python ? "success/success" : "skipped/skipped",
      perl: "success/success",
      "bash -x": "success/success",
      "custom fails": "failure/success",
    });
    // dash (or bash as sh) runs it with -e
    expect(r.stdout).toMatch(/\| sh bash-version=\[/);
    expect(r.stdout).not.toContain("sh not reached");
    if (python) {
      expect(r.stdout).toContain("| python 3");
      expect(j.steps[1].outputs).toEqual({ lang: "python" });
    }
    expect(r.stdout).toContain("| perl says 3");
    expect(r.stdout).toContain("| + echo traced");
    expect(r.stdout).not.toContain("custom not reached");
  });

  it("fails a step whose shell cannot be found, with a message", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - shell: no-such-shell-here {0}
        run: echo hi
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({ CI: { a: "failure" } });
    expect(r.stdout).toMatch(/Unable to locate executable file: no-such-shell-here/);
  });
});

describe.concurrent("steps: working directory and defaults", () => {
  it("honours working-directory and defaults.run at workflow and job level (job wins, step wins over both)", async () => {
    const repo = repoWith(`name: CI
on: push
defaults:
  run:
    shell: bash
    working-directory: from-workflow
jobs:
  workflow-defaults:
    runs-on: ubuntu-latest
    steps:
      - working-directory: \${{ github.workspace }}
        run: mkdir -p from-workflow sub/dir
      - run: test "$PWD" = "$GITHUB_WORKSPACE/from-workflow"
      - name: pipefail from the workflow's shell
        run: false | true
        continue-on-error: true
      - working-directory: sub/dir
        run: test "$PWD" = "$GITHUB_WORKSPACE/sub/dir"
  job-defaults:
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: sh
        working-directory: from-job
    steps:
      - working-directory: .
        run: mkdir -p from-job
      - run: test "$PWD" = "$GITHUB_WORKSPACE/from-job"
      - name: sh has no pipefail
        run: false | true
`);
    const r = await gantry(repo, ["run"]);
    expect(summary(r.report)).toEqual({ CI: { "workflow-defaults": "success", "job-defaults": "success" } });
    expect(steps(job(r.report, "workflow-defaults"))["pipefail from the workflow's shell"]).toBe(
      "failure/success",
    );
    expect(r.code).toBe(0);
  });

  it("fails a step whose working-directory does not exist", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - working-directory: missing
        run: echo hi
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({ CI: { a: "failure" } });
    expect(r.stdout).toMatch(/with working directory '[^']*\/missing'. No such file or directory/);
  });
});

describe.concurrent("steps: env and expressions", () => {
  it("layers env workflow < job < GITHUB_ENV < step, in the process and the env context", async () => {
    const repo = repoWith(`name: CI
on: push
env:
  A: wf
  B: wf
  C: wf
  D: wf
  REF: \${{ github.ref }}
jobs:
  j:
    runs-on: ubuntu-latest
    env:
      B: job
      C: job
      D: job
      FROM_JOB: \${{ github.event_name }}-seen-by-job
    steps:
      - run: |
          test "$A $B $C $D" = "wf job job job"
          test "\${{ env.B }}" = job
          test "$FROM_JOB" = push-seen-by-job
          test "$REF" = refs/heads/main
          echo "C=from-file" >> "$GITHUB_ENV"
          echo "D=from-file" >> "$GITHUB_ENV"
          echo "E=from-file" >> "$GITHUB_ENV"
      - env:
          D: step
          F: \${{ env.E }}-in-step
        run: |
          test "$A $B $C $D $E" = "wf job from-file step from-file"
          test "\${{ env.C }} \${{ env.D }}" = "from-file step"
          test "$F" = from-file-in-step
          echo ok
`);
    const r = await gantry(repo, ["run"]);
    expect(r.stdout).toContain("[CI/j] | ok");
    expect(summary(r.report)).toEqual({ CI: { j: "success" } });
    expect(r.code).toBe(0);
  });

  it("evaluates expressions in name, run, env and with", async () => {
    const repo = repoWith(
      `name: CI
on: push
env:
  DEST: into-\${{ github.event_name }}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - name: Check out \${{ github.ref_name }} \${{ github.event_name }}
        uses: actions/checkout@v4
        with:
          path: \${{ env.DEST }}
      - name: \${{ format('{0}-{1}', 'formatted', github.event_name) }}
        run: |
          test -f "$GITHUB_WORKSPACE/into-push/hello.txt"
          echo "\${{ contains(github.ref, 'main') && 'has-main' || 'no-main' }} \${{ join(fromJSON('[1,2]'), '+') }}"
          echo 'quoted \${{ github.event_name }}' 'twice'
`,
      { "hello.txt": "hi\n" },
    );
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    const j = job(r.report, "j");
    expect(j.steps.map((s) => s.name)).toEqual(["Check out main push", "formatted-push"]);
    expect(r.stdout).toContain("| has-main 1+2");
    expect(r.stdout).toContain("| quoted push twice");
  });

  it("evaluates expressions in multi-line strings on the scalar's value (indentation, folding, chomping)", async () => {
    const python = hasCommand("python3") || hasCommand("python");
    const repo = repoWith(`name: CI
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - name: heredoc
        run: |
          cat <<EOF > "$RUNNER_TEMP/out.txt"
          \${{ github.event_name }}
            indented
          EOF
          printf '%s' "\${{ 'x' }}" > "$RUNNER_TEMP/x.txt"
          test "$(cat "$RUNNER_TEMP/out.txt")" = "push
            indented"
      - name: folded
        run: >-
          test "\${{ github.event_name }}"
          = push
      - name: quoted
        env:
          MULTI: "a \${{ github.event_name }}
            b"
          KEEP: |+
            \${{ github.event_name }}

        run: |
          test "$MULTI" = "a push b"
          test "\${#KEEP}" = 6 && test "$(echo "$KEEP")" = push
      - name: python
        if: \${{ ${python} }}
        shell: python
        run: |
          name = "\${{ github.event_name }}"
          if name == "push":
              print("python got " + name)
`);
    const r = await gantry(repo, ["run"]);
    expect(steps(job(r.report, "j"))).toEqual({
      heredoc: "success/success",
      folded: "success/success",
      quoted: "success/success",
      python: python ? "success/success" : "skipped/skipped",
    });
    if (python) expect(r.stdout).toContain("| python got push");
    expect(r.code).toBe(0);
  });

  it("fails a step whose expression cannot be evaluated", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ fromJSON('not json') }}"
      - if: failure()
        run: echo "after the failed expression"
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("after the failed expression");
    expect(r.stdout).toMatch(/not json/);
    expect(steps(job(r.report, "j"))).toMatchObject({
      "Run echo \"${{ fromJSON('not json') }}\"": "failure/failure",
    });
  });
});

describe.concurrent("steps: if, continue-on-error, outputs, timeouts", () => {
  it("runs steps by their if, and tells outcome from conclusion under continue-on-error", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    env:
      FLAG: "yes"
    steps:
      - name: flag on
        if: env.FLAG == 'yes'
        run: true
      - name: flag off
        if: env.FLAG == 'no'
        run: exit 1
      - name: tolerated
        id: tolerated
        continue-on-error: true
        run: exit 4
      - name: still success
        run: |
          test "\${{ steps.tolerated.outcome }}" = failure
          test "\${{ steps.tolerated.conclusion }}" = success
          test "\${{ job.status }}" = success
      - name: only on failure (not yet)
        if: failure()
        run: true
      - name: breaks
        id: breaks
        run: exit 2
      - name: skipped by the failure
        run: true
      - name: on failure
        if: failure() && steps.breaks.outcome == 'failure'
        run: test "\${{ job.status }}" = failure
      - name: always
        if: always()
        run: true
      - name: cancelled
        if: cancelled()
        run: true
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(steps(job(r.report, "j"))).toEqual({
      "flag on": "success/success",
      "flag off": "skipped/skipped",
      tolerated: "failure/success",
      "still success": "success/success",
      "only on failure (not yet)": "skipped/skipped",
      breaks: "failure/failure",
      "skipped by the failure": "skipped/skipped",
      "on failure": "success/success",
      always: "success/success",
      cancelled: "skipped/skipped",
    });
    expect(summary(r.report)).toEqual({ CI: { j: "failure" } });
  });

  it("collects step outputs from GITHUB_OUTPUT (multiline too) and ::set-output", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: out
        run: |
          echo "one=1" >> "$GITHUB_OUTPUT"
          {
            echo "text<<EOF_MARK"
            echo "line a"
            echo "line b"
            echo "EOF_MARK"
          } >> "$GITHUB_OUTPUT"
          echo "::set-output name=legacy::old style"
      - run: |
          test "\${{ steps.out.outputs.one }}" = 1
          test "\${{ steps.out.outputs.text }}" = "line a
          line b"
          test "\${{ steps.out.outputs.legacy }}" = "old style"
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    expect(job(r.report, "j").steps[0].outputs).toEqual({
      one: "1",
      text: "line a\nline b",
      legacy: "old style",
    });
  });

  it("fails a step past its timeout-minutes, kills its process tree, and goes on with if: failure()", async () => {
    const shared = scratch();
    const repo = repoWith(`name: CI
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - name: slow
        timeout-minutes: 0.01
        run: |
          sleep 300 > /dev/null 2>&1 &
          echo $! >> "$SHARED/pids"
          bash -c 'sleep 300 & echo $! >> "$SHARED/pids"; wait' > /dev/null 2>&1 &
          echo $! >> "$SHARED/pids"
          echo $$ >> "$SHARED/pids"
          sleep 300
          touch "$SHARED/finished"
      - name: tolerated slow
        timeout-minutes: 0.01
        continue-on-error: true
        run: sleep 300
      - name: next
        run: true
      - name: on failure
        if: failure()
        run: true
`);
    const r = await gantry(repo, ["run"], { env: { SHARED: shared, GANTRY_CANCEL_GRACE_MS: "300" } });
    expect(r.code).toBe(1);
    expect(steps(job(r.report, "j"))).toEqual({
      slow: "failure/failure",
      "tolerated slow": "skipped/skipped",
      next: "skipped/skipped",
      "on failure": "success/success",
    });
    expect(r.stdout).toMatch(/timed out/);
    expect(existsSync(join(shared, "finished"))).toBe(false);
    const started = pids(join(shared, "pids"));
    expect(started.length).toBeGreaterThanOrEqual(4);
    expect(started.filter(alive)).toEqual([]);
  });

  it("continues after a timed-out step with continue-on-error", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - name: tolerated slow
        id: slow
        timeout-minutes: 0.01
        continue-on-error: true
        run: sleep 300
      - name: next
        run: test "\${{ steps.slow.outcome }}" = failure
`);
    const r = await gantry(repo, ["run"], { env: { GANTRY_CANCEL_GRACE_MS: "300" } });
    expect(steps(job(r.report, "j"))).toEqual({
      "tolerated slow": "failure/success",
      next: "success/success",
    });
    expect(r.code).toBe(0);
  });

  it("keeps a background process a step started for later steps, and ends it with the job", async () => {
    const shared = scratch();
    const repo = repoWith(`name: CI
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - name: start a service
        run: |
          (while true; do date > "$SHARED/heartbeat"; sleep 0.05; done) > /dev/null 2>&1 &
          echo $! > "$SHARED/pid"
      - name: use it
        run: |
          rm -f "$SHARED/heartbeat"
          for i in $(seq 1 100); do [ -e "$SHARED/heartbeat" ] && break; sleep 0.05; done
          test -e "$SHARED/heartbeat"
`);
    const r = await gantry(repo, ["run"], { env: { SHARED: shared } });
    expect(steps(job(r.report, "j"))).toEqual({
      "start a service": "success/success",
      "use it": "success/success",
    });
    expect(r.code).toBe(0);
    expect(alive(pids(join(shared, "pid"))[0])).toBe(false);
  });
});
