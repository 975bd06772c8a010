import { afterEach, describe, expect, it } from "vitest";
import { forgetPushedWorkflows, peekPushedWorkflow, takePushedWorkflow } from "./pushed-workflows.js";

const CI = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";

afterEach(() => forgetPushedWorkflows());

describe("the parses kept for looks at pushed workflows", () => {
  it("parses a file once for every look, and hands that parse to one run only", async () => {
    const file = ".github/workflows/ci.yml";
    const looked = await peekPushedWorkflow(file, CI);
    expect(looked.workflow?.template.events.push).toBeDefined();
    // The next push's look and the tick's: the same parse.
    expect(await peekPushedWorkflow(file, CI)).toBe(looked);
    // A run takes it; no look sees it again, and the next run gets a parse of its own.
    const run = await takePushedWorkflow(file, CI);
    expect(run).toBe(looked);
    const next = await peekPushedWorkflow(file, CI);
    expect(next).not.toBe(run);
    expect(next).toEqual(run);
    const other = await takePushedWorkflow(file, CI);
    expect(other).toBe(next);
    expect(await takePushedWorkflow(file, CI)).not.toBe(other);
  });

  it("keeps a parse by file and content", async () => {
    const a = await peekPushedWorkflow(".github/workflows/a.yml", CI);
    const b = await peekPushedWorkflow(".github/workflows/b.yml", CI);
    expect(b).not.toBe(a);
    expect(b.workflow?.file).toBe(".github/workflows/b.yml");
    const changed = await peekPushedWorkflow(".github/workflows/a.yml", `${CI}# changed\n`);
    expect(changed).not.toBe(a);
    expect(await peekPushedWorkflow(".github/workflows/a.yml", CI)).toBe(a);
  });

  it("does not keep what does not parse to a workflow", async () => {
    const bad = await peekPushedWorkflow(".github/workflows/bad.yml", "- a list\n");
    expect(bad.workflow).toBeUndefined();
    expect(bad.problems.length).toBeGreaterThan(0);
    expect(await peekPushedWorkflow(".github/workflows/bad.yml", "- a list\n")).not.toBe(bad);
  });
});
