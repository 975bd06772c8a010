import { describe, expect, it } from "vitest";
import { loadWorkflow } from "./load.js";
import { parseCallRef, readWorkflowCall, resolveCallInputs, resolveCallSecrets } from "./workflow-call.js";

async function spec(yaml: string) {
  const loaded = await loadWorkflow("called.yml", yaml);
  if (!loaded.workflow) throw new Error(JSON.stringify(loaded.problems));
  return readWorkflowCall(loaded.workflow);
}

const CALLED = `on:
  push:
  workflow_call:
    inputs:
      name: { type: string, default: "n/a" }
      Count: { type: number }
      flag: { type: boolean, required: true }
    secrets:
      token: { required: true }
      extra:
    outputs:
      out: { value: "\${{ jobs.a.outputs.x }}" }
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo
`;

describe("readWorkflowCall", () => {
  it("reads inputs, secrets and outputs; none for a workflow that cannot be called", async () => {
    const s = await spec(CALLED);
    expect(s?.inputs.map((i) => [i.name, i.type, i.required])).toEqual([
      ["name", "string", false],
      ["Count", "number", false],
      ["flag", "boolean", true],
    ]);
    expect(s?.secrets).toEqual([
      { name: "token", required: true },
      { name: "extra", required: false },
    ]);
    expect(s?.outputs.map((o) => o.name)).toEqual(["out"]);
    expect(
      await spec("on: [push, workflow_call]\njobs:\n  a:\n    uses: ./.github/workflows/x.yml\n"),
    ).toEqual({
      inputs: [],
      secrets: [],
      outputs: [],
    });
    expect(await spec("on: push\njobs:\n  a:\n    uses: ./.github/workflows/x.yml\n")).toBeUndefined();
  });
});

describe("resolveCallInputs", () => {
  it("types values, applies defaults (false, 0, '' when none), matches names case-insensitively", async () => {
    const s = await spec(CALLED);
    if (!s) throw new Error("no spec");
    const evalDefault = () => "from default";
    expect(resolveCallInputs(s, { FLAG: true, count: 3 }, evalDefault)).toEqual({
      inputs: { name: "from default", Count: 3, flag: true },
      errors: [],
    });
    expect(resolveCallInputs(s, { flag: false, name: 12 }, evalDefault).inputs).toEqual({
      name: "12",
      Count: 0,
      flag: false,
    });
  });

  it("lists every problem: unknown, missing required, wrong types", async () => {
    const s = await spec(CALLED);
    if (!s) throw new Error("no spec");
    expect(resolveCallInputs(s, { Count: "60", name: { a: 1 }, nope: 1 }, () => "").errors).toEqual([
      "Invalid input, nope is not defined in the referenced workflow.",
      "Input 'name' expects a string, got an object",
      "Input 'Count' expects a number, got string '60'",
      "Input flag is required, but not provided while calling.",
    ]);
  });
});

describe("resolveCallSecrets", () => {
  it("passes declared secrets one by one, or all with inherit; GITHUB_TOKEN always", async () => {
    const s = await spec(CALLED);
    if (!s) throw new Error("no spec");
    const caller = { GITHUB_TOKEN: "gh", TOP: "t" };
    expect(resolveCallSecrets(s, { TOKEN: "x" }, caller)).toEqual({
      secrets: { token: "x", GITHUB_TOKEN: "gh" },
      errors: [],
    });
    expect(resolveCallSecrets(s, "inherit", caller)).toEqual({ secrets: caller, errors: [] });
    expect(resolveCallSecrets(s, { other: "y" }, caller).errors).toEqual([
      "Invalid secret, other is not defined in the referenced workflow.",
      "Secret token is required, but not provided while calling.",
    ]);
  });
});

describe("parseCallRef", () => {
  it("parses local and remote references and refuses the rest", () => {
    expect(parseCallRef("./.github/workflows/ci.yml")).toEqual({
      kind: "local",
      path: ".github/workflows/ci.yml",
    });
    expect(parseCallRef("o/r/.github/workflows/b.yaml@v1")).toEqual({
      kind: "remote",
      owner: "o",
      repo: "r",
      path: ".github/workflows/b.yaml",
      ref: "v1",
    });
    expect(parseCallRef("./.github/workflows/sub/x.yml")).toMatch(/directly in \.github\/workflows/);
    expect(parseCallRef("./.github/workflows/x.yml@main")).toMatch(/takes no @ref/);
    expect(parseCallRef("o/r/.github/workflows/b.yml")).toMatch(/^Invalid reusable workflow reference/);
    expect(parseCallRef("o/r/.github/workflows/b.yml@refs/heads/main")).toMatch(/ref prefixes/);
  });
});
