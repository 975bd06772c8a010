import { describe, expect, it } from "vitest";
import { loadWorkflow } from "./load.js";
import { buildWorkflowDef } from "./model.js";

async function def(yaml: string) {
  const loaded = await loadWorkflow("w.yml", yaml);
  const errors = loaded.problems.filter((p) => p.severity === "error");
  if (!loaded.workflow || errors.length > 0) throw new Error(JSON.stringify(loaded.problems));
  return buildWorkflowDef(loaded.workflow);
}

describe("permissions: in the engine's workflow model", () => {
  it("keeps the workflow's and each job's permissions: as written, and none where there are none", async () => {
    const w = await def(`on: push
permissions:
  actions: write
  contents: read
jobs:
  inherits:
    runs-on: ubuntu-latest
    steps: [{ run: echo }]
  own:
    runs-on: ubuntu-latest
    permissions: read-all
    steps: [{ run: echo }]
  nothing:
    runs-on: ubuntu-latest
    permissions: {}
    steps: [{ run: echo }]
  calls:
    permissions:
      pull-requests: write
    uses: ./.github/workflows/called.yml
`);
    expect(w.permissions).toEqual({ actions: "write", contents: "read" });
    const jobs = Object.fromEntries(w.jobs.map((j) => [j.id, j.permissions]));
    expect(jobs).toEqual({
      inherits: undefined,
      own: "read-all",
      nothing: {},
      calls: { "pull-requests": "write" },
    });
  });

  it("a workflow without permissions: has none", async () => {
    const w = await def("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{ run: echo }]\n");
    expect(w.permissions).toBeUndefined();
    expect(w.jobs[0].permissions).toBeUndefined();
  });
});
