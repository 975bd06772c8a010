import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, git, job, makeRepo, repoWith } from "./harness.js";

/** A gantry home shared by several CLI calls. */
function home(): string {
  return mkdtempSync(join(tmpdir(), "gantry-home-"));
}

/** A repository holding an action, tagged v1; returns its dir and the tag's commit. */
function actionRepo(): { dir: string; commit: string } {
  const dir = makeRepo({ files: { "action.yml": "name: hello\nruns:\n  using: composite\n  steps: []\n" } });
  git(dir, "tag", "v1");
  return { dir, commit: git(dir, "rev-parse", "HEAD") };
}

const WORKFLOW = `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`;

describe("gantry actions add / list / rm", () => {
  it("adds a ref of a git repository, lists it, removes it", async () => {
    const action = actionRepo();
    const cwd = repoWith(WORKFLOW);
    const env = { GANTRY_HOME: home() };
    const added = await gantry(cwd, ["actions", "add", "Acme/Hello@v1", "--from", action.dir], { env });
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(added.stdout).toBe(`pinned Acme/Hello@v1 → ${action.commit} (from ${action.dir})\n`);

    const listed = await gantry(cwd, ["actions", "list"], { env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe(`Acme/Hello@v1 → ${action.commit} (${action.dir})\n`);

    const removed = await gantry(cwd, ["actions", "rm", "acme/hello@v1"], { env });
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe(`removed Acme/Hello@v1 (was ${action.commit})\n`);
    const empty = await gantry(cwd, ["actions", "list"], { env });
    expect(empty.stdout).toBe("");
    expect(empty.stderr).toContain("no actions in the store");

    const again = await gantry(cwd, ["actions", "rm", "acme/hello@v1"], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("acme/hello@v1 is not in the action store");
  });

  it("snapshots a plain directory and adds from a file:// URL", async () => {
    const plain = mkdtempSync(join(tmpdir(), "gantry-plain-"));
    writeFileSync(join(plain, "action.yml"), "name: plain\n");
    const action = actionRepo();
    const cwd = repoWith(WORKFLOW);
    const env = { GANTRY_HOME: home() };
    const snap = await gantry(cwd, ["actions", "add", "acme/plain@v1", "--from", plain], { env });
    expect(snap.code).toBe(0);
    expect(snap.stdout).toMatch(
      new RegExp(`^pinned acme/plain@v1 → [0-9a-f]{40} \\(from ${plain} \\(snapshot\\)\\)\n$`),
    );
    const url = await gantry(cwd, ["actions", "add", "acme/url@v1", "--from", `file://${action.dir}`], {
      env,
    });
    expect(url.code).toBe(0);
    const listed = await gantry(cwd, ["actions", "list"], { env });
    expect(
      listed.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" ")[0]),
    ).toEqual(["acme/plain@v1", "acme/url@v1"]);
  });

  it("fails with a clear message for a ref the source does not have", async () => {
    const action = actionRepo();
    const cwd = repoWith(WORKFLOW);
    const res = await gantry(cwd, ["actions", "add", "acme/hello@v7", "--from", action.dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("has the repository but no tag, branch or commit 'v7'");
    // What to run instead, with the exact source: never the command that just failed.
    expect(res.stderr).toContain("The tags it has nearest to it: v1.");
    expect(res.stderr).toContain(`\`gantry actions add acme/hello@v1 --from ${action.dir}\``);
    expect(res.stderr).not.toContain("gantry actions add acme/hello@v7");
  });

  it("exits 2 with a message for bad usage", async () => {
    const cwd = repoWith(WORKFLOW);
    const cases: [string[], string][] = [
      [["actions"], "gantry actions needs a command: add, list or rm"],
      [["actions", "frob"], "unknown command 'gantry actions frob'"],
      [["actions", "add", "acme/hello@v1"], "actions add acme/hello@v1 needs --from <git url or dir>"],
      [["actions", "add", "acme@v1", "--from", "."], "expected owner/repo[/path]@ref"],
      [["actions", "add", "acme/hello", "--from", "."], "expected owner/repo[/path]@ref"],
      [["actions", "add", "acme/hello/sub@v1", "--from", "."], "not a path inside it"],
      [
        ["actions", "add", "acme/hello@v1", "--from", "/no/such/dir"],
        "--from /no/such/dir: no such directory",
      ],
      [["actions", "add", "acme/hello@a..b", "--from", "."], "the ref may not hold '..'"],
      [["actions", "rm"], "actions rm needs OWNER/REPO@REF"],
      [["actions", "list", "extra"], "actions list: unexpected 'extra'"],
      [["actions", "list", "--from", "x"], "--from belongs to gantry actions add"],
    ];
    for (const [args, message] of cases) {
      const res = await gantry(cwd, args);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toContain(message);
    }
  });

  it("prints its help", async () => {
    const res = await gantry(repoWith(WORKFLOW), ["actions", "--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("gantry actions add OWNER/REPO@REF --from <git url or dir>");
  });
});

describe("the action mirror setting", () => {
  /** A file:// mirror holding acme/hello. */
  function mirror(): string {
    const root = mkdtempSync(join(tmpdir(), "gantry-mirrors-"));
    mkdirSync(join(root, "acme"));
    execFileSync("git", ["clone", "-q", "--bare", actionRepo().dir, join(root, "acme", "hello.git")]);
    return `file://${root}/{owner}/{repo}.git`;
  }

  it("accepts --action-mirror and GANTRY_ACTION_MIRROR", async () => {
    const cwd = repoWith(WORKFLOW);
    const template = mirror();
    const byFlag = await gantry(cwd, ["run", "--action-mirror", template]);
    expect(byFlag.stderr).toBe("");
    expect(byFlag.code).toBe(0);
    const byEnv = await gantry(cwd, ["run"], { env: { GANTRY_ACTION_MIRROR: template } });
    expect(byEnv.code).toBe(0);
  });

  it("rejects a template without {repo}", async () => {
    const cwd = repoWith(WORKFLOW);
    const byFlag = await gantry(cwd, ["run", "--action-mirror", "file:///srv/mirror.git"]);
    expect(byFlag.code).toBe(2);
    expect(byFlag.stderr).toContain(
      "--action-mirror: the action mirror template 'file:///srv/mirror.git' has no {repo}",
    );
    const byEnv = await gantry(cwd, ["run"], { env: { GANTRY_ACTION_MIRROR: "/srv/x" } });
    expect(byEnv.code).toBe(2);
    expect(byEnv.stderr).toContain("GANTRY_ACTION_MIRROR: the action mirror template '/srv/x' has no {repo}");
  });

  it("reads action_mirror from config.yml and reports a broken one at file:line:col", async () => {
    const cwd = repoWith(WORKFLOW);
    const good = home();
    writeFileSync(join(good, "config.yml"), `# this machine\naction_mirror: ${mirror()}\n`);
    expect((await gantry(cwd, ["run"], { env: { GANTRY_HOME: good } })).code).toBe(0);

    const broken = home();
    writeFileSync(join(broken, "config.yml"), "action_mirror: [unclosed\n");
    const res = await gantry(cwd, ["run"], { env: { GANTRY_HOME: broken } });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(new RegExp(`${join(broken, "config.yml")}:\\d+:\\d+: `));

    const wrongType = home();
    writeFileSync(join(wrongType, "config.yml"), "other: 1\naction_mirror:\n  - a\n");
    const typed = await gantry(cwd, ["run"], { env: { GANTRY_HOME: wrongType } });
    expect(typed.code).toBe(2);
    expect(typed.stderr).toContain(`${join(wrongType, "config.yml")}:3:3: action_mirror must be a string`);
  });
});

describe("remote actions in a workflow", () => {
  const COMPOSITE = `name: Some action
inputs:
  who:
    required: true
outputs:
  said:
    value: \${{ steps.say.outputs.said }}
runs:
  using: composite
  steps:
    - id: say
      shell: bash
      run: echo "said=hello \${{ inputs.who }} from $(cat "$GITHUB_ACTION_PATH/VERSION")" >> "$GITHUB_OUTPUT"
`;
  const NODE = `name: Sub action
runs:
  using: node20
  main: index.js
`;
  const INDEX = `require("node:fs").appendFileSync(process.env.GITHUB_OUTPUT, "js=ran\\n");\n`;

  /** A mirror root holding someowner/someaction (tag v1); returns its template and the tag's commit. */
  function mirrorWithAction(): { template: string; root: string; commit: string } {
    const work = makeRepo({
      files: { "action.yml": COMPOSITE, VERSION: "1.0", "sub/action.yml": NODE, "sub/index.js": INDEX },
    });
    git(work, "tag", "v1");
    const root = mkdtempSync(join(tmpdir(), "gantry-mirrors-"));
    mkdirSync(join(root, "someowner"));
    execFileSync("git", ["clone", "-q", "--bare", work, join(root, "someowner", "someaction.git")]);
    return { template: `file://${root}/{owner}/{repo}.git`, root, commit: git(work, "rev-parse", "HEAD") };
  }

  const USES = `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: remote
        uses: someowner/someaction@v1
        with:
          who: world
      - id: sub
        uses: SomeOwner/SomeAction/sub@v1
      - run: echo "got [\${{ steps.remote.outputs.said }}] [\${{ steps.sub.outputs.js }}]"
`;

  it("runs an action from the mirror, records its commit, and again offline from the pin", async () => {
    const mirror = mirrorWithAction();
    const cwd = repoWith(USES);
    const env = { GANTRY_HOME: home() };
    const first = await gantry(cwd, ["run", "--action-mirror", mirror.template], { env });
    expect(first.code).toBe(0);
    const steps = job(first.report, "build").steps;
    expect(steps.map((s) => s.conclusion)).toEqual(["success", "success", "success"]);
    expect(steps[0].outputs).toEqual({ said: "hello world from 1.0" });
    expect(steps[1].outputs).toEqual({ js: "ran" });
    expect(steps[0].action).toEqual({
      uses: "someowner/someaction@v1",
      commit: mirror.commit,
      source: `file://${mirror.root}/someowner/someaction.git`,
    });
    expect(first.stdout).toContain("got [hello world from 1.0] [ran]");

    rmSync(mirror.root, { recursive: true });
    const offline = await gantry(cwd, ["run"], { env });
    expect(offline.code).toBe(0);
    expect(job(offline.report, "build").steps[0].action?.commit).toBe(mirror.commit);
    const listed = await gantry(cwd, ["actions", "list"], { env });
    expect(listed.stdout).toContain(`someowner/someaction@v1 → ${mirror.commit}`);
  });

  it("runs a remote JavaScript action's pre part before the first step, with pre-if, and its post at the end", async () => {
    const part = (name: string) =>
      `require("node:fs").appendFileSync(process.env.SHARED + "/order", "${name} " + (process.env.INPUT_WHO ?? "") + " " + (process.env.STATE_seen ?? "-") + "\\n");\n` +
      (name === "pre" ? `require("node:fs").appendFileSync(process.env.GITHUB_STATE, "seen=pre\\n");\n` : "");
    const work = makeRepo({
      files: {
        "action.yml": `name: js
inputs:
  who:
    default: nobody
runs:
  using: node20
  pre: pre.js
  pre-if: runner.os == 'Linux'
  main: main.js
  post: post.js
`,
        "pre.js": part("pre"),
        "main.js": part("main"),
        "post.js": part("post"),
        "skip/action.yml": `name: skipped pre
runs:
  using: node20
  pre: ../pre.js
  pre-if: "false"
  main: ../main.js
`,
      },
    });
    git(work, "tag", "v2");
    const root = mkdtempSync(join(tmpdir(), "gantry-mirrors-"));
    mkdirSync(join(root, "acme"));
    execFileSync("git", ["clone", "-q", "--bare", work, join(root, "acme", "js.git")]);
    const shared = mkdtempSync(join(tmpdir(), "gantry-shared-"));
    const cwd = repoWith(`on: push
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      SHARED: ${shared}
    steps:
      - run: echo first >> "$SHARED/order"
      - uses: acme/js@v2
        with:
          who: me
      - uses: acme/js/skip@v2
`);
    const r = await gantry(cwd, ["run", "--action-mirror", `file://${root}/{owner}/{repo}.git`], {
      env: { GANTRY_HOME: home() },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(readFileSync(join(shared, "order"), "utf8").trim().split("\n")).toEqual([
      "pre me -",
      "first",
      "main me pre",
      "main  -",
      "post me pre",
    ]);
    expect(job(r.report, "build").steps.map((s) => s.name)).toEqual([
      "Pre acme/js@v2",
      'Run echo first >> "$SHARED/order"',
      "Run acme/js@v2",
      "Run acme/js/skip@v2",
      "Post acme/js@v2",
    ]);
  });

  it("runs an action put in the store with gantry actions add, no mirror set", async () => {
    const mirror = mirrorWithAction();
    const cwd = repoWith(USES);
    const env = { GANTRY_HOME: home() };
    const from = join(mirror.root, "someowner", "someaction.git");
    expect(
      (await gantry(cwd, ["actions", "add", "someowner/someaction@v1", "--from", from], { env })).code,
    ).toBe(0);
    const res = await gantry(cwd, ["run"], { env });
    expect(res.code).toBe(0);
    expect(job(res.report, "build").steps[0].outputs).toEqual({ said: "hello world from 1.0" });
  });

  it("fails the job in 'Set up job', before any step works, naming the action and both ways to provide it", async () => {
    const mirror = mirrorWithAction();
    const cwd = repoWith(
      USES.replace("    steps:\n", "    steps:\n      - run: echo working-before-the-action\n").replace(
        "someowner/someaction@v1",
        "someowner/missing@v1",
      ),
    );
    const res = await gantry(cwd, ["run", "--action-mirror", mirror.template]);
    expect(res.code).toBe(1);
    const build = job(res.report, "build");
    expect(build.steps.map((s) => [s.name, s.conclusion])).toEqual([["Set up job", "failure"]]);
    const output = res.stdout + res.stderr;
    expect(output).not.toContain("working-before-the-action");
    expect(output).toContain(
      "Action 'someowner/missing@v1' is not in gantry's action store and no mirror has it",
    );
    expect(output).toContain(
      "`gantry actions add someowner/missing@v1 --from https://github.com/someowner/missing.git`",
    );
    expect(output).toContain(
      "--action-mirror, GANTRY_ACTION_MIRROR or action_mirror in $GANTRY_HOME/config.yml",
    );
  });

  it("resolves the actions of composite actions in 'Set up job' too, nested ones included", async () => {
    const mirror = mirrorWithAction();
    // outer (composite) uses inner (composite, a path of the same repository) which uses a missing action.
    const outer = makeRepo({
      files: {
        "action.yml": `name: outer
runs:
  using: composite
  steps:
    - uses: acme/outer/inner@v1
    - uses: someowner/someaction@v1
      with:
        who: nested
`,
        "inner/action.yml": `name: inner
runs:
  using: composite
  steps:
    - run: echo inner-ran
      shell: bash
    - uses: acme/gone@v3
`,
      },
    });
    git(outer, "tag", "v1");
    mkdirSync(join(mirror.root, "acme"));
    execFileSync("git", ["clone", "-q", "--bare", outer, join(mirror.root, "acme", "outer.git")]);
    const cwd = repoWith(`on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo working-before-the-action
      - uses: actions/checkout@v4
      - uses: acme/outer@v1
`);
    const env = { GANTRY_HOME: home() };
    const res = await gantry(cwd, ["run", "--action-mirror", mirror.template], { env });
    expect(res.code).toBe(1);
    expect(job(res.report, "build").steps.map((s) => [s.name, s.conclusion])).toEqual([
      ["Set up job", "failure"],
    ]);
    const output = res.stdout + res.stderr;
    expect(output).not.toContain("working-before-the-action");
    expect(output).not.toContain("inner-ran");
    expect(output).toContain(
      "acme/outer/inner@v1 uses acme/gone@v3: Action 'acme/gone@v3' is not in gantry's action store and no mirror has it",
    );

    // Once the missing action is there, the same job runs through, every nested action found.
    const gone = makeRepo({
      files: { "action.yml": "name: gone\nruns:\n  using: composite\n  steps: []\n" },
    });
    git(gone, "tag", "v3");
    expect((await gantry(cwd, ["actions", "add", "acme/gone@v3", "--from", gone], { env })).code).toBe(0);
    const again = await gantry(cwd, ["run", "--action-mirror", mirror.template], { env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("inner-ran");
  });

  it("fails the step clearly for a tag the mirror does not have", async () => {
    const mirror = mirrorWithAction();
    const cwd = repoWith(USES.replace("someowner/someaction@v1", "someowner/someaction@v9"));
    const res = await gantry(cwd, ["run", "--action-mirror", mirror.template]);
    expect(res.code).toBe(1);
    expect(res.stdout + res.stderr).toMatch(
      /Action 'someowner\/someaction@v9': .* ha(s|ve) the repository but no tag, branch or commit 'v9'/,
    );
    expect(res.stdout + res.stderr).toContain("The tags it has nearest to it: v1.");
  });
});

describe("gantry validate and remote actions", () => {
  const problemLines = (stderr: string) => stderr.split("\n").filter((l) => /^\S+:\d+:\d+: /.test(l));

  it("warns at the uses: of each action the store and mirror cannot provide, fetching nothing", async () => {
    const work = makeRepo({
      files: {
        "action.yml": "name: a\nruns:\n  using: composite\n  steps:\n    - uses: acme/deeper@v2\n",
      },
    });
    git(work, "tag", "v1");
    const root = mkdtempSync(join(tmpdir(), "gantry-mirrors-"));
    mkdirSync(join(root, "acme"));
    execFileSync("git", ["clone", "-q", "--bare", work, join(root, "acme", "there.git")]);
    const cwd = makeRepo({
      files: {
        ".github/workflows/ci.yml": `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: acme/there@v1
      - uses: acme/there@v9
      - uses: acme/missing@v1
      - uses: docker://alpine:3
  call:
    uses: acme/shared/.github/workflows/build.yml@v1
`,
      },
    });
    const gantryHome = home();
    const noMirror = await gantry(cwd, ["validate"], { env: { GANTRY_HOME: gantryHome } });
    expect(noMirror.code).toBe(0);
    const lines = problemLines(noMirror.stdout);
    expect(lines.map((l) => l.split(": ")[0])).toEqual([
      ".github/workflows/ci.yml:7:15",
      ".github/workflows/ci.yml:8:15",
      ".github/workflows/ci.yml:9:15",
      ".github/workflows/ci.yml:12:11",
    ]);
    expect(lines[0]).toContain(
      "warning: Action 'acme/there@v1' is not in gantry's action store and no action mirror is set",
    );
    expect(lines[3]).toContain("Action 'acme/shared@v1' is not in gantry's action store");

    const env = { GANTRY_HOME: gantryHome, GANTRY_ACTION_MIRROR: `file://${root}/{owner}/{repo}.git` };
    const mirrored = await gantry(cwd, ["validate"], { env });
    expect(mirrored.code).toBe(0);
    const withMirror = problemLines(mirrored.stdout);
    expect(withMirror.map((l) => l.split(": ")[0])).toEqual([
      ".github/workflows/ci.yml:8:15",
      ".github/workflows/ci.yml:9:15",
      ".github/workflows/ci.yml:12:11",
    ]);
    expect(withMirror[0]).toContain("has the repository but no tag, branch or commit 'v9'");
    expect(withMirror[1]).toContain(
      "Action 'acme/missing@v1' is not in gantry's action store and no mirror has it",
    );
    // Asking the mirror fetched nothing into the store.
    expect(existsSync(join(gantryHome, "actions", "repos"))).toBe(false);

    // An action the store holds is read for the actions it uses in turn.
    expect((await gantry(cwd, ["actions", "add", "acme/there@v1", "--from", work], { env })).code).toBe(0);
    const nested = problemLines(
      (await gantry(cwd, ["validate"], { env: { GANTRY_HOME: gantryHome } })).stdout,
    );
    expect(nested[0]).toContain(
      ".github/workflows/ci.yml:7:15: warning: acme/there@v1 uses acme/deeper@v2: Action 'acme/deeper@v2' is not in gantry's action store",
    );
  });
});

describe("remote reusable workflows from the action store", () => {
  const BUILD = `on:
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
    runs-on: ubuntu-latest
    outputs:
      seen: \${{ steps.s.outputs.seen }}
    steps:
      - id: s
        run: echo "seen=built \${{ inputs.what }}" >> "$GITHUB_OUTPUT"
`;
  const CALLER = `on: push
jobs:
  call:
    uses: octo-org/shared/.github/workflows/build.yml@v1
    with:
      what: gantry
  after:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - run: echo "after [\${{ needs.call.outputs.seen }}]"
`;

  it("reads the called workflow from a mirror, then offline from the pin", async () => {
    const shared = makeRepo({ files: { ".github/workflows/build.yml": BUILD } });
    git(shared, "tag", "v1");
    const root = mkdtempSync(join(tmpdir(), "gantry-mirrors-"));
    mkdirSync(join(root, "octo-org"));
    execFileSync("git", ["clone", "-q", "--bare", shared, join(root, "octo-org", "shared.git")]);
    const cwd = repoWith(CALLER);
    const env = { GANTRY_HOME: home(), GANTRY_ACTION_MIRROR: `file://${root}/{owner}/{repo}.git` };
    const res = await gantry(cwd, ["run"], { env });
    expect(res.code).toBe(0);
    expect(job(res.report, "call / inner").result).toBe("success");
    expect(res.stdout).toContain("after [built gantry]");

    rmSync(root, { recursive: true });
    const offline = await gantry(cwd, ["run"], { env });
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain("after [built gantry]");
  });
});
