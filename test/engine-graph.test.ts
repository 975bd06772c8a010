import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, repoWith, scratch, summary } from "./harness.js";

function readLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/**
 * A step body that records `start X`/`end X` and fails the check if another job holds the
 * lock (mkdir is atomic): overlapping jobs write `overlap`.
 */
const exclusive = (label: string) =>
  `echo "start ${label}" >> "$SHARED/log"
          if mkdir "$SHARED/lock" 2>/dev/null; then
            sleep 0.2
            rmdir "$SHARED/lock"
          else
            echo overlap >> "$SHARED/log"
            sleep 0.2
          fi
          echo "end ${label}" >> "$SHARED/log"`;

/** A step body that waits (bounded) until `n` jobs have arrived: `together` proves they ran at once. */
const together = (label: string, n: number) =>
  `touch "$SHARED/in-${label}"
          for i in $(seq 1 200); do
            if [ "$(ls "$SHARED" | grep -c '^in-')" -ge ${n} ]; then echo together >> "$SHARED/log"; exit 0; fi
            sleep 0.05
          done
          echo alone >> "$SHARED/log"`;

describe.concurrent("job graph: needs", () => {
  it("runs jobs in the order their needs give", async () => {
    const shared = scratch();
    const step = (id: string) => `
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "start ${id}" >> "$SHARED/log"
          sleep 0.1
          echo "end ${id}" >> "$SHARED/log"`;
    const repo = repoWith(`name: CI
on: push
jobs:
  d:
    needs: [b, c]${step("d")}
  b:
    needs: a${step("b")}
  a:${step("a")}
  c:
    needs: a${step("c")}
`);
    const r = await gantry(repo, ["run", "--max-jobs", "4"], { env: { SHARED: shared } });
    expect(r.code).toBe(0);
    const log = readLines(join(shared, "log"));
    expect(log).toHaveLength(8);
    const at = (line: string) => log.indexOf(line);
    expect(at("end a")).toBeLessThan(at("start b"));
    expect(at("end a")).toBeLessThan(at("start c"));
    expect(at("end b")).toBeLessThan(at("start d"));
    expect(at("end c")).toBeLessThan(at("start d"));
    expect(summary(r.report)).toEqual({ CI: { d: "success", b: "success", a: "success", c: "success" } });
  });

  it("runs independent jobs in parallel up to --max-jobs", async () => {
    const workflow = (body: (id: string) => string) => `name: CI
on: push
jobs:
${["x", "y", "z"]
  .map(
    (id) => `  ${id}:
    runs-on: ubuntu-latest
    steps:
      - run: |
          ${body(id)}
`,
  )
  .join("")}`;
    const serial = scratch();
    const r1 = await gantry(repoWith(workflow(exclusive)), ["run", "--max-jobs", "1"], {
      env: { SHARED: serial },
    });
    expect(r1.code).toBe(0);
    const log1 = readLines(join(serial, "log"));
    expect(log1).not.toContain("overlap");
    // One job at a time: every start is followed by its own end.
    for (let i = 0; i < log1.length; i += 2) expect(log1[i + 1]).toBe(log1[i].replace("start", "end"));

    const parallel = scratch();
    const all = (id: string) => together(id, 3);
    const r3 = await gantry(repoWith(workflow(all)), ["run", "--max-jobs", "3"], {
      env: { SHARED: parallel },
    });
    expect(r3.code).toBe(0);
    expect(readLines(join(parallel, "log"))).toEqual(["together", "together", "together"]);
  });

  it("runs the job named with --job and the jobs it needs, nothing else", async () => {
    const shared = scratch();
    const job = (id: string, needs?: string) => `  ${id}:
    ${needs ? `needs: ${needs}` : ""}
    runs-on: ubuntu-latest
    steps:
      - run: echo ${id} >> "$SHARED/log"
`;
    const repo = repoWith(`name: CI
on: push
jobs:
${job("a")}${job("b", "a")}${job("c")}${job("d", "b")}`);
    const r = await gantry(repo, ["run", "--job", "b"], { env: { SHARED: shared } });
    expect(r.code).toBe(0);
    expect(readLines(join(shared, "log"))).toEqual(["a", "b"]);
    expect(summary(r.report)).toEqual({ CI: { a: "success", b: "success" } });
  });
});

describe.concurrent("job graph: if and status functions", () => {
  it("evaluates success(), failure(), always(), cancelled() and the implicit success() against needs", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  bad:
    runs-on: ubuntu-latest
    steps:
      - run: exit 1
  implicit:
    needs: bad
    runs-on: ubuntu-latest
    steps:
      - run: true
  on-success:
    needs: bad
    if: success()
    runs-on: ubuntu-latest
    steps:
      - run: true
  on-failure:
    needs: bad
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: echo "bad was \${{ needs.bad.result }}" && test "\${{ needs.bad.result }}" = failure
  on-always:
    needs: bad
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: true
  on-cancelled:
    needs: bad
    if: cancelled()
    runs-on: ubuntu-latest
    steps:
      - run: true
  grandchild-failure:
    needs: on-always
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: true
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({
      CI: {
        bad: "failure",
        implicit: "skipped",
        "on-success": "skipped",
        "on-failure": "success",
        "on-always": "success",
        "on-cancelled": "skipped",
        // failure() at job level looks at every ancestor, not only the direct needs.
        "grandchild-failure": "success",
      },
    });
    expect(r.report?.runs[0].conclusion).toBe("failure");
  });

  it("skips a job whose if is false and every job that needs it, unless they ask for always()", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  a:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - run: true
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: true
  c:
    needs: b
    runs-on: ubuntu-latest
    steps:
      - run: true
  d:
    needs: b
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: test "\${{ needs.b.result }}" = skipped
  e:
    needs: a
    if: \${{ !failure() && !cancelled() }}
    runs-on: ubuntu-latest
    steps:
      - run: true
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({
      CI: { a: "skipped", b: "skipped", c: "skipped", d: "success", e: "success" },
    });
  });

  it("hands needs.<id>.result and needs.<id>.outputs to dependants", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  producer:
    runs-on: ubuntu-latest
    outputs:
      greeting: \${{ steps.one.outputs.greeting }}
      combined: \${{ steps.one.outputs.greeting }}-\${{ steps.two.outputs.n }}
      missing: \${{ steps.one.outputs.nope }}
    steps:
      - id: one
        run: echo "greeting=hello" >> "$GITHUB_OUTPUT"
      - id: two
        run: echo "n=42" >> "$GITHUB_OUTPUT"
  consumer:
    needs: producer
    runs-on: ubuntu-latest
    steps:
      - run: |
          test "\${{ needs.producer.result }}" = success
          test "\${{ needs.producer.outputs.greeting }}" = hello
          test "\${{ needs.producer.outputs.combined }}" = hello-42
          test "\${{ needs.producer.outputs.missing }}" = ""
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({ CI: { producer: "success", consumer: "success" } });
    expect(r.report?.runs[0].jobs[0].outputs).toEqual({
      greeting: "hello",
      combined: "hello-42",
      missing: "",
    });
  });
});

describe.concurrent("job graph: matrices", () => {
  it("expands include/exclude, names legs like GitHub and fills the strategy context", async () => {
    const shared = scratch();
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [18, 20]
        os: [linux, mac]
        exclude:
          - node: 20
            os: mac
        include:
          - node: 18
            os: linux
            extra: yes
          - node: 22
            os: linux
    steps:
      - run: echo "\${{ matrix.node }} \${{ matrix.os }} \${{ strategy.job-index }}/\${{ strategy.job-total }} \${{ matrix.extra || '-' }}" >> "$SHARED/legs"
`);
    const r = await gantry(repo, ["run"], { env: { SHARED: shared } });
    expect(r.code).toBe(0);
    const jobs = r.report?.runs[0].jobs ?? [];
    expect(jobs.map((j) => j.name).sort()).toEqual([
      "build (18, linux)",
      "build (18, mac)",
      "build (20, linux)",
      "build (22, linux)",
    ]);
    expect(jobs.find((j) => j.name === "build (18, linux)")?.matrix).toEqual({
      node: 18,
      os: "linux",
      extra: "yes",
    });
    expect(readLines(join(shared, "legs")).sort()).toEqual([
      "18 linux 0/4 yes",
      "18 mac 1/4 -",
      "20 linux 2/4 -",
      "22 linux 3/4 -",
    ]);
  });

  it("aggregates a matrix job's result over its legs for needs", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  legs:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        n: [1, 2, 3]
    steps:
      - run: test \${{ matrix.n }} != 2
  all-good:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2]
    steps:
      - run: true
  report:
    needs: [legs, all-good]
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: |
          test "\${{ needs.legs.result }}" = failure
          test "\${{ needs.all-good.result }}" = success
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({
      CI: {
        "legs (1)": "success",
        "legs (2)": "failure",
        "legs (3)": "success",
        "all-good (1)": "success",
        "all-good (2)": "success",
        report: "success",
      },
    });
  });

  it("builds a matrix with fromJSON from a previous job's outputs", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  plan:
    runs-on: ubuntu-latest
    outputs:
      matrix: \${{ steps.m.outputs.matrix }}
    steps:
      - id: m
        run: echo 'matrix={"target":["x86","arm"],"include":[{"target":"arm","emulated":true}]}' >> "$GITHUB_OUTPUT"
  build:
    needs: plan
    runs-on: ubuntu-latest
    strategy:
      matrix: \${{ fromJSON(needs.plan.outputs.matrix) }}
    steps:
      - run: test "\${{ matrix.emulated == true }}" = "\${{ matrix.target == 'arm' }}"
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({
      CI: { plan: "success", "build (x86)": "success", "build (arm)": "success" },
    });
  });

  it("refuses a matrix of more than 256 jobs with a clear error", async () => {
    const values = JSON.stringify(Array.from({ length: 17 }, (_, i) => i));
    const repo = repoWith(`name: CI
on: push
jobs:
  plan:
    runs-on: ubuntu-latest
    outputs:
      values: \${{ steps.v.outputs.values }}
    steps:
      - id: v
        run: echo 'values=${values}' >> "$GITHUB_OUTPUT"
  huge:
    needs: plan
    runs-on: ubuntu-latest
    strategy:
      matrix:
        a: \${{ fromJSON(needs.plan.outputs.values) }}
        b: \${{ fromJSON(needs.plan.outputs.values) }}
    steps:
      - run: true
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    const jobs = r.report?.runs[0].jobs ?? [];
    expect(jobs.map((j) => [j.name, j.result])).toEqual([
      ["plan", "success"],
      ["huge", "failure"],
    ]);
    expect(r.stdout).toMatch(/Strategy expansion exceeded 256 results/);
  });
});

describe.concurrent("job graph: fail-fast, max-parallel, continue-on-error", () => {
  it("fail-fast cancels the other legs, running and waiting", async () => {
    const shared = scratch();
    const repo = repoWith(`name: CI
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 2
      matrix:
        n: [1, 2, 3]
    steps:
      - run: |
          if [ \${{ matrix.n }} = 1 ]; then
            for i in $(seq 1 200); do [ -e "$SHARED/started-2" ] && break; sleep 0.05; done
            exit 1
          fi
          touch "$SHARED/started-\${{ matrix.n }}"
          sleep 30
          touch "$SHARED/finished-\${{ matrix.n }}"
`);
    const r = await gantry(repo, ["run", "--max-jobs", "4"], {
      env: { SHARED: shared, GANTRY_CANCEL_GRACE_MS: "200" },
    });
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({
      CI: { "test (1)": "failure", "test (2)": "cancelled", "test (3)": "cancelled" },
    });
    expect(existsSync(join(shared, "finished-2"))).toBe(false);
    expect(existsSync(join(shared, "started-3"))).toBe(false);
    expect(r.report?.runs[0].conclusion).toBe("failure");
  });

  it("fail-fast: false lets the other legs finish", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      max-parallel: 2
      matrix:
        n: [1, 2, 3]
    steps:
      - run: |
          if [ \${{ matrix.n }} = 1 ]; then exit 1; fi
          sleep 0.2
`);
    const r = await gantry(repo, ["run", "--max-jobs", "4"]);
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({
      CI: { "test (1)": "failure", "test (2)": "success", "test (3)": "success" },
    });
  });

  it("a failing leg with continue-on-error cancels nothing and does not fail the run", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    continue-on-error: \${{ matrix.experimental }}
    strategy:
      matrix:
        n: [1, 2]
        experimental: [false]
        include:
          - n: 3
            experimental: true
    steps:
      - run: |
          if [ \${{ matrix.n }} = 3 ]; then touch "$SHARED/failing"; exit 1; fi
          # still running when the experimental leg fails
          for i in $(seq 1 200); do [ -e "$SHARED/failing" ] && break; sleep 0.05; done
          sleep 0.5
  after:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: true
`);
    const r = await gantry(repo, ["run", "--max-jobs", "4"], { env: { SHARED: scratch() } });
    expect(summary(r.report)).toEqual({
      CI: {
        "test (1, false)": "success",
        "test (2, false)": "success",
        "test (3, true)": "failure",
        after: "success",
      },
    });
    expect(r.report?.runs[0].conclusion).toBe("success");
    expect(r.code).toBe(0);
  });

  it("max-parallel keeps a matrix to that many legs at once", async () => {
    const workflow = (maxParallel: number, body: string) => `name: CI
on: push
jobs:
  legs:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: ${maxParallel}
      matrix:
        n: [1, 2, 3]
    steps:
      - run: |
          ${body}
`;
    const one = scratch();
    const r1 = await gantry(repoWith(workflow(1, exclusive("${{ matrix.n }}"))), ["run", "--max-jobs", "4"], {
      env: { SHARED: one },
    });
    expect(r1.code).toBe(0);
    expect(readLines(join(one, "log"))).toHaveLength(6);
    expect(readLines(join(one, "log"))).not.toContain("overlap");

    const three = scratch();
    const body = together("${{ matrix.n }}", 3);
    const r3 = await gantry(repoWith(workflow(3, body)), ["run", "--max-jobs", "4"], {
      env: { SHARED: three },
    });
    expect(r3.code).toBe(0);
    expect(readLines(join(three, "log"))).toEqual(["together", "together", "together"]);
  });

  it("job continue-on-error: the job fails, dependants run and the run succeeds", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  flaky:
    runs-on: ubuntu-latest
    continue-on-error: true
    steps:
      - run: exit 3
  next:
    needs: flaky
    runs-on: ubuntu-latest
    steps:
      - run: true
`);
    const r = await gantry(repo, ["run"]);
    expect(summary(r.report)).toEqual({ CI: { flaky: "failure", next: "success" } });
    expect(r.report?.runs[0].conclusion).toBe("success");
    expect(r.code).toBe(0);
  });
});

describe.concurrent("job graph: timeouts", () => {
  it("fails a job that runs past its timeout-minutes and skips what needs it", async () => {
    const shared = scratch();
    const repo = repoWith(`name: CI
on: push
jobs:
  slow:
    runs-on: ubuntu-latest
    timeout-minutes: 0.01
    steps:
      - run: |
          sleep 30
          touch "$SHARED/slept"
      - run: touch "$SHARED/next-step"
  after:
    needs: slow
    runs-on: ubuntu-latest
    steps:
      - run: true
  cleanup:
    needs: slow
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: test "\${{ needs.slow.result }}" = failure
`);
    const r = await gantry(repo, ["run"], { env: { SHARED: shared, GANTRY_CANCEL_GRACE_MS: "200" } });
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({ CI: { slow: "failure", after: "skipped", cleanup: "success" } });
    expect(r.report?.runs[0].conclusion).toBe("failure");
    expect(existsSync(join(shared, "slept"))).toBe(false);
    expect(existsSync(join(shared, "next-step"))).toBe(false);
    expect(r.stdout).toMatch(/exceeded the maximum execution time/);
  });
});
