// Which workflows an event starts (`on:` with its filters), end to end through `gantry run`
// --event/--ref/--eventpath/--input, and the github context a run sees.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunReport } from "../src/engine/index.js";
import { type GantryResult, gantry, git, makeRepo, summary } from "./harness.js";

const WF = ".github/workflows";

/** A one-job workflow named `name` whose `on:` is the YAML `on` (written as at the top level). */
function workflow(name: string, on: string): string {
  const indented = on
    .trim()
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
  return `name: ${name}
on:
${indented}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo ran
`;
}

/** Workflow files, one per entry: name → `on:` YAML. */
function workflows(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(entries).map(([name, on]) => [`${WF}/${name}.yml`, workflow(name, on)]),
  );
}

/** The names of the workflows that ran, sorted; every one must have succeeded. */
function ran(r: GantryResult): string[] {
  expect(r.stderr).toBe("");
  expect(r.code, r.stdout).toBe(0);
  const runs = summary(r.report);
  for (const [name, jobs] of Object.entries(runs)) {
    expect(Object.values(jobs).length, name).toBeGreaterThan(0);
    expect(new Set(Object.values(jobs)), name).toEqual(new Set(["success"]));
  }
  return Object.keys(runs).sort();
}

function payloadFile(payload: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), "gantry-event-")), "event.json");
  writeFileSync(file, JSON.stringify(payload));
  return file;
}

function commit(repo: string, files: Record<string, string>, message: string): string {
  for (const [path, content] of Object.entries(files)) {
    const full = join(repo, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", message);
  return git(repo, "rev-parse", "HEAD");
}

/** Outputs of step `id` in the first job of the only run. */
function stepOutputs(report: RunReport | undefined, id: string): Record<string, string> {
  expect(report?.runs).toHaveLength(1);
  const step = report?.runs[0].jobs[0].steps.find((s) => s.id === id);
  expect(step, `step ${id}`).toBeDefined();
  return step?.outputs ?? {};
}

describe("push: branches and tags", () => {
  const files = workflows({
    plain: "push:",
    "branches-main": "push:\n  branches: [main]",
    "branches-release": "push:\n  branches: ['release/**']",
    "branches-ignore-main": "push:\n  branches-ignore: [main]",
    "all-but-main": "push:\n  branches: ['**', '!main']",
    "main-again": "push:\n  branches: ['!main', 'ma*']",
    "tags-only": "push:\n  tags: ['v*']",
    "tags-ignore-v": "push:\n  tags-ignore: ['v*']",
    "tags-ignore-v2": "push:\n  tags-ignore: ['v2*']",
    "branches-and-tags": "push:\n  branches: [main]\n  tags: ['v1*']",
    "paths-only": "push:\n  paths: ['nothing-changes-here/**']",
    "pr-only": "pull_request:",
  });

  it("a push of main runs the workflows whose branch filters take main, `!` in order", async () => {
    const repo = makeRepo({ files });
    expect(ran(await gantry(repo, ["run"]))).toEqual([
      "branches-and-tags",
      "branches-main",
      "main-again",
      "plain",
    ]);
    // --event push is the default; saying it changes nothing.
    expect(ran(await gantry(repo, ["run", "--event", "push"]))).toEqual([
      "branches-and-tags",
      "branches-main",
      "main-again",
      "plain",
    ]);
  });

  it("a push of another branch, checked out or named with --ref", async () => {
    const repo = makeRepo({ files });
    const expected = ["all-but-main", "branches-ignore-main", "branches-release", "plain"];
    expect(ran(await gantry(repo, ["run", "--ref", "refs/heads/release/1.0"]))).toEqual(expected);
    git(repo, "checkout", "-q", "-b", "release/1.0");
    expect(ran(await gantry(repo, ["run"]))).toEqual(expected);
    expect(ran(await gantry(repo, ["run", "--ref", "main"]))).toEqual([
      "branches-and-tags",
      "branches-main",
      "main-again",
      "plain",
    ]);
  });

  it("a tag push runs only workflows without branch-only filters, and ignores paths", async () => {
    const repo = makeRepo({ files });
    git(repo, "tag", "v1.0");
    const expected = ["branches-and-tags", "paths-only", "plain", "tags-ignore-v2", "tags-only"];
    expect(ran(await gantry(repo, ["run", "--ref", "refs/tags/v1.0"]))).toEqual(expected);
    // A short name that is a tag resolves to the tag.
    expect(ran(await gantry(repo, ["run", "--ref", "v1.0"]))).toEqual(expected);
  });

  it("a tag that no tags filter takes", async () => {
    const repo = makeRepo({ files });
    git(repo, "tag", "-a", "-m", "release two", "v2.0");
    expect(ran(await gantry(repo, ["run", "--ref", "refs/tags/v2.0"]))).toEqual([
      "paths-only",
      "plain",
      "tags-only",
    ]);
    git(repo, "tag", "release-3");
    expect(ran(await gantry(repo, ["run", "--ref", "refs/tags/release-3"]))).toEqual([
      "paths-only",
      "plain",
      "tags-ignore-v",
      "tags-ignore-v2",
    ]);
  });
});

describe("push from a detached HEAD (as CI systems check out)", () => {
  const files = workflows({
    plain: "push:",
    "branches-main": "push:\n  branches: [main]",
    "tags-only": "push:\n  tags: ['v*']",
  });

  it("stands for the branch at HEAD, else the tag at HEAD, else no ref (branch and tag filters fail)", async () => {
    const repo = makeRepo({ files });
    const first = git(repo, "rev-parse", "HEAD");
    commit(repo, { "b.txt": "b\n" }, "second");
    git(repo, "checkout", "-q", "--detach", "main");
    const atBranch = await gantry(repo, ["run"]);
    expect(ran(atBranch)).toEqual(["branches-main", "plain"]);
    expect(atBranch.report?.runs[0].ref).toBe("refs/heads/main");

    git(repo, "checkout", "-q", "--detach", first);
    expect(ran(await gantry(repo, ["run"]))).toEqual(["plain"]);

    git(repo, "tag", "-a", "-m", "one", "v1", first);
    const atTag = await gantry(repo, ["run"]);
    expect(ran(atTag)).toEqual(["plain", "tags-only"]);
    expect(atTag.report?.runs[0]).toMatchObject({ ref: "refs/tags/v1", sha: first });
  });
});

describe("push: paths and paths-ignore", () => {
  const files = {
    ...workflows({
      src: "push:\n  paths: ['src/**']",
      docs: "push:\n  paths: ['docs/**']",
      lib: "push:\n  paths: ['lib/**']",
      "any-ts": "push:\n  paths: ['**.ts']",
      "ignore-docs": "push:\n  paths-ignore: ['docs/**']",
      "ignore-all-changed": "push:\n  paths-ignore: ['docs/**', 'src/**']",
      "src-but-app": "push:\n  paths: ['src/**', '!src/app.ts']",
      "app-back-in": "push:\n  paths: ['!src/app.ts', 'src/**']",
      "main-and-lib": "push:\n  branches: [main]\n  paths: ['lib/**']",
      "main-and-src": "push:\n  branches: [main]\n  paths: ['src/**']",
      "other-and-src": "push:\n  branches: [other]\n  paths: ['src/**']",
    }),
    "src/app.ts": "export {};\n",
    "lib/util.ts": "export {};\n",
    "conf/settings.yml": "a: 1\n",
  };

  it("looks at the HEAD commit's diff and the untracked files, not at every file", async () => {
    const repo = makeRepo({ files, dirty: { "docs/guide.md": "# new, untracked\n" } });
    commit(repo, { "src/app.ts": "export const x = 1;\n" }, "change app");
    expect(ran(await gantry(repo, ["run"]))).toEqual([
      "any-ts",
      "app-back-in",
      "docs",
      "ignore-docs",
      "main-and-src",
      "src",
    ]);
  });

  it("counts an uncommitted change to a tracked file", async () => {
    const repo = makeRepo({ files });
    commit(repo, { "docs/guide.md": "# docs\n" }, "docs only");
    expect(ran(await gantry(repo, ["run"]))).toEqual(["docs"]);
    writeFileSync(join(repo, "lib/util.ts"), "export const changed = true;\n");
    expect(ran(await gantry(repo, ["run"]))).toEqual([
      "any-ts",
      "docs",
      "ignore-all-changed",
      "ignore-docs",
      "lib",
      "main-and-lib",
    ]);
  });

  it("paths-ignore skips a push whose every changed file is ignored", async () => {
    const repo = makeRepo({ files });
    commit(repo, { "docs/a.md": "a\n", "src/b.txt": "b\n" }, "docs and src");
    // Not ignore-all-changed: every changed file is ignored. ignore-docs runs for src/b.txt.
    expect(ran(await gantry(repo, ["run"]))).toEqual([
      "app-back-in",
      "docs",
      "ignore-docs",
      "main-and-src",
      "src",
      "src-but-app",
    ]);
  });
});

describe("push: the changed files of the whole push", () => {
  it("a payload's `before` widens the diff to every commit of the push", async () => {
    const repo = makeRepo({
      files: { ...workflows({ lib: "push:\n  paths: ['lib/**']", src: "push:\n  paths: ['src/**']" }) },
    });
    const before = git(repo, "rev-parse", "HEAD");
    commit(repo, { "lib/a.ts": "a\n" }, "lib");
    const after = commit(repo, { "src/b.ts": "b\n" }, "src");
    // Without a payload the push is the HEAD commit alone.
    expect(ran(await gantry(repo, ["run"]))).toEqual(["src"]);
    const r = await gantry(repo, ["run", "--eventpath", payloadFile({ before, after })]);
    expect(ran(r)).toEqual(["lib", "src"]);
    expect(r.report?.runs[0].sha).toBe(after);
  });
});

describe("pull_request and pull_request_target", () => {
  const files = {
    ...workflows({
      "pr-plain": "pull_request:",
      "pr-main": "pull_request:\n  branches: [main]",
      "pr-release": "pull_request:\n  branches: [release]",
      "pr-feature": "pull_request:\n  branches: [feature]",
      "pr-ignore-main": "pull_request:\n  branches-ignore: [main]",
      "pr-src": "pull_request:\n  paths: ['src/**']",
      "pr-docs": "pull_request:\n  paths: ['docs/**']",
      "pr-closed": "pull_request:\n  types: [closed]",
      "pr-labeled-or-opened": "pull_request:\n  types: [labeled, opened]",
      "prt-main": "pull_request_target:\n  branches: [main]",
      "push-only": "push:",
    }),
    "src/x.ts": "export {};\n",
    "docs/y.md": "# y\n",
  };

  /** main ← feature: feature changes src/x.ts; main moved on (docs/y.md) after the branch point. */
  function prRepo(): string {
    const repo = makeRepo({ files });
    git(repo, "branch", "release");
    git(repo, "checkout", "-q", "-b", "feature");
    commit(repo, { "src/x.ts": "export const feature = 1;\n" }, "feature work");
    git(repo, "checkout", "-q", "main");
    commit(repo, { "docs/y.md": "# y, changed on main\n" }, "main moves on");
    git(repo, "checkout", "-q", "feature");
    return repo;
  }

  it("branch filters apply to the base branch; paths come from the three-dot diff", async () => {
    const repo = prRepo();
    expect(ran(await gantry(repo, ["run", "--event", "pull_request"]))).toEqual([
      "pr-labeled-or-opened",
      "pr-main",
      "pr-plain",
      "pr-src",
    ]);
  });

  it("--ref names the base branch", async () => {
    const repo = prRepo();
    expect(ran(await gantry(repo, ["run", "--event", "pull_request", "--ref", "release"]))).toEqual([
      "pr-ignore-main",
      "pr-labeled-or-opened",
      "pr-plain",
      "pr-release",
      "pr-src",
    ]);
  });

  it("pull_request_target is its own event", async () => {
    const repo = prRepo();
    expect(ran(await gantry(repo, ["run", "--event", "pull_request_target"]))).toEqual(["prt-main"]);
  });

  it("activity types: the default is opened, synchronize and reopened", async () => {
    const repo = prRepo();
    const base = ["pr-main", "pr-plain", "pr-src"];
    const closed = await gantry(repo, [
      "run",
      "--event",
      "pull_request",
      "--eventpath",
      payloadFile({ action: "closed" }),
    ]);
    expect(ran(closed)).toEqual(["pr-closed"]);
    for (const action of ["synchronize", "reopened"]) {
      const r = await gantry(repo, [
        "run",
        "--event",
        "pull_request",
        "--eventpath",
        payloadFile({ action }),
      ]);
      expect(ran(r), action).toEqual(base);
    }
    const labeled = await gantry(repo, [
      "run",
      "--event",
      "pull_request",
      "--eventpath",
      payloadFile({ action: "labeled" }),
    ]);
    expect(ran(labeled)).toEqual(["pr-labeled-or-opened"]);
  });

  it("in a clone that has only the head branch, the base is origin's", async () => {
    const origin = prRepo();
    git(origin, "checkout", "-q", "main"); // origin's default branch
    const clone = mkdtempSync(join(tmpdir(), "gantry-clone-"));
    git(clone, "clone", "-q", "--branch", "feature", origin, "work");
    const repo = join(clone, "work");
    git(repo, "config", "user.name", "Test User");
    git(repo, "config", "user.email", "test@example.com");
    expect(git(repo, "branch", "--list", "main")).toBe("");
    // Two more commits: the diff against the base holds docs/, the HEAD commit alone does not.
    commit(repo, { "docs/f.md": "f\n" }, "docs");
    commit(repo, { "src/z.ts": "z\n" }, "src");
    const r = await gantry(repo, ["run", "--event", "pull_request"]);
    expect(ran(r)).toEqual(["pr-docs", "pr-labeled-or-opened", "pr-main", "pr-plain", "pr-src"]);
  });

  it("a payload's base branch decides the branch filters", async () => {
    const repo = prRepo();
    const payload = payloadFile({ action: "opened", number: 42, pull_request: { base: { ref: "release" } } });
    const r = await gantry(repo, ["run", "--event", "pull_request", "--eventpath", payload]);
    expect(ran(r)).toEqual(["pr-ignore-main", "pr-labeled-or-opened", "pr-plain", "pr-release", "pr-src"]);
    expect(r.report?.runs[0].ref).toBe("refs/pull/42/merge");
  });
});

const CONTEXT_STEP = `      - id: ctx
        env:
          C_SHA: \${{ github.sha }}
          C_REF: \${{ github.ref }}
          C_REF_NAME: \${{ github.ref_name }}
          C_REF_TYPE: \${{ github.ref_type }}
          C_HEAD_REF: \${{ github.head_ref }}
          C_BASE_REF: \${{ github.base_ref }}
          C_REPOSITORY: \${{ github.repository }}
          C_REPOSITORY_OWNER: \${{ github.repository_owner }}
          C_RUN_ID: \${{ github.run_id }}
          C_RUN_NUMBER: \${{ github.run_number }}
          C_ACTOR: \${{ github.actor }}
          C_WORKSPACE: \${{ github.workspace }}
          C_EVENT_PATH: \${{ github.event_path }}
          C_EVENT_NAME: \${{ github.event_name }}
          C_WORKFLOW: \${{ github.workflow }}
          C_EVENT_REF: \${{ github.event.ref }}
        run: |
          env | grep -E "^(C|GITHUB)_[A-Z_]+=" | sort >> "$GITHUB_OUTPUT"
          echo "PWD=$PWD" >> "$GITHUB_OUTPUT"
          {
            echo "EVENT<<END_OF_EVENT"
            cat "$GITHUB_EVENT_PATH"
            echo
            echo "END_OF_EVENT"
          } >> "$GITHUB_OUTPUT"
`;

function contextWorkflow(on: string): string {
  return `name: Context
on: ${on}
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
${CONTEXT_STEP}`;
}

/** Each github context value the step saw must equal the GITHUB_* variable of the same name. */
function expectEnvMatchesContext(out: Record<string, string>): void {
  for (const key of [
    "SHA",
    "REF",
    "REF_NAME",
    "REF_TYPE",
    "HEAD_REF",
    "BASE_REF",
    "REPOSITORY",
    "REPOSITORY_OWNER",
    "RUN_ID",
    "RUN_NUMBER",
    "ACTOR",
    "WORKSPACE",
    "EVENT_PATH",
    "EVENT_NAME",
    "WORKFLOW",
  ]) {
    expect(out[`GITHUB_${key}`] ?? "", `GITHUB_${key}`).toBe(out[`C_${key}`] ?? "");
  }
}

describe("the github context", () => {
  it("for a push: from the repository, the HEAD commit and the payload file", async () => {
    const repo = makeRepo({ files: { [`${WF}/ctx.yml`]: contextWorkflow("[push, pull_request]") } });
    git(repo, "remote", "add", "origin", "git@github.com:acme/widgets.git");
    const before = git(repo, "rev-parse", "HEAD");
    const sha = commit(repo, { "new.txt": "new\n" }, "second commit");
    const home = mkdtempSync(join(tmpdir(), "gantry-home-shared-"));

    const first = await gantry(repo, ["run"], { env: { GANTRY_HOME: home } });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const out = stepOutputs(first.report, "ctx");
    expect(out).toMatchObject({
      C_SHA: sha,
      C_REF: "refs/heads/main",
      C_REF_NAME: "main",
      C_REF_TYPE: "branch",
      C_REPOSITORY: "acme/widgets",
      C_REPOSITORY_OWNER: "acme",
      C_RUN_NUMBER: "1",
      C_ACTOR: "Test User",
      C_EVENT_NAME: "push",
      C_WORKFLOW: "Context",
      C_EVENT_REF: "refs/heads/main",
    });
    expect(out.C_HEAD_REF ?? "").toBe("");
    expect(out.C_BASE_REF ?? "").toBe("");
    expect(out.C_RUN_ID).toMatch(/^\d+$/);
    expect(out.C_WORKSPACE).toBe(out.PWD);
    expect(basename(out.C_WORKSPACE)).toBe("widgets");
    expectEnvMatchesContext(out);
    const event = JSON.parse(out.EVENT);
    expect(event).toMatchObject({ ref: "refs/heads/main", before, after: sha });
    expect(event.repository.full_name).toBe("acme/widgets");
    expect(event.head_commit.message.trim()).toBe("second commit");
    expect(first.report?.runs[0]).toMatchObject({ event: "push", ref: "refs/heads/main", sha });

    // A second run in the same GANTRY_HOME gets the next run number and another run id.
    const second = await gantry(repo, ["run"], { env: { GANTRY_HOME: home } });
    const again = stepOutputs(second.report, "ctx");
    expect(again.C_RUN_NUMBER).toBe("2");
    expect(again.C_RUN_ID).not.toBe(out.C_RUN_ID);
  });

  it("for the push of a repository's first commit: before is forty zeros, created, the message", async () => {
    const repo = makeRepo({ files: { [`${WF}/ctx.yml`]: contextWorkflow("push") } });
    git(repo, "commit", "-q", "--amend", "-m", "first words of the message\n\nand its body");
    const sha = git(repo, "rev-parse", "HEAD");
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    const event = JSON.parse(stepOutputs(r.report, "ctx").EVENT);
    expect(event).toMatchObject({
      before: "0".repeat(40),
      after: sha,
      created: true,
      deleted: false,
      forced: false,
      head_commit: {
        id: sha,
        tree_id: git(repo, "rev-parse", "HEAD^{tree}"),
        message: "first words of the message\n\nand its body",
        author: { name: "Test User", email: "test@example.com" },
        committer: { name: "Test User", email: "test@example.com" },
      },
    });
    expect(event.head_commit.timestamp).toBe(git(repo, "log", "-1", "--format=%cI"));
    expect(event.commits).toEqual([event.head_commit]);
  });

  it("for a later push: before is the parent and created false", async () => {
    const repo = makeRepo({ files: { [`${WF}/ctx.yml`]: contextWorkflow("push") } });
    const parent = git(repo, "rev-parse", "HEAD");
    commit(repo, { "b.txt": "b\n" }, "second");
    const r = await gantry(repo, ["run"]);
    const event = JSON.parse(stepOutputs(r.report, "ctx").EVENT);
    expect(event).toMatchObject({ before: parent, created: false, head_commit: { message: "second" } });
  });

  it("for a tag: the tag's commit, ref_type tag", async () => {
    const repo = makeRepo({ files: { [`${WF}/ctx.yml`]: contextWorkflow("push") } });
    const tagged = git(repo, "rev-parse", "HEAD");
    git(repo, "tag", "-a", "-m", "v1", "v1");
    commit(repo, { "later.txt": "later\n" }, "after the tag");
    const r = await gantry(repo, ["run", "--ref", "refs/tags/v1"]);
    expect(r.code).toBe(0);
    const out = stepOutputs(r.report, "ctx");
    expect(out).toMatchObject({ C_SHA: tagged, C_REF: "refs/tags/v1", C_REF_NAME: "v1", C_REF_TYPE: "tag" });
    expectEnvMatchesContext(out);
  });

  it("for a pull request: the merge ref, head_ref and base_ref", async () => {
    const repo = makeRepo({ files: { [`${WF}/ctx.yml`]: contextWorkflow("[push, pull_request]") } });
    git(repo, "checkout", "-q", "-b", "topic");
    const sha = commit(repo, { "topic.txt": "t\n" }, "topic");
    const r = await gantry(repo, [
      "run",
      "--event",
      "pull_request",
      "--eventpath",
      payloadFile({ number: 7 }),
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = stepOutputs(r.report, "ctx");
    expect(out).toMatchObject({
      C_SHA: sha,
      C_REF: "refs/pull/7/merge",
      C_REF_NAME: "7/merge",
      C_HEAD_REF: "topic",
      C_BASE_REF: "main",
      C_EVENT_NAME: "pull_request",
    });
    expectEnvMatchesContext(out);
    const event = JSON.parse(out.EVENT);
    expect(event).toMatchObject({
      action: "opened",
      number: 7,
      pull_request: { number: 7, head: { ref: "topic", sha }, base: { ref: "main" } },
    });
  });
});

const DISPATCH = `name: Dispatch
on:
  workflow_dispatch:
    inputs:
      who:
        type: string
        default: world
      flag:
        type: boolean
        default: false
      count:
        type: number
        default: 3
      level:
        type: choice
        options: [debug, info, warn]
        default: info
      target:
        type: environment
      must:
        description: a required input
        required: true
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - id: values
        env:
          INPUTS: \${{ toJSON(inputs) }}
          EVENT_INPUTS: \${{ toJSON(github.event.inputs) }}
          FLAG_IS_TRUE: \${{ inputs.flag == true }}
          EVENT_FLAG_IS_STRING_TRUE: \${{ github.event.inputs.flag == 'true' }}
        run: |
          {
            echo "inputs<<END_OF_INPUTS"
            echo "$INPUTS"
            echo "END_OF_INPUTS"
            echo "event_inputs<<END_OF_INPUTS"
            echo "$EVENT_INPUTS"
            echo "END_OF_INPUTS"
            echo "event<<END_OF_INPUTS"
            cat "$GITHUB_EVENT_PATH"
            echo
            echo "END_OF_INPUTS"
          } >> "$GITHUB_OUTPUT"
          echo "flag_is_true=$FLAG_IS_TRUE" >> "$GITHUB_OUTPUT"
          echo "event_flag_is_string_true=$EVENT_FLAG_IS_STRING_TRUE" >> "$GITHUB_OUTPUT"
      - id: when-flag
        if: inputs.flag
        run: echo "ran=yes" >> "$GITHUB_OUTPUT"
`;

describe("workflow_dispatch inputs", () => {
  function dispatchRepo(): string {
    return makeRepo({
      files: { [`${WF}/dispatch.yml`]: DISPATCH, ...workflows({ "push-only": "push:" }) },
    });
  }

  function dispatch(repo: string, inputs: string[]): Promise<GantryResult> {
    return gantry(repo, ["run", "--event", "workflow_dispatch", ...inputs.flatMap((i) => ["--input", i])]);
  }

  it("defaults fill what is not given; inputs is typed, github.event.inputs holds strings", async () => {
    const r = await dispatch(dispatchRepo(), ["must=here"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({ Dispatch: { show: "success" } });
    const out = stepOutputs(r.report, "values");
    expect(JSON.parse(out.inputs)).toEqual({
      who: "world",
      flag: false,
      count: 3,
      level: "info",
      target: "",
      must: "here",
    });
    expect(JSON.parse(out.event_inputs)).toEqual({
      who: "world",
      flag: "false",
      count: "3",
      level: "info",
      target: "",
      must: "here",
    });
    expect(out.flag_is_true).toBe("false");
    expect(out.event_flag_is_string_true).toBe("false");
    // `if: inputs.flag` with the boolean false skips (the string "false" would be truthy).
    const whenFlag = r.report?.runs[0].jobs[0].steps.find((s) => s.id === "when-flag");
    expect(whenFlag?.conclusion).toBe("skipped");
  });

  it("given values are typed the same way, and the payload file holds them as strings", async () => {
    const r = await dispatch(dispatchRepo(), [
      "must=x",
      "flag=true",
      "count=41",
      "level=warn",
      "who=you",
      "target=prod",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = stepOutputs(r.report, "values");
    expect(JSON.parse(out.inputs)).toEqual({
      who: "you",
      flag: true,
      count: 41,
      level: "warn",
      target: "prod",
      must: "x",
    });
    expect(JSON.parse(out.event_inputs)).toMatchObject({ flag: "true", count: "41" });
    expect(out.flag_is_true).toBe("true");
    expect(out.event_flag_is_string_true).toBe("true");
    expect(stepOutputs(r.report, "when-flag")).toEqual({ ran: "yes" });
    const event = JSON.parse(out.event);
    expect(event.inputs).toEqual({
      who: "you",
      flag: "true",
      count: "41",
      level: "warn",
      target: "prod",
      must: "x",
    });
    expect(event.ref).toBe("refs/heads/main");
  });

  /** Runs a dispatch that must be refused: exit 2, nothing run; returns the problem lines. */
  async function refused(inputs: string[]): Promise<string[]> {
    const marker = join(mkdtempSync(join(tmpdir(), "gantry-marker-")), "ran");
    const repo = dispatchRepo();
    writeFileSync(
      join(repo, WF, "other.yml"),
      `on: workflow_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: touch "${marker}"\n`,
    );
    const r = await dispatch(repo, inputs);
    expect(r.code).toBe(2);
    expect(r.report).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
    expect(r.stderr).toContain("gantry: invalid workflow_dispatch inputs");
    return r.stderr.split("\n").filter((l) => /^\S+:\d+:\d+: /.test(l));
  }

  it("a required input that is missing, at the input's definition", async () => {
    expect(await refused([])).toEqual([`${WF}/dispatch.yml:20:7: Input 'must' is required`]);
  });

  it("a value outside a choice's options", async () => {
    expect(await refused(["must=x", "level=loud"])).toEqual([
      `${WF}/dispatch.yml:14:7: Input 'level' must be one of debug, info, warn, got 'loud'`,
    ]);
  });

  it("an input no workflow defines, at `inputs:` (or at `on:` when there are none)", async () => {
    expect(await refused(["must=x", "bogus=1"])).toEqual([
      `${WF}/dispatch.yml:4:5: Unexpected inputs provided: bogus`,
      `${WF}/other.yml:1:1: Unexpected inputs provided: bogus`,
    ]);
  });

  it("a boolean or a number that is not one", async () => {
    expect(await refused(["must=x", "flag=yes", "count=many"])).toEqual([
      `${WF}/dispatch.yml:8:7: Input 'flag' must be true or false, got 'yes'`,
      `${WF}/dispatch.yml:11:7: Input 'count' must be a number, got 'many'`,
    ]);
  });

  it("an input one workflow defines is not unexpected in another dispatched with it", async () => {
    const repo = dispatchRepo();
    writeFileSync(join(repo, WF, "other.yml"), workflow("other", "workflow_dispatch:"));
    const r = await dispatch(repo, ["must=x", "level=debug"]);
    expect(ran(r)).toEqual(["Dispatch", "other"].sort());
  });
});

describe("schedule and other events", () => {
  it("schedule runs the workflows with a schedule; github.event.schedule is the cron", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/nightly.yml`]: `name: Nightly
on:
  schedule:
    - cron: "30 2 * * *"
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: s
        env:
          CRON: \${{ github.event.schedule }}
        run: echo "cron=$CRON" >> "$GITHUB_OUTPUT"
`,
        ...workflows({ "push-only": "push:", "dispatch-only": "workflow_dispatch:" }),
      },
    });
    const r = await gantry(repo, ["run", "--event", "schedule"]);
    expect(ran(r)).toEqual(["Nightly"]);
    expect(stepOutputs(r.report, "s")).toEqual({ cron: "30 2 * * *" });
  });

  it("a schedule payload starts only the workflows with that cron", async () => {
    const repo = makeRepo({
      files: workflows({
        hourly: 'schedule:\n  - cron: "0 * * * *"',
        "daily-and-weekly": 'schedule:\n  - cron: "0 0 * * *"\n  - cron: "0 0 * * 0"',
      }),
    });
    const weekly = payloadFile({ schedule: "0 0 * * 0" });
    expect(ran(await gantry(repo, ["run", "--event", "schedule", "--eventpath", weekly]))).toEqual([
      "daily-and-weekly",
    ]);
    expect(ran(await gantry(repo, ["run", "--event", "schedule"]))).toEqual(["daily-and-weekly", "hourly"]);
  });

  it("an issues event with --eventpath: types decide", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/opened.yml`]: `name: opened
on:
  issues:
    types: [opened]
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - id: s
        env:
          TITLE: \${{ github.event.issue.title }}
          ACTION: \${{ github.event.action }}
        run: echo "seen=$ACTION $TITLE" >> "$GITHUB_OUTPUT"
`,
        ...workflows({
          "any-issue": "issues:",
          "push-only": "push:",
          "closed-only": "issues:\n  types: [closed]",
        }),
      },
    });
    const opened = payloadFile({ action: "opened", issue: { number: 3, title: "Broken build" } });
    const r = await gantry(repo, ["run", "--event", "issues", "--eventpath", opened]);
    expect(ran(r)).toEqual(["any-issue", "opened"]);
    const openedRun = r.report?.runs.find((run) => run.workflow === "opened");
    expect(openedRun?.event).toBe("issues");
    expect(openedRun?.jobs[0].steps[0].outputs).toEqual({ seen: "opened Broken build" });

    const closed = payloadFile({ action: "closed", issue: { number: 3, title: "Broken build" } });
    expect(ran(await gantry(repo, ["run", "--event", "issues", "--eventpath", closed]))).toEqual([
      "any-issue",
      "closed-only",
    ]);
  });
});

describe("nothing matched", () => {
  it("exits 0 with an empty report", async () => {
    const repo = makeRepo({
      files: workflows({ "pr-only": "pull_request:", "main-only": "push:\n  branches: [main]" }),
      branch: "dev",
    });
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    expect(r.report).toEqual({ runs: [] });
    const other = await gantry(repo, ["run", "--event", "release"]);
    expect(other.code).toBe(0);
    expect(other.report).toEqual({ runs: [] });
  });
});
