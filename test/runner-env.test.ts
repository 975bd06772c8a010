import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { type GantryResult, gantry, git, job, makeRepo, repoWith, scratch, summary } from "./harness.js";

/** The job log lines of non-TTY output (`[job] | line`), without step titles. */
function logLines(stdout: string): string {
  return stdout
    .split("\n")
    .filter((l) => / \| /.test(l))
    .join("\n");
}

/** Every file under `dir`, concatenated. */
function readAll(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += readFileSync(join(entry.parentPath, entry.name), "utf8");
  }
  return text;
}

describe.concurrent("runner environment", () => {
  it("sets GITHUB_*, RUNNER_* and CI=true, matching the github and runner contexts", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  envs:
    runs-on: ubuntu-latest
    steps:
      - id: check
        run: |
          test "$CI" = true
          test "$GITHUB_ACTIONS" = true
          test "$GITHUB_SHA" = "\${{ github.sha }}"
          test "$GITHUB_REF" = refs/heads/main
          test "$GITHUB_REF_NAME" = main
          test "$GITHUB_REF_TYPE" = branch
          test "$GITHUB_EVENT_NAME" = push
          test "$GITHUB_JOB" = envs
          test "$GITHUB_WORKFLOW" = CI
          test "$GITHUB_ACTION" = check
          test "$GITHUB_ACTOR" = "Test User"
          test "$GITHUB_REPOSITORY" = "\${{ github.repository }}"
          test "$GITHUB_REPOSITORY_OWNER" = "\${{ github.repository_owner }}"
          test "$GITHUB_RUN_ID" = "\${{ github.run_id }}" && test -n "$GITHUB_RUN_ID"
          test "$GITHUB_RUN_NUMBER" = "\${{ github.run_number }}" && test -n "$GITHUB_RUN_NUMBER"
          test "$GITHUB_RUN_ATTEMPT" = 1
          test "$GITHUB_SERVER_URL" = https://github.com
          test "$GITHUB_WORKSPACE" = "\${{ github.workspace }}" && test -d "$GITHUB_WORKSPACE"
          test "$PWD" = "$GITHUB_WORKSPACE"
          test "$GITHUB_EVENT_PATH" = "\${{ github.event_path }}" && test -f "$GITHUB_EVENT_PATH"
          test "$RUNNER_OS" = "\${{ runner.os }}" && test "$RUNNER_OS" = Linux
          test "$RUNNER_ARCH" = "\${{ runner.arch }}" && test -n "$RUNNER_ARCH"
          test "$RUNNER_TEMP" = "\${{ runner.temp }}" && test -d "$RUNNER_TEMP"
          test "$RUNNER_TOOL_CACHE" = "\${{ runner.tool_cache }}" && test -n "$RUNNER_TOOL_CACHE"
          test -n "$RUNNER_NAME"
          for f in GITHUB_OUTPUT GITHUB_ENV GITHUB_PATH GITHUB_STEP_SUMMARY GITHUB_STATE; do
            eval "test -f \\"\\$$f\\" && test -w \\"\\$$f\\"" || { echo "missing $f"; exit 1; }
          done
          echo "all set"
`);
    // gantry sets CI=true itself, whatever the caller has
    const r = await gantry(repo, ["run"], { env: { CI: "" } });
    expect(r.stdout).toContain("all set");
    expect(r.code).toBe(0);
    expect(r.report?.runs[0].sha).toBe(git(repo, "rev-parse", "HEAD"));
  });

  it("applies GITHUB_ENV, GITHUB_PATH, GITHUB_OUTPUT (with <<DELIM values), GITHUB_STEP_SUMMARY and GITHUB_STATE", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  files:
    runs-on: ubuntu-latest
    steps:
      - id: write
        run: |
          mkdir -p "$RUNNER_TEMP/bin"
          printf '#!/bin/sh\\necho tool-ran\\n' > "$RUNNER_TEMP/bin/my-tool"
          chmod +x "$RUNNER_TEMP/bin/my-tool"
          echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
          echo "SIMPLE=a=b" >> "$GITHUB_ENV"
          {
            echo "MULTI<<ghadelimiter_123"
            echo "first line"
            echo ""
            echo "third = line"
            echo "ghadelimiter_123"
          } >> "$GITHUB_ENV"
          {
            echo "out<<END"
            echo "x"
            echo "y"
            echo "END"
          } >> "$GITHUB_OUTPUT"
          echo "### Summary heading" >> "$GITHUB_STEP_SUMMARY"
          echo "saved=1" >> "$GITHUB_STATE"
      - run: |
          my-tool
          test "$(command -v my-tool)" = "$RUNNER_TEMP/bin/my-tool"
          case "$PATH" in "$RUNNER_TEMP/bin:"*) ;; *) echo "path not first"; exit 1 ;; esac
          test "$SIMPLE" = a=b
          test "$MULTI" = "first line

          third = line"
          test "\${{ env.MULTI }}" = "$MULTI"
          test "\${{ steps.write.outputs.out }}" = "x
          y"
          # each step gets fresh files
          test ! -s "$GITHUB_ENV" && test ! -s "$GITHUB_STEP_SUMMARY"
`);
    const r = await gantry(repo, ["run"]);
    expect(r.stdout).toContain("| tool-ran");
    expect(r.stdout).toContain("### Summary heading");
    expect(job(r.report, "files").steps[0].outputs).toEqual({ out: "x\ny" });
    expect(r.code).toBe(0);
  });

  it("fails a step that writes a malformed env file, keeping the entries before the error", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  files:
    runs-on: ubuntu-latest
    steps:
      - id: env
        continue-on-error: true
        run: |
          echo "GOOD=yes" >> "$GITHUB_ENV"
          echo "no equals sign" >> "$GITHUB_ENV"
      - id: out
        continue-on-error: true
        run: |
          echo "first=1" >> "$GITHUB_OUTPUT"
          printf 'text<<EOF\\nnever closed\\n' >> "$GITHUB_OUTPUT"
      - id: removed
        run: rm "$GITHUB_OUTPUT" "$GITHUB_ENV"
      - run: |
          test "$GOOD" = yes
          test "\${{ steps.env.outcome }}" = failure
          test "\${{ steps.out.outcome }}" = failure
          test "\${{ steps.out.outputs.first }}" = 1
          echo "checked"
`);
    const r = await gantry(repo, ["run"]);
    expect(r.stdout).toContain("| checked");
    expect(r.stdout).toContain("Invalid format 'no equals sign'");
    expect(r.stdout).toContain("Matching delimiter not found 'EOF'");
    expect(job(r.report, "files").steps.map((s) => `${s.outcome}/${s.conclusion}`)).toEqual([
      "failure/success",
      "failure/success",
      "success/success",
      "success/success",
    ]);
    expect(r.code).toBe(0);
  });

  it("writes the event payload file and the github.event context", async () => {
    const repo = repoWith(`name: CI
on: [push, issues, workflow_dispatch]
jobs:
  event:
    runs-on: ubuntu-latest
    steps:
      - run: |
          "$NODE" -e '
            const e = JSON.parse(require("fs").readFileSync(process.env.GITHUB_EVENT_PATH, "utf8"));
            console.log("event " + JSON.stringify({ ref: e.ref, after: e.after, action: e.action, number: e.issue && e.issue.number, inputs: e.inputs, repo: e.repository.full_name }));
          '
          test "\${{ github.event.repository.full_name }}" = "\${{ github.repository }}"
`);
    const sha = git(repo, "rev-parse", "HEAD");
    const push = await gantry(repo, ["run"], { env: { NODE: process.execPath } });
    expect(push.code).toBe(0);
    const line = (r: GantryResult) => JSON.parse(/\| event (.*)/.exec(r.stdout)?.[1] ?? "null");
    expect(line(push)).toMatchObject({ ref: "refs/heads/main", after: sha });

    const payload = join(scratch(), "issue.json");
    writeFileSync(payload, JSON.stringify({ action: "opened", issue: { number: 7 } }));
    const issues = await gantry(repo, ["run", "--event", "issues", "--eventpath", payload], {
      env: { NODE: process.execPath },
    });
    expect(issues.code).toBe(0);
    expect(line(issues)).toMatchObject({ action: "opened", number: 7 });

    const dispatched = await gantry(repo, ["run", "--event", "workflow_dispatch"], {
      env: { NODE: process.execPath },
    });
    expect(dispatched.code).toBe(0);
    expect(line(dispatched)).toMatchObject({ ref: "refs/heads/main", inputs: {} });
  });
});

describe.concurrent("workflow commands", () => {
  it("masks add-mask values in stdout, log files and the report", async () => {
    const logs = join(scratch(), "logs");
    const repo = repoWith(`name: CI
on: push
jobs:
  mask:
    runs-on: ubuntu-latest
    outputs:
      leaked: \${{ steps.m.outputs.value }}
      fine: \${{ steps.m.outputs.other }}
    steps:
      - id: m
        run: |
          VALUE="hunter2-$((40 + 2))"
          echo "::add-mask::$VALUE"
          echo "the value is $VALUE, inside a line"
          echo "value=$VALUE" >> "$GITHUB_OUTPUT"
          echo "other=plain" >> "$GITHUB_OUTPUT"
          echo "::error file=x.sh,line=1::failed with $VALUE"
      - name: Show \${{ steps.m.outputs.value }}
        run: echo "again \${{ steps.m.outputs.value }}"
`);
    const r = await gantry(repo, ["run", "--log-dir", logs]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("the value is ***, inside a line");
    expect(r.stdout).toContain("again ***");
    expect(logLines(r.stdout)).not.toContain("add-mask");
    expect(r.stdout).toContain("Error: x.sh:1: failed with ***");
    const everything = r.stdout + r.stderr + readAll(logs) + JSON.stringify(r.report);
    expect(everything).not.toContain("hunter2-42");
    expect(readAll(logs)).toContain("the value is ***, inside a line");
    const j = job(r.report, "mask");
    expect(j.steps[0].outputs.value).toBe("***");
    // GitHub drops a job output that carries a masked value
    expect(j.outputs).toEqual({ fine: "plain" });
    expect(j.steps[1].name).toBe("Show ***");
  });

  it("shows groups, annotations with file/line/col, and debug only when asked", async () => {
    const workflow = `name: CI
on: push
jobs:
  cmds:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "::group::Install things"
          echo "inside the group"
          echo "::endgroup::"
          echo "::error file=src/app.ts,line=12,col=5::Something broke"
          echo "::warning file=lib/util.js,line=3::Looks odd"
          echo "::notice title=Heads up::Just so you know"
          echo "::debug::secret sauce details"
`;
    const r = await gantry(repoWith(workflow), ["run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Install things");
    expect(r.stdout).toContain("inside the group");
    expect(logLines(r.stdout)).not.toMatch(/::(group|endgroup|error|warning|notice|debug)/);
    expect(r.stdout).toMatch(/Error: src\/app\.ts:12:5: Something broke/);
    expect(r.stdout).toMatch(/Warning: lib\/util\.js:3: Looks odd/);
    expect(r.stdout).toMatch(/Notice: Heads up - Just so you know/);
    expect(r.stdout).not.toContain("secret sauce details");

    const debugEnv = await gantry(repoWith(workflow), ["run"], { env: { RUNNER_DEBUG: "1" } });
    expect(debugEnv.stdout).toContain("secret sauce details");
    const debugSecret = await gantry(repoWith(workflow), ["run", "--secret", "ACTIONS_STEP_DEBUG=true"]);
    expect(debugSecret.stdout).toContain("secret sauce details");
  });

  it("stops and resumes command processing with stop-commands", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  stop:
    runs-on: ubuntu-latest
    steps:
      - id: s
        run: |
          echo "::stop-commands::pause-token-1"
          echo "::add-mask::not-a-mask"
          echo "::set-output name=ignored::yes"
          echo "visible not-a-mask"
          echo "::pause-token-1::"
          echo "::add-mask::real-mask"
          echo "hidden real-mask"
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("::add-mask::not-a-mask");
    expect(r.stdout).toContain("visible not-a-mask");
    expect(r.stdout).toContain("hidden ***");
    expect(r.stdout).not.toContain("real-mask");
    expect(job(r.report, "stop").steps[0].outputs).toEqual({});
  });
});

describe.concurrent("secrets and variables", () => {
  it("reads --secret, --secret-file, --var, --var-file into the secrets and vars contexts, and masks every secret", async () => {
    const dir = scratch();
    const logs = join(dir, "logs");
    writeFileSync(
      join(dir, ".secrets"),
      `# a dotenv file
API_KEY=key-from-file-123
CERT="cert-line-one-aaaa
cert-line-two-bbbb"
`,
    );
    writeFileSync(join(dir, ".vars"), "REGION=eu-west\nexport TIER='gold'\n");
    const repo = repoWith(`name: CI
on: push
env:
  FROM_VARS: \${{ vars.REGION }}
jobs:
  use:
    runs-on: ubuntu-latest
    env:
      CERT: \${{ secrets.CERT }}
    steps:
      - run: |
          echo "token is \${{ secrets.TOKEN }}!"
          echo "key=\${{ secrets.API_KEY }}"
          echo "$CERT"
          echo "second: $(echo "$CERT" | tail -n 1) and first: $(echo "$CERT" | head -n 1)"
          test -z "$TOKEN"
          test "\${{ secrets.MISSING }}" = ""
          test "\${{ vars.REGION }} \${{ vars.TIER }} \${{ vars.NAME }}" = "eu-west gold cli-var"
          test "$FROM_VARS" = eu-west
          test "\${{ env.FROM_VARS }}" = eu-west
          echo "vars ok"
`);
    const r = await gantry(
      repo,
      [
        "run",
        "--secret",
        "TOKEN=tok-abc-987",
        "--secret-file",
        join(dir, ".secrets"),
        "--var",
        "NAME=cli-var",
        "--var-file",
        join(dir, ".vars"),
        "--log-dir",
        logs,
      ],
      {},
    );
    expect(r.stdout).toContain("vars ok");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("token is ***!");
    expect(r.stdout).toContain("key=***");
    expect(r.stdout).toContain("second: *** and first: ***");
    const everything = r.stdout + r.stderr + readAll(logs) + JSON.stringify(r.report);
    for (const secret of ["tok-abc-987", "key-from-file-123", "cert-line-one-aaaa", "cert-line-two-bbbb"]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe.concurrent("workspaces and checkout", () => {
  it("gives each job its own empty workspace", async () => {
    const shared = scratch();
    const repo = repoWith(`name: CI
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: |
          test -z "$(ls -A)"
          echo from-a > a.txt
          echo "$GITHUB_WORKSPACE" > "$SHARED/a-workspace"
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: |
          test -z "$(ls -A)"
          test ! -e a.txt
          test "$GITHUB_WORKSPACE" != "$(cat "$SHARED/a-workspace")"
          echo "b is clean"
`);
    const r = await gantry(repo, ["run"], { env: { SHARED: shared } });
    expect(r.stdout).toContain("b is clean");
    expect(summary(r.report)).toEqual({ CI: { a: "success", b: "success" } });
    expect(r.code).toBe(0);
  });

  it("gives each job of a chain empty folders and file-command files of its own (the later ones made ahead)", async () => {
    const shared = scratch();
    const step = (id: string) => `    steps:
      - run: |
          test -z "$(ls -A)"
          test -z "$(ls -A "$HOME")"
          test "$(ls "$RUNNER_TEMP" | grep -v '\\.sh$' | tr '\\n' ' ')" = "_github_workflow _runner_file_commands "
          test -s "$GITHUB_EVENT_PATH"
          for f in "$GITHUB_OUTPUT" "$GITHUB_ENV" "$GITHUB_PATH" "$GITHUB_STEP_SUMMARY" "$GITHUB_STATE"; do
            test -f "$f" && test ! -s "$f"
          done
          test "$(ls "$RUNNER_TEMP/_runner_file_commands" | wc -l)" = 5
          if command -v corepack > /dev/null; then test -L "$NPM_CONFIG_PREFIX/bin/corepack"; fi
          echo "$GITHUB_OUTPUT" >> "$SHARED/outputs"
          echo "$GITHUB_WORKSPACE" >> "$SHARED/workspaces"
          echo "seen=${id}" >> "$GITHUB_OUTPUT"
          echo "FROM_ENV=${id}" >> "$GITHUB_ENV"
          touch left-by-${id} "$HOME/left-by-${id}"
      - id: second
        run: |
          test "$FROM_ENV" = ${id}
          test "$(ls "$RUNNER_TEMP/_runner_file_commands" | wc -l)" = 10
`;
    const repo = repoWith(`name: CI
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      seen: \${{ steps.first.outputs.seen }}
${step("a").replace("      - run: |", "      - id: first\n        run: |")}  b:
    needs: a
    runs-on: ubuntu-latest
${step("b")}  c:
    needs: b
    runs-on: ubuntu-latest
${step("c")}      - run: test "\${{ needs.b.result }}" = success
`);
    const r = await gantry(repo, ["run"], { env: { SHARED: shared } });
    expect(summary(r.report)).toEqual({ CI: { a: "success", b: "success", c: "success" } });
    expect(job(r.report, "a").outputs).toEqual({ seen: "a" });
    for (const list of ["outputs", "workspaces"]) {
      const paths = readFileSync(join(shared, list), "utf8").trim().split("\n");
      expect(new Set(paths).size).toBe(3);
    }
    expect(r.code).toBe(0);
  });

  it("actions/checkout brings HEAD plus uncommitted and untracked files, not ignored or deleted ones", async () => {
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          test "$(cat tracked.txt)" = committed
          test "$(cat modified.txt)" = changed-on-disk
          test "$(cat untracked.txt)" = new-file
          test "$(cat sub/dir/nested.txt)" = nested-new
          test ! -e ignored.log
          test ! -e build/out.bin
          test ! -e deleted.txt
          test "$(git rev-parse HEAD)" = "$GITHUB_SHA"
          echo "checkout ok"
  other:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v3
        with:
          path: nested/place
      - run: test -f nested/place/tracked.txt && test ! -e tracked.txt
`,
        ".gitignore": "*.log\nbuild/\n",
        "tracked.txt": "committed\n",
        "modified.txt": "original\n",
        "deleted.txt": "going away\n",
      },
      dirty: {
        "modified.txt": "changed-on-disk\n",
        "untracked.txt": "new-file\n",
        "sub/dir/nested.txt": "nested-new\n",
        "ignored.log": "ignore me\n",
        "build/out.bin": "binary\n",
      },
    });
    rmSync(join(repo, "deleted.txt"));
    const r = await gantry(repo, ["run"]);
    expect(r.stdout).toContain("checkout ok");
    expect(summary(r.report)).toEqual({ CI: { build: "success", other: "success" } });
    expect(r.code).toBe(0);
    // the checkout leaves the user's repository as it was
    expect(existsSync(join(repo, "deleted.txt"))).toBe(false);
    expect(git(repo, "status", "--porcelain")).toContain("?? untracked.txt");
  });
});

describe.concurrent("logs, report and exit codes", () => {
  it("writes one plain-text log per job, named in the report", async () => {
    const logs = join(scratch(), "logs");
    const repo = repoWith(`name: CI
on: push
jobs:
  first:
    runs-on: ubuntu-latest
    steps:
      - run: printf '\\033[31mred text\\033[0m\\n'
  legs:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2]
    steps:
      - run: echo "leg \${{ matrix.n }} here"
`);
    const r = await gantry(repo, ["run", "--log-dir", logs]);
    expect(r.code).toBe(0);
    const jobs = r.report?.runs[0].jobs ?? [];
    expect(jobs).toHaveLength(3);
    const paths = jobs.map((j) => j.log);
    expect(new Set(paths).size).toBe(3);
    for (const j of jobs) {
      expect(j.log).toBeTruthy();
      expect(existsSync(j.log as string)).toBe(true);
    }
    const firstLog = readFileSync(job(r.report, "first").log as string, "utf8");
    expect(firstLog).toContain("red text");
    expect(firstLog).not.toContain("\x1b[");
    expect(readFileSync(job(r.report, "legs (1)").log as string, "utf8")).toContain("leg 1 here");
    expect(readFileSync(job(r.report, "legs (1)").log as string, "utf8")).not.toContain("leg 2 here");
    expect(readFileSync(job(r.report, "legs (2)").log as string, "utf8")).toContain("leg 2 here");
    expect(basename(job(r.report, "legs (2)").log as string)).toMatch(/legs \(2\)/);
  });

  it("exits 0 when every run succeeds and 1 when one fails", async () => {
    const ok = await gantry(
      repoWith(`name: CI
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: true
`),
      ["run"],
    );
    expect(ok.code).toBe(0);
    expect(ok.report?.runs[0].conclusion).toBe("success");
    const bad = await gantry(
      makeRepo({
        files: {
          ".github/workflows/ok.yml":
            "name: OK\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n",
          ".github/workflows/bad.yml":
            "name: Bad\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: exit 7\n",
        },
      }),
      ["run"],
    );
    expect(bad.code).toBe(1);
    expect(summary(bad.report)).toEqual({ OK: { a: "success" }, Bad: { a: "failure" } });
    expect(bad.stdout).toContain("exit code 7");
  });
});
