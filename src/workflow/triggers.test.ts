import { describe, expect, it } from "vitest";
import type { Json } from "../expressions/index.js";
import { loadWorkflow } from "./load.js";
import { type TriggerEvent, workflowMatches } from "./triggers.js";

/** The `on:` events of a workflow written as YAML, through GitHub's parser (no errors allowed). */
async function on(yaml: string) {
  const loaded = await loadWorkflow(
    "w.yml",
    `on:${yaml}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n`,
  );
  expect(loaded.problems).toEqual([]);
  if (!loaded.workflow) throw new Error("no workflow");
  return loaded.workflow.template.events;
}

function event(name: string, payload: { [key: string]: Json }): TriggerEvent {
  return { name, payload, ref: "refs/heads/main", changedFiles: () => [] };
}

const workflowRun = (action: string, name: string, branch = "main") =>
  event("workflow_run", { action, workflow_run: { name, head_branch: branch } });

describe("repository_dispatch", () => {
  it("without types takes every event_type, with types only those listed", async () => {
    const any = await on("\n  repository_dispatch:");
    const typed = await on("\n  repository_dispatch:\n    types: [deploy, release]");
    const deploy = event("repository_dispatch", { action: "deploy", client_payload: {} });
    const other = event("repository_dispatch", { action: "lint", client_payload: {} });
    expect(workflowMatches(any, deploy)).toBe(true);
    expect(workflowMatches(any, other)).toBe(true);
    expect(workflowMatches(typed, deploy)).toBe(true);
    expect(workflowMatches(typed, other)).toBe(false);
  });

  it("takes the string forms GitHub accepts (`on: repository_dispatch`, in a list)", async () => {
    const ev = event("repository_dispatch", { action: "x" });
    expect(workflowMatches(await on(" repository_dispatch"), ev)).toBe(true);
    expect(workflowMatches(await on(" [push, repository_dispatch]"), ev)).toBe(true);
    expect(workflowMatches(await on(" push"), ev)).toBe(false);
  });

  it("still reports a value that is not an event", async () => {
    const loaded = await loadWorkflow(
      "w.yml",
      "on: [push, repository_dispatchx]\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: echo\n",
    );
    expect(loaded.problems.map((p) => p.message)).toEqual(["Unexpected value 'repository_dispatchx'"]);
  });
});

describe("workflow_run", () => {
  it("matches the triggering workflow by name, as filter patterns", async () => {
    const events = await on("\n  workflow_run:\n    workflows: [Build, 'Deploy *', 'C\\+\\+']");
    expect(workflowMatches(events, workflowRun("completed", "Build"))).toBe(true);
    expect(workflowMatches(events, workflowRun("completed", "Deploy prod"))).toBe(true);
    expect(workflowMatches(events, workflowRun("completed", "C++"))).toBe(true);
    expect(workflowMatches(events, workflowRun("completed", "build"))).toBe(false);
    expect(workflowMatches(events, workflowRun("completed", "Build and test"))).toBe(false);
  });

  it("takes `workflows` as one string, and names a workflow without `name:` by its path", async () => {
    const one = await on("\n  workflow_run:\n    workflows: Build");
    expect(workflowMatches(one, workflowRun("requested", "Build"))).toBe(true);
    const byPath = await on("\n  workflow_run:\n    workflows: ['.github/workflows/build.yml']");
    expect(workflowMatches(byPath, workflowRun("requested", ".github/workflows/build.yml"))).toBe(true);
    expect(workflowMatches(byPath, workflowRun("requested", "Build"))).toBe(false);
  });

  it("without `workflows` is started by no workflow", async () => {
    expect(workflowMatches(await on(" workflow_run"), workflowRun("completed", "Build"))).toBe(false);
    expect(
      workflowMatches(
        await on("\n  workflow_run:\n    types: [completed]"),
        workflowRun("completed", "Build"),
      ),
    ).toBe(false);
  });

  it("without types takes requested, in_progress and completed; with types only those", async () => {
    const all = await on("\n  workflow_run:\n    workflows: [Build]");
    const completed = await on("\n  workflow_run:\n    workflows: [Build]\n    types: [completed]");
    for (const action of ["requested", "in_progress", "completed"]) {
      expect(workflowMatches(all, workflowRun(action, "Build"))).toBe(true);
      expect(workflowMatches(completed, workflowRun(action, "Build"))).toBe(action === "completed");
    }
  });

  it("filters the triggering run's head_branch with branches and branches-ignore", async () => {
    const branches = await on(
      "\n  workflow_run:\n    workflows: [Build]\n    branches: [main, 'releases/**']",
    );
    const ignore = await on("\n  workflow_run:\n    workflows: [Build]\n    branches-ignore: ['feature/*']");
    expect(workflowMatches(branches, workflowRun("completed", "Build", "main"))).toBe(true);
    expect(workflowMatches(branches, workflowRun("completed", "Build", "releases/v1/rc"))).toBe(true);
    expect(workflowMatches(branches, workflowRun("completed", "Build", "dev"))).toBe(false);
    expect(workflowMatches(ignore, workflowRun("completed", "Build", "feature/x"))).toBe(false);
    expect(workflowMatches(ignore, workflowRun("completed", "Build", "dev"))).toBe(true);
  });

  it("does not start on an event without a triggering run (nothing to match)", async () => {
    const events = await on("\n  workflow_run:\n    workflows: [Build]");
    expect(workflowMatches(events, event("workflow_run", { action: "completed" }))).toBe(false);
    expect(workflowMatches(events, event("workflow_run", { action: "completed", workflow_run: "x" }))).toBe(
      false,
    );
  });
});
