// Remote reusable workflows through the programmatic API, read from real git repositories by a
// readRemoteFile over `git show` (what the action store will provide), and GitHub's limits
// checked while a run goes: cycles, 10 levels, 50 unique workflows.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runWorkflows } from "../src/cli/run-workflows.js";
import type { ReadRemoteFile } from "../src/engine/index.js";
import { EventBus, type RunReport } from "../src/engine/index.js";
import { loadWorkflowFiles } from "../src/workflow/index.js";
import { git, makeRepo } from "./harness.js";

const WF = ".github/workflows";

beforeAll(() => {
  process.env.GANTRY_HOME = mkdtempSync(join(tmpdir(), "gantry-home-"));
});

/** Reads files of the repositories in `repos` (owner/name → directory) at a ref, as a store would. */
function gitReader(repos: Record<string, string>): ReadRemoteFile {
  const commits = new Map<string, string>();
  return async (owner, repo, path, ref) => {
    const dir = repos[`${owner}/${repo}`];
    if (!dir) throw new Error(`${owner}/${repo} is not in the store`);
    const out = (...args: string[]) =>
      execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const key = `${owner}/${repo}@${ref}`;
    const commit = commits.get(key) ?? out("rev-parse", `${ref}^{commit}`).trim();
    commits.set(key, commit);
    return { content: out("show", `${commit}:${path}`), commit };
  };
}

function tagged(files: Record<string, string>): string {
  const dir = makeRepo({ files });
  git(dir, "tag", "v1");
  return dir;
}

async function run(
  files: Record<string, string>,
  remotes: Record<string, string>,
): Promise<{ report: RunReport; logs: string[] }> {
  const cwd = makeRepo({ files });
  const loaded = await loadWorkflowFiles([join(cwd, WF, "ci.yml")], cwd);
  expect(loaded.problems).toEqual([]);
  const bus = new EventBus();
  const logs: string[] = [];
  bus.on("job:log", (e) => logs.push(e.line));
  const report = await runWorkflows({
    cwd,
    workflows: loaded.workflows,
    event: "push",
    bus,
    maxJobs: 2,
    readRemoteFile: gitReader(remotes),
  });
  return { report, logs };
}

const names = (report: RunReport) =>
  Object.fromEntries(report.runs[0].jobs.map((j) => [j.name, j.result] as const));

describe("remote reusable workflows", () => {
  it("runs a remote workflow, whose ./ calls read from its own repository and commit", async () => {
    const shared = tagged({
      [`${WF}/build.yml`]: `on:
  workflow_call:
    inputs:
      what:
        type: string
        required: true
    outputs:
      seen:
        value: \${{ jobs.inner.outputs.seen }}
jobs:
  inner:
    uses: ./${WF}/inner.yml
    with:
      what: \${{ inputs.what }}
`,
      [`${WF}/inner.yml`]: `on:
  workflow_call:
    inputs:
      what:
        type: string
    outputs:
      seen:
        value: \${{ jobs.x.outputs.seen }}
jobs:
  x:
    runs-on: ubuntu-latest
    outputs:
      seen: \${{ steps.s.outputs.seen }}
    steps:
      - id: s
        run: echo "seen=remote inner got \${{ inputs.what }}" >> "$GITHUB_OUTPUT"
`,
    });
    const { report } = await run(
      {
        [`${WF}/ci.yml`]: `name: CI
on: push
jobs:
  call:
    uses: octo/shared/${WF}/build.yml@v1
    with:
      what: apples
  after:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - run: test "\${{ needs.call.outputs.seen }}" = "remote inner got apples"
`,
        // A local file of the same path, which the remote workflow must not read.
        [`${WF}/inner.yml`]:
          "on: workflow_call\njobs:\n  local:\n    runs-on: ubuntu-latest\n    steps:\n      - run: exit 1\n",
      },
      { "octo/shared": shared },
    );
    expect(names(report)).toEqual({ "call / inner / x": "success", after: "success" });
    expect(report.runs[0].jobs.map((j) => j.id)).toEqual(["call/inner/x", "after"]);
  });

  it("a workflow that calls itself fails with the chain, not a hang", async () => {
    const shared = tagged({
      [`${WF}/self.yml`]: `on: workflow_call\njobs:\n  again:\n    uses: ./${WF}/self.yml\n`,
    });
    const { report, logs } = await run(
      { [`${WF}/ci.yml`]: `on: push\njobs:\n  call:\n    uses: octo/shared/${WF}/self.yml@v1\n` },
      { "octo/shared": shared },
    );
    expect(names(report)).toEqual({ "call / again": "failure" });
    expect(report.runs[0].conclusion).toBe("failure");
    expect(logs.join("\n")).toMatch(
      /Job 'again' calls '\.\/\.github\/workflows\/self\.yml', which is already running in this chain of calls: octo\/shared\/\.github\/workflows\/self\.yml@[0-9a-f]{40} → octo/,
    );
  });

  it("stops at 10 levels of workflows", async () => {
    const files: Record<string, string> = {};
    for (let i = 2; i <= 11; i++) {
      files[`${WF}/l${i}.yml`] = `on: workflow_call\njobs:\n  down:\n    uses: ./${WF}/l${i + 1}.yml\n`;
    }
    const shared = tagged(files);
    const { report, logs } = await run(
      { [`${WF}/ci.yml`]: `on: push\njobs:\n  down:\n    uses: octo/shared/${WF}/l2.yml@v1\n` },
      { "octo/shared": shared },
    );
    // ci.yml and l2 … l10 make 10 levels; l10's call of l11 is refused.
    expect(names(report)).toEqual({ [`${"down / ".repeat(9)}down`]: "failure" });
    expect(logs.join("\n")).toContain("would exceed the limit of 10 levels of workflows");
  });

  it("stops at 50 unique reusable workflows in a run", async () => {
    const files: Record<string, string> = {};
    let calls = "";
    for (let i = 1; i <= 51; i++) {
      files[`${WF}/w${i}.yml`] =
        "on: workflow_call\njobs:\n  x:\n    if: false\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
      calls += `  c${i}:\n    uses: octo/shared/${WF}/w${i}.yml@v1\n`;
    }
    const shared = tagged(files);
    const { report, logs } = await run(
      { [`${WF}/ci.yml`]: `on: push\njobs:\n${calls}` },
      { "octo/shared": shared },
    );
    // The calls start together: whichever is read last is the one refused.
    const results = Object.values(names(report));
    expect(results.filter((r) => r === "skipped")).toHaveLength(50);
    expect(results.filter((r) => r === "failure")).toHaveLength(1);
    expect(logs).toContainEqual(
      expect.stringMatching(
        /^Error: Job 'c\d+' calls 'octo\/shared\/\.github\/workflows\/w\d+\.yml@v1', but doing so would exceed the limit of 50 unique reusable workflows in a run\.$/,
      ),
    );
  });

  it("a file the store does not have fails the job with the reason", async () => {
    const shared = tagged({ "README.md": "nothing here\n" });
    const { report, logs } = await run(
      {
        [`${WF}/ci.yml`]: `on: push\njobs:\n  call:\n    uses: octo/shared/${WF}/gone.yml@v1\n  other:\n    uses: octo/missing/${WF}/x.yml@main\n`,
      },
      { "octo/shared": shared },
    );
    expect(names(report)).toEqual({ call: "failure", other: "failure" });
    expect(
      logs.some((l) =>
        l.startsWith(`Error: Reusable workflow 'octo/shared/${WF}/gone.yml@v1' could not be read: `),
      ),
    ).toBe(true);
    expect(logs).toContain(
      `Error: Reusable workflow 'octo/missing/${WF}/x.yml@main' could not be read: octo/missing is not in the store`,
    );
  });
});
