// `gantry validate` and `gantry run` on broken workflows: every problem as path:line:col: message,
// all of them in one pass, exit code 2; clean workflows exit 0.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, makeRepo } from "./harness.js";

const WF = ".github/workflows";

/** The problem lines (path:line:col: message) of an output, in the order printed. */
function problemLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /^\S+:\d+:\d+: /.test(l));
}

const CLEAN = `name: Clean
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo a
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.a.result }}"
`;

async function validateOne(yaml: string): Promise<{ code: number | null; lines: string[] }> {
  const repo = makeRepo({ files: { [`${WF}/wf.yml`]: yaml } });
  const r = await gantry(repo, ["validate"]);
  return { code: r.code, lines: problemLines(r.stdout) };
}

describe("gantry validate: one kind of problem at a time", () => {
  it("a YAML syntax error, at the YAML position, with a message of one line", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
        name: a: b
`);
    expect(code).toBe(2);
    expect(lines).toEqual([`${WF}/wf.yml:7:15: Nested mappings are not allowed in compact mappings`]);
  });

  it("an unclosed flow mapping", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  a: {runs-on: ubuntu-latest, steps: [{run: x}]
`);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `${WF}/wf.yml:4:1: Flow map in block collection must be sufficiently indented and end with a }`,
    ]);
  });

  it("several YAML errors are all reported, sorted by position", async () => {
    const { code, lines } = await validateOne(
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n\t- run: x\n",
    );
    expect(code).toBe(2);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines).toContain(`${WF}/wf.yml:6:1: Tabs are not allowed as indentation`);
    const positions = lines.map((l) => l.split(":").slice(1, 3).map(Number));
    expect(positions).toEqual([...positions].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  });

  it("an unknown key", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  build:
    runs-on: ubuntu-latest
    foo: bar
    steps:
      - run: echo hi
`);
    expect(code).toBe(2);
    expect(lines).toEqual([`${WF}/wf.yml:5:5: Unexpected value 'foo'`]);
  });

  it("a step with both run and uses", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
        uses: actions/checkout@v4
`);
    expect(code).toBe(2);
    expect(lines).toEqual([`${WF}/wf.yml:7:9: Unexpected value 'uses'`]);
  });

  it("an action reference without @ref", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout
      - uses: actions/cache/restore@v4
      - uses: docker://alpine:3
      - uses: ./local
      - uses: "owner/repo@v1 @ v2"
`);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `${WF}/wf.yml:6:15: Expected format {org}/{repo}[/path]@ref. Actual 'actions/checkout'`,
      `${WF}/wf.yml:9:15: warning: Local action './local' has no action.yml in the repository (fine if an earlier step creates it)`,
      `${WF}/wf.yml:10:15: Expected format {org}/{repo}[/path]@ref. Actual 'owner/repo@v1 @ v2'`,
    ]);
  });

  it("bad expressions: a syntax error, an unknown context, an unknown function, a bad if", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo \${{ github.sha == }}
      - run: echo \${{ foo.bar }}
      - run: echo \${{ fromJSONX(1) }}
      - run: echo ok
        if: success() && bogus
`);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `${WF}/wf.yml:6:19: Unexpected end of expression: '=='`,
      `${WF}/wf.yml:7:19: Unrecognized named-value: 'foo'`,
      `${WF}/wf.yml:8:19: Unrecognized function: 'fromJSONX'`,
      `${WF}/wf.yml:10:13: Unrecognized named-value: 'bogus'`,
    ]);
  });

  it("a double-quoted string in an expression (expressions take single quotes)", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  build:
    if: github.repository == "a/b"
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`);
    expect(code).toBe(2);
    expect(lines).toEqual([
      expect.stringMatching(/^\.github\/workflows\/wf\.yml:4:9: Unexpected symbol: '"a\/b"'/),
    ]);
  });

  it("a matrix written without expressions is expanded at validation: too many jobs, an empty vector", async () => {
    const values = Array.from({ length: 17 }, (_, i) => i).join(", ");
    const { code, lines } = await validateOne(`on: push
jobs:
  big:
    strategy:
      matrix:
        a: [${values}]
        b: [${values}]
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
  empty:
    strategy:
      matrix:
        os: []
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
  dynamic:
    strategy:
      matrix: \${{ fromJSON('{"a":[1]}') }}
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `${WF}/wf.yml:6:9: Strategy expansion exceeded 256 results: a matrix can produce at most 256 jobs`,
      `${WF}/wf.yml:14:9: Matrix vector 'os' does not contain any values`,
    ]);
  });

  it("a local action's broken action.yml, and a composite's nested local action, at their positions", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/wf.yml`]: `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: ./.github/actions/outer
      - uses: ./.github/actions/noshell
`,
        ".github/actions/outer/action.yml": `name: outer
runs:
  using: composite
  steps:
    - uses: ./.github/actions/inner
`,
        ".github/actions/noshell/action.yml": `runs:
  using: composite
  steps:
    - run: echo no shell
`,
        ".github/actions/inner/action.yml": `name: inner
runs:
  using: node99
  main: index.js
`,
      },
    });
    const r = await gantry(repo, ["validate"]);
    expect(r.code).toBe(2);
    expect(problemLines(r.stdout)).toEqual([
      ".github/actions/inner/action.yml:3:10: Unexpected value 'node99'",
      ".github/actions/noshell/action.yml:4:7: Required property is missing: shell",
    ]);
  });

  it("unknown needs, at the position of the need", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
  test:
    needs: [build, nope]
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`);
    expect(code).toBe(2);
    expect(lines).toEqual([`${WF}/wf.yml:8:20: Job 'test' depends on unknown job 'nope'.`]);
  });

  it("cyclic needs when some job has no needs", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  root:
    runs-on: ubuntu-latest
    steps: [{ run: "true" }]
  x:
    needs: [root, y]
    runs-on: ubuntu-latest
    steps: [{ run: "true" }]
  y:
    needs: x
    runs-on: ubuntu-latest
    steps: [{ run: "true" }]
`);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `${WF}/wf.yml:7:19: Job 'x' depends on job 'y' which creates a cycle in the dependency graph.`,
      `${WF}/wf.yml:11:12: Job 'y' depends on job 'x' which creates a cycle in the dependency graph.`,
    ]);
  });

  it("cyclic needs when every job has needs (the parser alone stops before naming the cycle)", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  x:
    needs: y
    runs-on: ubuntu-latest
    steps: [{ run: "true" }]
  y:
    needs: x
    runs-on: ubuntu-latest
    steps: [{ run: "true" }]
`);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `${WF}/wf.yml:3:3: The workflow must contain at least one job with no dependencies.`,
      `${WF}/wf.yml:4:12: Job 'x' depends on job 'y' which creates a cycle in the dependency graph.`,
      `${WF}/wf.yml:8:12: Job 'y' depends on job 'x' which creates a cycle in the dependency graph.`,
    ]);
  });

  it("a job that needs itself, and an unknown need, when every job has needs", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  s:
    needs: s
    runs-on: ubuntu-latest
    steps: [{ run: "true" }]
  t:
    needs: [s, ghost]
    runs-on: ubuntu-latest
    steps: [{ run: "true" }]
`);
    expect(code).toBe(2);
    expect(lines).toContain(
      `${WF}/wf.yml:4:12: Job 's' depends on job 's' which creates a cycle in the dependency graph.`,
    );
    expect(lines).toContain(`${WF}/wf.yml:8:16: Job 't' depends on unknown job 'ghost'.`);
  });

  it("a filter and its -ignore twin on one event (GitHub rejects it)", async () => {
    const { code, lines } = await validateOne(`on:
  push:
    branches: [main]
    branches-ignore: [dev]
    tags: [v1]
  pull_request:
    paths-ignore: [docs/**]
    paths: [src/**]
jobs:
  a:
    runs-on: ubuntu-latest
    steps: [{ run: "true" }]
`);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `${WF}/wf.yml:4:5: You may only define one of 'branches' and 'branches-ignore' for a single event`,
      `${WF}/wf.yml:7:5: You may only define one of 'paths' and 'paths-ignore' for a single event`,
    ]);
  });

  it("a filter pattern that can match nothing is a warning", async () => {
    const { code, lines } = await validateOne(`on:
  push:
    branches: [main, "!rel[]"]
jobs:
  a:
    runs-on: ubuntu-latest
    steps: [{ run: "true" }]
`);
    expect(code).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(/^\.github\/workflows\/wf\.yml:3:22: warning: Invalid pattern 'rel\[\]'/),
    ]);
  });

  it("a misspelt key: the nearest known key that fits beside the others is suggested", async () => {
    const { code, lines } = await validateOne(`on:
  push:
    branchs: [main]
jobs:
  a:
    runs-on: ubuntu-latest
    timeout-minuts: 5
    timeout: 5
    steps:
      - uses: actions/checkout@v4
        wiht:
          ref: main
      - ru: echo hi
`);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `${WF}/wf.yml:3:5: Unexpected value 'branchs' (did you mean 'branches'?)`,
      `${WF}/wf.yml:7:5: Unexpected value 'timeout-minuts' (did you mean 'timeout-minutes'?)`,
      `${WF}/wf.yml:8:5: Unexpected value 'timeout'`,
      `${WF}/wf.yml:11:9: Unexpected value 'wiht' (did you mean 'with'?)`,
      `${WF}/wf.yml:13:9: Unexpected value 'ru' (did you mean 'run'?)`,
      expect.stringMatching(/^\.github\/workflows\/wf\.yml:13:9: There's not enough info/),
      `${WF}/wf.yml:13:9: Expected one of uses or run to be defined`,
    ]);
  });

  it("matrix.* in a job without a matrix is a warning, as actionlint flags it", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  plain:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ matrix.node }} and matrix.os in the script"
        if: matrix.os == 'linux' || 'matrix.x' == ''
      - run: echo "\${{ format('{0}', matrix['arch']) }}"
  legs:
    strategy:
      matrix:
        node: [20]
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ matrix.node }}"
  dynamic:
    strategy: \${{ fromJSON('{"matrix":{"a":[1]}}') }}
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ matrix.a }}"
`);
    expect(code).toBe(0);
    expect(lines).toEqual([
      `${WF}/wf.yml:6:14: warning: matrix.node is used in job 'plain', which has no strategy.matrix: it is always empty`,
      `${WF}/wf.yml:7:13: warning: matrix.os is used in job 'plain', which has no strategy.matrix: it is always empty`,
      `${WF}/wf.yml:8:14: warning: matrix.arch is used in job 'plain', which has no strategy.matrix: it is always empty`,
    ]);
  });

  it("gantry validate | less: the problems on stdout, the count on stderr", async () => {
    const repo = makeRepo({ files: { [`${WF}/wf.yml`]: BROKEN_A, [`${WF}/ok.yml`]: CLEAN } });
    const r = await gantry(repo, ["validate"]);
    expect(r.code).toBe(2);
    expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(3);
    expect(r.stderr).toBe("3 error(s) in 1 file(s)\n");
  });

  it("a workflow that is not a mapping, and an empty file", async () => {
    const repo = makeRepo({ files: { [`${WF}/a.yml`]: "just a string\n", [`${WF}/b.yml`]: "" } });
    const r = await gantry(repo, ["validate"]);
    expect(r.code).toBe(2);
    expect(problemLines(r.stdout)).toEqual([
      `${WF}/a.yml:1:1: Unexpected value 'just a string'`,
      `${WF}/b.yml:1:1: Expected a scalar value, a sequence, or a mapping`,
    ]);
  });
});

const BROKEN_A = `name: A
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    timeout: 5
    steps:
      - run: echo \${{ nope.x }}
  test:
    needs: missing
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`;

const BROKEN_B = `name: B
on:
  push:
    branchez: [main]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ github.sha ! }}"
`;

describe("several problems across files, in one pass", () => {
  const expected = [
    `${WF}/a.yml:6:5: Unexpected value 'timeout'`,
    `${WF}/a.yml:8:19: Unrecognized named-value: 'nope'`,
    `${WF}/a.yml:10:12: Job 'test' depends on unknown job 'missing'.`,
    `${WF}/b.yml:4:5: Unexpected value 'branchez' (did you mean 'branches'?)`,
    expect.stringMatching(/^\.github\/workflows\/b\.yml:9:20: /),
  ];

  it("gantry validate reports every problem of every file and exits 2", async () => {
    const repo = makeRepo({
      files: { [`${WF}/a.yml`]: BROKEN_A, [`${WF}/b.yml`]: BROKEN_B, [`${WF}/clean.yml`]: CLEAN },
    });
    const r = await gantry(repo, ["validate"]);
    expect(r.code).toBe(2);
    expect(problemLines(r.stdout)).toEqual(expected);
    expect(r.stdout).not.toContain("clean.yml");
    // Counted per file with errors (clean.yml has none), on stderr beside the problems.
    expect(r.stderr).toBe("5 error(s) in 2 file(s)\n");
  });

  it("gantry run reports the same problems, fails each broken file on its own, runs the others, exits 1", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "gantry-marker-")), "ran");
    const repo = makeRepo({
      files: {
        [`${WF}/a.yml`]: BROKEN_A,
        [`${WF}/b.yml`]: BROKEN_B,
        [`${WF}/clean.yml`]: `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: touch "${marker}"
`,
      },
    });
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(problemLines(r.stderr)).toEqual(expected);
    expect(existsSync(marker)).toBe(true);
    const runs = r.report?.runs.map((run) => ({
      file: run.file,
      workflow: run.workflow,
      conclusion: run.conclusion,
      jobs: run.jobs.length,
      problems: run.problems?.length ?? 0,
    }));
    expect(runs).toEqual([
      { file: `${WF}/a.yml`, workflow: "A", conclusion: "failure", jobs: 0, problems: 3 },
      { file: `${WF}/b.yml`, workflow: "B", conclusion: "failure", jobs: 0, problems: 2 },
      { file: `${WF}/clean.yml`, workflow: `${WF}/clean.yml`, conclusion: "success", jobs: 1, problems: 0 },
    ]);
    expect(r.report?.runs[0].problems?.[0]).toBe(`${WF}/a.yml:6:5: Unexpected value 'timeout'`);
    expect(r.stdout).toContain(`✗ A (${WF}/a.yml): failure`);
    expect(r.stdout).toContain(`      ${WF}/a.yml:6:5: Unexpected value 'timeout'`);
  });

  it("gantry run passes over a broken workflow the event would not start: the others run, exit 0", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/pr.yml`]: BROKEN_A.replace("on: push", "on: pull_request"),
        [`${WF}/clean.yml`]: CLEAN,
      },
    });
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    expect(problemLines(r.stderr)[0]).toBe(`${WF}/pr.yml:6:5: Unexpected value 'timeout'`);
    expect(r.report?.runs.map((run) => [run.workflow, run.conclusion])).toEqual([["Clean", "success"]]);
  });

  it("a file whose on: cannot be read fails whatever the event; one with a readable on: is matched", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/yaml.yml`]:
          "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo hi\n        name: a: b\n",
        [`${WF}/on.yml`]: BROKEN_B,
        [`${WF}/push.yml`]: BROKEN_A,
        [`${WF}/dispatch.yml`]: CLEAN.replace("on: push", "on: workflow_dispatch"),
      },
    });
    const r = await gantry(repo, ["run", "--event", "workflow_dispatch"]);
    expect(r.code).toBe(1);
    expect(r.report?.runs.map((run) => [run.file, run.conclusion])).toEqual([
      [`${WF}/dispatch.yml`, "success"],
      [`${WF}/on.yml`, "failure"],
      [`${WF}/yaml.yml`, "failure"],
    ]);
    expect(r.report?.runs[2].problems).toEqual([
      `${WF}/yaml.yml:7:15: Nested mappings are not allowed in compact mappings`,
    ]);
  });

  it("--job: a broken file that has the job fails; one without it is passed over", async () => {
    const repo = makeRepo({
      files: { [`${WF}/a.yml`]: BROKEN_A, [`${WF}/clean.yml`]: CLEAN },
    });
    const other = await gantry(repo, ["run", "--job", "b"]);
    expect(other.code).toBe(0);
    expect(other.report?.runs.map((run) => run.workflow)).toEqual(["Clean"]);
    const own = await gantry(repo, ["run", "--job", "build"]);
    expect(own.code).toBe(1);
    expect(own.report?.runs.map((run) => [run.workflow, run.conclusion])).toEqual([["A", "failure"]]);
  });

  it("an error inside if: ${{ … }} is reported once, without an echo about the ${{", async () => {
    const { code, lines } = await validateOne(`on: push
jobs:
  a:
    if: \${{ github.repository == "x/y" }}
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
        if: \${{ foo.bar }}
      - run: echo hi
        if: \${{ github.event_name == 'push' }}
`);
    expect(code).toBe(2);
    expect(lines).toEqual([
      expect.stringMatching(/^\.github\/workflows\/wf\.yml:4:9: Unexpected symbol: '"x\/y"'/),
      `${WF}/wf.yml:8:13: Unrecognized named-value: 'foo'`,
    ]);
  });
});

describe("clean workflows", () => {
  it("gantry validate exits 0, prints no problem, and the count on stderr", async () => {
    const repo = makeRepo({ files: { [`${WF}/clean.yml`]: CLEAN, [`${WF}/other.yaml`]: CLEAN } });
    const r = await gantry(repo, ["validate"]);
    expect(r.stdout).toBe("");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("2 workflow file(s) valid\n");
  });

  it("a missing local action is a warning, not an error: exit 0", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/wf.yml`]: `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: ./.github/actions/setup
`,
      },
    });
    const r = await gantry(repo, ["validate"]);
    expect(r.code).toBe(0);
    expect(problemLines(r.stdout)).toEqual([
      expect.stringMatching(/^\.github\/workflows\/wf\.yml:6:15: warning: /),
    ]);
  });

  it("a missing local reusable workflow is an error in a repository", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/wf.yml`]: `on: push
jobs:
  call:
    uses: ./.github/workflows/reusable.yml
`,
      },
    });
    const r = await gantry(repo, ["validate"]);
    expect(r.code).toBe(2);
    expect(problemLines(r.stdout)).toEqual([
      `${WF}/wf.yml:4:11: Reusable workflow './.github/workflows/reusable.yml' was not found in the repository`,
    ]);
  });
});

describe("gantry validate FILE…", () => {
  const files = {
    [`${WF}/a.yml`]: BROKEN_A,
    [`${WF}/b.yml`]: BROKEN_B,
    [`${WF}/clean.yml`]: CLEAN,
    "elsewhere/extra.yml": CLEAN.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    bogus: 1"),
  };

  it("checks only the files named", async () => {
    const repo = makeRepo({ files });
    const clean = await gantry(repo, ["validate", `${WF}/clean.yml`]);
    expect(clean.stdout).toBe("");
    expect(clean.code).toBe(0);
    expect(clean.stderr).toBe("1 workflow file(s) valid\n");

    const one = await gantry(repo, ["validate", `${WF}/b.yml`]);
    expect(one.code).toBe(2);
    expect(problemLines(one.stdout)).toEqual([
      `${WF}/b.yml:4:5: Unexpected value 'branchez' (did you mean 'branches'?)`,
      expect.stringMatching(/^\.github\/workflows\/b\.yml:9:20: /),
    ]);
  });

  it("several files, one outside .github/workflows, are reported together", async () => {
    const repo = makeRepo({ files });
    const r = await gantry(repo, ["validate", `${WF}/b.yml`, `${WF}/clean.yml`, "elsewhere/extra.yml"]);
    expect(r.code).toBe(2);
    const lines = problemLines(r.stdout);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`${WF}/b.yml:4:5: Unexpected value 'branchez' (did you mean 'branches'?)`);
    expect(lines[1]).toMatch(/^\.github\/workflows\/b\.yml:9:20: /);
    expect(lines[2]).toBe("elsewhere/extra.yml:6:5: Unexpected value 'bogus'");
    expect(r.stdout).not.toContain(`${WF}/a.yml`);
  });

  it("a file that does not exist is bad usage", async () => {
    const repo = makeRepo({ files });
    const r = await gantry(repo, ["validate", `${WF}/nope.yml`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nope.yml");
  });
});
