import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { describe, expect, it } from "vitest";
import { parseActionManifest } from "./action-manifest.js";
import { MAX_ALIAS_EXPANSION_NODES, MAX_WORKFLOW_FILE_BYTES, parseWorkflowBounded } from "./bounded-parse.js";
import { loadWorkflow } from "./load.js";
import { loadWorkflowFiles } from "./load-files.js";
import { formatProblem } from "./problems.js";

/**
 * A "billion laughs" workflow: `a0` is nine strings, each `aN` nine aliases of `a(N-1)`, so the
 * last level expands to 9^depth strings. Line 4 holds a0, line 4+N holds aN.
 */
function aliasBomb(depth: number): string {
  let yaml =
    'name: bomb\non: push\nenv:\n  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i <= depth; i++)
    yaml += `  a${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(",")}]\n`;
  return `${yaml}jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n`;
}

const aliasErrors = <T extends { message: string }>(problems: T[]) =>
  problems.filter((p) => p.message.startsWith("Aliases expand to more than"));

describe("alias expansion is capped", () => {
  it("the cap is 100,000 nodes", () => {
    expect(MAX_ALIAS_EXPANSION_NODES).toBe(100_000);
  });

  // a1..a4 add 9·10 + 9·91 + 9·820 + 9·7,381 = 74,718 nodes; a5's first alias (*a4, 66,430 more)
  // crosses 100,000: line 9 (a5's), column 12 (`  a5: &a5 [` is 11 characters).
  it.each([5, 6, 9, 12, 20])(
    "a %i-level alias bomb is an error at the alias that crosses the cap",
    async (depth) => {
      const result = await loadWorkflow("bomb.yml", aliasBomb(depth));
      expect(result.workflow).toBeUndefined();
      expect(aliasErrors(result.problems).map(formatProblem)).toEqual([
        "bomb.yml:9:12: Aliases expand to more than 100,000 nodes; expanding '*a4' here crossed the limit (a YAML alias bomb?)",
      ]);
    },
  );

  it("a 4-level one (74,718 nodes) is within the cap: only the schema's errors", async () => {
    const result = await loadWorkflow("bomb.yml", aliasBomb(4));
    expect(aliasErrors(result.problems)).toEqual([]);
    expect(result.problems.length).toBeGreaterThan(0); // env values are strings, not lists
    expect(result.workflow).toBeDefined();
  });

  it("a bomb of mappings in an ordinary place is caught too, at its alias", async () => {
    let yaml =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n        with:\n";
    yaml += "          l0: &l0 {a: lol, b: lol, c: lol, d: lol, e: lol, f: lol, g: lol, h: lol, i: lol}\n";
    for (let i = 1; i <= 9; i++) {
      const keys = "abcdefghi".split("").map((k) => `${k}: *l${i - 1}`);
      yaml += `          l${i}: &l${i} {${keys.join(", ")}}\n`;
    }
    const result = await loadWorkflow("w.yml", yaml);
    expect(result.workflow).toBeUndefined();
    const [err] = aliasErrors(result.problems);
    // l1..l3 add 16,551 nodes, each *l3 14,761 more: the sixth alias on l4's line crosses the cap.
    expect(err).toMatchObject({ file: "w.yml", line: 12, severity: "error" });
    expect(yaml.split("\n")[err.line - 1].slice(err.col - 4)).toMatch(/^f: \*l3,/);
  });

  it("an action.yml bomb is an error too", () => {
    const yaml = aliasBomb(9).replace(/^name: bomb\non: push\nenv:/, "name: a\ndescription: d\ninputs:");
    const { manifest, problems } = parseActionManifest("action.yml", yaml);
    expect(manifest).toBeUndefined();
    expect(aliasErrors(problems)).toHaveLength(1);
  });

  it("a circular alias ends (as in GitHub's parser: it adds nothing)", async () => {
    const yaml =
      "on: push\njobs:\n  a: &a\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n    x: [*a]\n";
    const result = await loadWorkflow("w.yml", yaml);
    expect(aliasErrors(result.problems)).toEqual([]);
  });
});

describe("aliases still read as GitHub's parser reads them", () => {
  const uses = `name: anchors
on:
  push:
    branches: &branches [main, 'release/**']
  pull_request:
    branches: *branches
env: &env
  A: one
  B: \${{ github.sha }}
jobs:
  a:
    runs-on: ubuntu-latest
    env: *env
    steps: &steps
      - uses: actions/checkout@v4
      - run: echo "$A"
        name: say
  b:
    runs-on: &os ubuntu-latest
    env: &env
      A: redefined
    steps: *steps
  c:
    runs-on: *os
    env: *env
    steps: *steps
`;

  it("the same tokens and errors as the parser's own reader", () => {
    const ours = parseWorkflowBounded("w.yml", uses);
    const theirs = parseWorkflow({ name: "w.yml", content: uses }, new NoOperationTraceWriter());
    expect(ours.limit).toBeUndefined();
    expect(JSON.stringify(ours.value)).toEqual(JSON.stringify(theirs.value));
    expect(ours.context.errors.getErrors()).toEqual(theirs.context.errors.getErrors());
  });

  it.each([
    [
      "neither * nor &",
      "name: plain\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n",
    ],
    [
      "* and & but no alias",
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ls **/x && echo '*a'\n",
    ],
    [
      "an error without an alias",
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    bogus: 1\n    steps: []\n",
    ],
  ])("the same tokens and errors as the parser's own reader for a file with %s", (_what, text) => {
    const ours = parseWorkflowBounded("w.yml", text);
    const theirs = parseWorkflow({ name: "w.yml", content: text }, new NoOperationTraceWriter());
    expect(ours.limit).toBeUndefined();
    expect(JSON.stringify(ours.value)).toEqual(JSON.stringify(theirs.value));
    expect(ours.context.errors.getErrors()).toEqual(theirs.context.errors.getErrors());
  });

  it("an alias takes the last anchor of its name before it", async () => {
    const result = await loadWorkflow("w.yml", uses);
    expect(result.problems).toEqual([]);
    const env = (id: string) => result.workflow?.template.jobs.find((j) => j.id.value === id);
    expect(JSON.stringify(env("a"))).toContain('{"Key":"A","Value":"one"}');
    expect(JSON.stringify(env("c"))).toContain('{"Key":"A","Value":"redefined"}');
  });
});

describe("workflow files over 1 MiB", () => {
  const padded = (bytes: number) => {
    const head = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
    return head + "#".repeat(bytes - head.length - 1) + "\n";
  };

  it("the limit is GitHub's, 1 MiB", () => {
    expect(MAX_WORKFLOW_FILE_BYTES).toBe(1024 * 1024);
  });

  it("one byte over is an error at 1:1 saying the size and the limit", async () => {
    const result = await loadWorkflow("big.yml", padded(MAX_WORKFLOW_FILE_BYTES + 1));
    expect(result.workflow).toBeUndefined();
    expect(result.problems.map(formatProblem)).toEqual([
      "big.yml:1:1: The file is 1,048,577 bytes; the limit is 1,048,576 (1 MiB, as on GitHub)",
    ]);
  });

  it("exactly the limit is read", async () => {
    const result = await loadWorkflow("big.yml", padded(MAX_WORKFLOW_FILE_BYTES));
    expect(result.problems).toEqual([]);
    expect(result.workflow).toBeDefined();
  });

  it("counts bytes, not characters", async () => {
    // 7 characters more, 14 bytes more: under the limit in characters, 4 bytes over it in UTF-8.
    const content = padded(MAX_WORKFLOW_FILE_BYTES - 10).replace("#", "#ééééééé");
    expect(content.length).toBeLessThan(MAX_WORKFLOW_FILE_BYTES);
    const result = await loadWorkflow("big.yml", content);
    expect(result.problems.map((p) => p.message)).toEqual([
      "The file is 1,048,580 bytes; the limit is 1,048,576 (1 MiB, as on GitHub)",
    ]);
  });

  it("loadWorkflowFiles reports an oversize file on disk, and a bomb, each at its position", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-bounded-"));
    writeFileSync(join(dir, "big.yml"), padded(MAX_WORKFLOW_FILE_BYTES + 100));
    writeFileSync(join(dir, "bomb.yml"), aliasBomb(9));
    const { problems, workflows } = await loadWorkflowFiles(
      [join(dir, "big.yml"), join(dir, "bomb.yml")],
      dir,
    );
    expect(workflows).toEqual([]);
    expect(problems.map(formatProblem).filter((p) => !/sequence was not expected/.test(p))).toEqual([
      "big.yml:1:1: The file is 1,048,676 bytes; the limit is 1,048,576 (1 MiB, as on GitHub)",
      "bomb.yml:9:12: Aliases expand to more than 100,000 nodes; expanding '*a4' here crossed the limit (a YAML alias bomb?)",
    ]);
  });
});
