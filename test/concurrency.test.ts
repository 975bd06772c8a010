import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, makeRepo, repoWith, scratch, summary } from "./harness.js";

/**
 * A step body that notes in $SHARED/overlap when another step holding `lock` is running at the same
 * time: it holds the lock for a second, so steps that did not wait for each other would meet.
 */
const exclusive = (lock: string) =>
  `lock="$SHARED/lock-${lock}"; if [ -e "$lock" ]; then echo "$lock" >> "$SHARED/overlap"; fi; touch "$lock"; sleep 1; rm -f "$lock"`;

const superseded = (group: string) =>
  `Canceling since a higher priority waiting request for '${group}' exists`;

describe("concurrency groups", () => {
  it("matrix legs sharing one static group: the first runs, older pending legs are cancelled, the newest runs after it", async () => {
    const shared = scratch();
    const repo = repoWith(`name: CI
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2, 3, 4]
    concurrency: Deploy
    steps:
      - run: |
          for other in 1 2 3 4; do
            if [ -f "$SHARED/running-$other" ]; then echo "overlap with $other" > "$SHARED/overlap"; fi
          done
          touch "$SHARED/running-\${{ matrix.n }}"
          ls "$SHARED" > "$SHARED/seen-by-\${{ matrix.n }}"
          rm "$SHARED/running-\${{ matrix.n }}"
          touch "$SHARED/done-\${{ matrix.n }}"
`);
    const r = await gantry(repo, ["run", "--max-jobs", "4"], { env: { SHARED: shared } });
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({
      CI: {
        "deploy (1)": "success",
        "deploy (2)": "cancelled",
        "deploy (3)": "cancelled",
        "deploy (4)": "success",
      },
    });
    expect(r.report?.runs[0].conclusion).toBe("cancelled");
    // Leg 4 waited for leg 1 to finish: never two at once, and leg 1 had finished when leg 4 ran.
    expect(existsSync(join(shared, "overlap"))).toBe(false);
    expect(readFileSync(join(shared, "seen-by-4"), "utf8")).toContain("done-1");
    expect(existsSync(join(shared, "done-2"))).toBe(false);
    expect(existsSync(join(shared, "done-3"))).toBe(false);
    const cancelled = r.report?.runs[0].jobs.find((j) => j.name === "deploy (2)");
    expect(cancelled?.startedAt).toBeNull();
    // The message names the group as the newer leg wrote it.
    expect(r.stdout).toContain(superseded("Deploy"));
  });

  it("different groups (from the matrix) do not wait on each other; names are case-insensitive", async () => {
    const shared = scratch();
    const repo = repoWith(`name: CI
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        env: [prod, Prod, staging]
    concurrency: deploy-\${{ matrix.env }}
    steps:
      - run: ${exclusive("$(echo ${{ matrix.env }} | tr A-Z a-z)")}
`);
    const r = await gantry(repo, ["run", "--max-jobs", "3"], { env: { SHARED: shared } });
    expect(existsSync(join(shared, "overlap"))).toBe(false);
    // prod and Prod are one group: the second waits for the first, then runs.
    expect(summary(r.report)).toEqual({
      CI: { "deploy (prod)": "success", "deploy (Prod)": "success", "deploy (staging)": "success" },
    });
    expect(r.code).toBe(0);
  });

  it("cancel-in-progress as an expression cancels the running job of the group", async () => {
    const shared = scratch();
    const repo = repoWith(`name: CI
on: push
jobs:
  slow:
    runs-on: ubuntu-latest
    concurrency:
      group: env-\${{ github.ref }}
      cancel-in-progress: \${{ github.job == 'never' }}
    steps:
      - run: |
          touch "$SHARED/slow-started"
          for i in $(seq 1 600); do sleep 0.1; done
          touch "$SHARED/slow-finished"
      - if: always()
        run: touch "$SHARED/slow-always"
  trigger:
    runs-on: ubuntu-latest
    steps:
      - run: |
          for i in $(seq 1 600); do [ -f "$SHARED/slow-started" ] && break; sleep 0.1; done
  fast:
    needs: trigger
    runs-on: ubuntu-latest
    concurrency:
      group: ENV-\${{ github.ref }}
      cancel-in-progress: \${{ needs.trigger.result == 'success' && startsWith(github.ref, 'refs/heads/') }}
    steps:
      - run: touch "$SHARED/fast-ran"
`);
    const r = await gantry(repo, ["run"], { env: { SHARED: shared, GANTRY_CANCEL_GRACE_MS: "2000" } });
    expect(summary(r.report)).toEqual({ CI: { slow: "cancelled", trigger: "success", fast: "success" } });
    expect(existsSync(join(shared, "slow-finished"))).toBe(false);
    // A job cancelled by cancel-in-progress is cancelled like any other: always() steps still run.
    expect(existsSync(join(shared, "slow-always"))).toBe(true);
    expect(existsSync(join(shared, "fast-ran"))).toBe(true);
    expect(r.stdout).toContain(superseded("ENV-refs/heads/main"));
    expect(r.code).toBe(1);
  });

  it("workflow-level groups hold across the runs of one gantry run: the newest pending run replaces the older", async () => {
    const shared = scratch();
    const workflow = (name: string) => `name: ${name}
on: push
concurrency: deploy-\${{ github.ref_name }}
jobs:
  job:
    runs-on: ubuntu-latest
    steps:
      - run: |
          for other in "$SHARED"/running-*; do [ -e "$other" ] && echo "$other" >> "$SHARED/overlap"; done
          touch "$SHARED/running-${name}"
          ls "$SHARED" > "$SHARED/seen-by-${name}"
          rm "$SHARED/running-${name}"
          touch "$SHARED/done-${name}"
`;
    const repo = makeRepo({
      files: {
        ".github/workflows/a.yml": workflow("A"),
        ".github/workflows/b.yml": workflow("B"),
        ".github/workflows/c.yml": workflow("C"),
      },
    });
    const r = await gantry(repo, ["run"], { env: { SHARED: shared } });
    const runs = Object.fromEntries((r.report?.runs ?? []).map((run) => [run.workflow, run]));
    expect(runs.A.conclusion).toBe("success");
    expect(runs.B.conclusion).toBe("cancelled");
    expect(runs.B.jobs).toEqual([]);
    expect(runs.C.conclusion).toBe("success");
    expect(existsSync(join(shared, "overlap"))).toBe(false);
    expect(readFileSync(join(shared, "seen-by-C"), "utf8")).toContain("done-A");
    expect(r.stdout).toContain(`B: error: ${superseded("deploy-main")}`);
    expect(r.code).toBe(1);
  });

  it("workflow-level cancel-in-progress as an expression cancels the older run", async () => {
    const workflow = (name: string) => `name: ${name}
on: push
concurrency:
  group: ci
  cancel-in-progress: \${{ github.workflow == 'Newer' }}
jobs:
  job:
    runs-on: ubuntu-latest
    steps:
      - run: echo ${name}
`;
    const repo = makeRepo({
      files: {
        ".github/workflows/1-older.yml": workflow("Older"),
        ".github/workflows/2-newer.yml": workflow("Newer"),
      },
    });
    const r = await gantry(repo, ["run"]);
    expect(summary(r.report)).toEqual({ Older: { job: "cancelled" }, Newer: { job: "success" } });
    expect(r.stdout).toContain(`Older: error: ${superseded("ci")}`);
  });

  it("a job asking for its own run's workflow-level group fails as a deadlock", async () => {
    const repo = repoWith(`name: CI
on: push
concurrency: release-\${{ github.ref_name }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo build
  publish:
    needs: build
    runs-on: ubuntu-latest
    concurrency: RELEASE-main
    steps:
      - run: echo publish
`);
    const r = await gantry(repo, ["run"]);
    expect(summary(r.report)).toEqual({ CI: { build: "success", publish: "failure" } });
    expect(r.stdout).toContain(
      "Canceling since a deadlock was detected for concurrency group: 'RELEASE-main' between a top level workflow and 'publish'",
    );
    expect(r.code).toBe(1);
  });

  it("a called workflow whose group is its caller's (github.workflow is the caller's) fails the call as a deadlock", async () => {
    const repo = makeRepo({
      files: {
        ".github/workflows/release.yml": `name: Release
on: push
concurrency: \${{ github.workflow }}-\${{ github.ref }}
jobs:
  build:
    uses: ./.github/workflows/build.yml
  after:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo after
`,
        ".github/workflows/build.yml": `name: Build
on: workflow_call
concurrency: \${{ github.workflow }}-\${{ github.ref }}
jobs:
  compile:
    runs-on: ubuntu-latest
    steps:
      - run: echo compile
`,
      },
    });
    const r = await gantry(repo, ["run"]);
    expect(summary(r.report)).toEqual({ Release: { build: "failure", after: "skipped" } });
    expect(r.stdout).toContain(
      "Canceling since a deadlock was detected for concurrency group: 'Release-refs/heads/main' between a top level workflow and 'build'",
    );
  });

  it("queue: max runs every waiting leg in order", async () => {
    const shared = scratch();
    const repo = repoWith(`name: CI
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2, 3]
    concurrency:
      group: deploy
      queue: max
    steps:
      - run: |
          ${exclusive("deploy")}
          echo \${{ matrix.n }} >> "$SHARED/order"
`);
    const r = await gantry(repo, ["run", "--max-jobs", "3"], { env: { SHARED: shared } });
    expect(summary(r.report)).toEqual({
      CI: { "deploy (1)": "success", "deploy (2)": "success", "deploy (3)": "success" },
    });
    expect(existsSync(join(shared, "overlap"))).toBe(false);
    expect(readFileSync(join(shared, "order"), "utf8")).toBe("1\n2\n3\n");
  });

  it("queue: max with cancel-in-progress: true is a validation error at its position", async () => {
    const repo = repoWith(`on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    concurrency:
      group: deploy
      cancel-in-progress: true
      queue: max
    steps:
      - run: echo hi
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      ".github/workflows/ci.yml:8:14: 'queue: max' cannot be combined with 'cancel-in-progress: true'.",
    );
  });

  it("a group that cannot be evaluated fails the job with the reason", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    concurrency:
      group: \${{ github.head_ref }}
    steps:
      - run: echo hi
`);
    const r = await gantry(repo, ["run"]);
    expect(summary(r.report)).toEqual({ CI: { deploy: "failure" } });
    expect(r.stdout).toContain("concurrency.group: the group name evaluated to an empty string");
    expect(r.code).toBe(1);
  });
});
