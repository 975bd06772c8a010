// Reusable workflows (jobs.<id>.uses) through the real CLI: secrets, static checks with
// file:line:col, run-time checks, limits, names and logs of the called jobs.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, job, makeRepo, scratch, summary } from "./harness.js";

const WF = ".github/workflows";

function problemLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /^\S+:\d+:\d+: /.test(l));
}

const SECRETS_CALLED = `on:
  workflow_call:
    secrets:
      token:
        required: true
      other:
jobs:
  use:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "token=\${{ secrets.token }} other=[\${{ secrets.other }}] top=[\${{ secrets.TOP }}]"
          test -n "\${{ secrets.GITHUB_TOKEN || 'x' }}"
`;

describe("secrets of a called workflow", () => {
  it("passed one by one: only those, masked in the logs and the report", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/ci.yml`]: `on: push
jobs:
  call:
    uses: ./${WF}/called.yml
    secrets:
      token: \${{ secrets.TOP }}-suffix
`,
        [`${WF}/called.yml`]: SECRETS_CALLED,
      },
    });
    const logs = scratch();
    const r = await gantry(repo, ["run", "--secret", "TOP=hunter2", "--log-dir", logs]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("hunter2");
    expect(r.stdout).toContain("[ci.yml/call / use] | token=*** other=[] top=[]");
    const called = job(r.report, "call / use");
    expect(called.id).toBe("call/use");
    expect(called.result).toBe("success");
    const log = readFileSync(called.log as string, "utf8");
    expect(log).toContain("token=*** other=[] top=[]");
    expect(log).not.toContain("hunter2");
    expect(JSON.stringify(r.report)).not.toContain("hunter2");
  });

  it("secrets: inherit passes all of the caller's", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/ci.yml`]: `on: push
jobs:
  call:
    uses: ./${WF}/called.yml
    secrets: inherit
`,
        [`${WF}/called.yml`]: SECRETS_CALLED,
      },
    });
    const r = await gantry(repo, ["run", "--secret", "TOP=hunter2", "--secret", "token=tok3n"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[ci.yml/call / use] | token=*** other=[] top=[***]");
    expect(r.stdout).not.toMatch(/hunter2|tok3n/);
  });
});

describe("checks before anything runs, at file:line:col", () => {
  it("undeclared input, missing required input and secret, literal of the wrong type, undeclared secret", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/ci.yml`]: `on: push
jobs:
  call:
    uses: ./${WF}/called.yml
    with:
      count: many
      flag: "true"
      colour: red
      name: 12
    secrets:
      nope: x
`,
        [`${WF}/called.yml`]: `on:
  workflow_call:
    inputs:
      name:
        type: string
      count:
        type: number
      flag:
        type: boolean
      needed:
        type: string
        required: true
    secrets:
      token:
        required: true
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`,
      },
    });
    // validate: 2 (errors found); run: the caller fails on its own, 1.
    for (const [args, code] of [
      [["validate"], 2],
      [["run"], 1],
    ] as const) {
      const r = await gantry(repo, [...args]);
      expect(r.code).toBe(code);
      // validate prints the problems on stdout; run on stderr, beside the run's output.
      expect(problemLines(args[0] === "validate" ? r.stdout : r.stderr)).toEqual([
        `${WF}/ci.yml:4:11: Input needed is required, but not provided while calling.`,
        `${WF}/ci.yml:4:11: Secret token is required, but not provided while calling.`,
        `${WF}/ci.yml:6:14: Input 'count' expects a number, got string 'many'`,
        `${WF}/ci.yml:7:13: Input 'flag' expects a boolean, got string 'true'`,
        `${WF}/ci.yml:8:7: Invalid input, colour is not defined in the referenced workflow.`,
        `${WF}/ci.yml:11:7: Invalid secret, nope is not defined in the referenced workflow.`,
      ]);
    }
  });

  it("a called workflow without workflow_call, and a called file with errors at its own positions", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/ci.yml`]: `on: push
jobs:
  a:
    uses: ./${WF}/push-only.yml
  b:
    uses: ./${WF}/broken.yml
`,
        [`${WF}/push-only.yml`]:
          "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
        [`${WF}/broken.yml`]: "on: workflow_call\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n",
      },
    });
    const r = await gantry(repo, ["validate", `${WF}/ci.yml`]);
    expect(r.code).toBe(2);
    expect(problemLines(r.stdout)).toEqual([
      `${WF}/ci.yml:4:11: Reusable workflow './${WF}/push-only.yml' cannot be called: its 'on:' has no workflow_call`,
      `${WF}/broken.yml:5:5: Unexpected value 'stepz' (did you mean 'steps'?)`,
    ]);
  });

  it("a cycle of calls is an error, not a hang", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/a.yml`]: `on: [push, workflow_call]
jobs:
  call-b:
    uses: ./${WF}/b.yml
`,
        [`${WF}/b.yml`]: `on: workflow_call
jobs:
  call-a:
    uses: ./${WF}/a.yml
`,
      },
    });
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(problemLines(r.stderr)).toEqual([
      `${WF}/a.yml:4:11: Reusable workflows call each other in a cycle: ${WF}/a.yml → ${WF}/b.yml → ${WF}/a.yml`,
      `${WF}/b.yml:4:11: Reusable workflows call each other in a cycle: ${WF}/b.yml → ${WF}/a.yml → ${WF}/b.yml`,
    ]);
  });

  it("10 levels of workflows run; 11 are refused", async () => {
    const chain = (levels: number): Record<string, string> => {
      const files: Record<string, string> = {
        [`${WF}/ci.yml`]: `name: CI\non: push\njobs:\n  down:\n    uses: ./${WF}/l2.yml\n`,
      };
      for (let i = 2; i < levels; i++) {
        files[`${WF}/l${i}.yml`] = `on: workflow_call\njobs:\n  down:\n    uses: ./${WF}/l${i + 1}.yml\n`;
      }
      files[`${WF}/l${levels}.yml`] =
        `on: workflow_call\njobs:\n  leaf:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "depth ok"\n`;
      return files;
    };
    const ten = await gantry(makeRepo({ files: chain(10) }), ["run", "--workflows", `${WF}/ci.yml`]);
    expect(ten.code).toBe(0);
    expect(summary(ten.report)).toEqual({ CI: { [`${"down / ".repeat(9)}leaf`]: "success" } });
    expect(job(ten.report, `${"down / ".repeat(9)}leaf`).id).toBe(`${"down/".repeat(9)}leaf`);

    const eleven = await gantry(makeRepo({ files: chain(11) }), ["validate", `${WF}/ci.yml`]);
    expect(eleven.code).toBe(2);
    expect(problemLines(eleven.stdout)).toEqual([
      expect.stringMatching(
        /^\.github\/workflows\/ci\.yml:5:11: This call nests 11 levels of workflows \(.* → \.github\/workflows\/l11\.yml\); GitHub allows at most 10$/,
      ),
    ]);
  });
});

describe("the limit of unique reusable workflows, before anything runs", () => {
  it("51 local workflows called from one workflow are refused at the 51st call", async () => {
    const files: Record<string, string> = {};
    let calls = "";
    for (let i = 1; i <= 51; i++) {
      files[`${WF}/w${i}.yml`] =
        "on: workflow_call\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
      calls += `  c${i}:\n    uses: ./${WF}/w${i}.yml\n`;
    }
    files[`${WF}/ci.yml`] = `on: push\njobs:\n${calls}`;
    const r = await gantry(makeRepo({ files }), ["validate"]);
    expect(r.code).toBe(2);
    expect(problemLines(r.stdout)).toEqual([
      `${WF}/ci.yml:104:11: This call brings the run to 51 unique reusable workflows; GitHub allows at most 50`,
    ]);
  });
});

describe("checks when the call runs", () => {
  it("a value of the wrong type from an expression fails the calling job, and its dependants skip", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/ci.yml`]: `name: CI
on: push
jobs:
  call:
    strategy:
      matrix:
        n: ["1", 2]
    uses: ./${WF}/called.yml
    with:
      n: \${{ matrix.n }}
  after:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - run: echo never
`,
        [`${WF}/called.yml`]: `on:
  workflow_call:
    inputs:
      n:
        type: number
        required: true
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "n=\${{ inputs.n }}"
`,
      },
    });
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({
      CI: { "call (1)": "failure", "call (2) / show": "cancelled", after: "skipped" },
    });
    expect(r.stdout).toContain("[CI/call (1)] | Error: Input 'n' expects a number, got string '1'");
  });

  it("a remote reusable workflow that neither the action store nor a mirror has fails the job with what to do", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/ci.yml`]: `name: CI
on: push
jobs:
  call:
    uses: octo-org/shared/.github/workflows/build.yml@v1
`,
      },
    });
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({ CI: { call: "failure" } });
    expect(r.stdout).toContain(
      "[CI/call] | Error: Reusable workflow 'octo-org/shared/.github/workflows/build.yml@v1' could not be read: Action 'octo-org/shared@v1' is not in gantry's action store and no action mirror is set.",
    );
    expect(r.stdout).toContain(
      "gantry actions add octo-org/shared@v1 --from https://github.com/octo-org/shared.git",
    );
  });

  it("--job of a calling job runs its called jobs and what it needs", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/ci.yml`]: `name: CI
on: push
jobs:
  first:
    runs-on: ubuntu-latest
    steps:
      - run: echo first
  call:
    needs: first
    uses: ./${WF}/called.yml
  other:
    runs-on: ubuntu-latest
    steps:
      - run: echo other
`,
        [`${WF}/called.yml`]: `on: workflow_call
jobs:
  inner:
    runs-on: ubuntu-latest
    steps:
      - run: echo inner
`,
      },
    });
    const r = await gantry(repo, ["run", "--job", "call"]);
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({ CI: { first: "success", "call / inner": "success" } });
  });

  it("a skipped calling job is reported under its own name", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/ci.yml`]: `name: CI
on: push
jobs:
  call:
    if: github.event_name == 'pull_request'
    uses: ./${WF}/called.yml
`,
        [`${WF}/called.yml`]:
          "on: workflow_call\njobs:\n  inner:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
      },
    });
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({ CI: { call: "skipped" } });
  });
});

async function waitFor(file: string, limitMs = 20_000): Promise<void> {
  for (let waited = 0; !existsSync(file); waited += 50) {
    if (waited > limitMs) throw new Error(`${file} never appeared`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("cancellation and timeouts reach the called jobs", () => {
  it("Ctrl-C cancels a called job; its always() job still runs; the caller's dependants do not", async () => {
    const shared = scratch();
    const repo = makeRepo({
      files: {
        [`${WF}/ci.yml`]: `name: CI
on: push
jobs:
  call:
    uses: ./${WF}/called.yml
  after:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - run: touch "$SHARED/after"
`,
        [`${WF}/called.yml`]: `on: workflow_call
jobs:
  long:
    runs-on: ubuntu-latest
    steps:
      - run: |
          touch "$SHARED/started"
          sleep 300 &
          wait
  cleanup:
    needs: long
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: touch "$SHARED/cleanup"
`,
      },
    });
    let pid = 0;
    const running = gantry(repo, ["run"], {
      env: { SHARED: shared, GANTRY_CANCEL_GRACE_MS: "2000" },
      onSpawn: (p) => {
        pid = p;
      },
    });
    await waitFor(join(shared, "started"));
    process.kill(pid, "SIGINT");
    const r = await running;
    expect(r.code).toBe(1);
    expect(r.report?.runs[0].conclusion).toBe("cancelled");
    expect(summary(r.report)).toEqual({
      CI: { "call / long": "cancelled", "call / cleanup": "success", after: "cancelled" },
    });
    expect(existsSync(join(shared, "cleanup"))).toBe(true);
    expect(existsSync(join(shared, "after"))).toBe(false);
  });

  it("a called job's timeout-minutes fails it, and the call", async () => {
    const repo = makeRepo({
      files: {
        [`${WF}/ci.yml`]: `name: CI
on: push
jobs:
  call:
    uses: ./${WF}/called.yml
`,
        [`${WF}/called.yml`]: `on: workflow_call
jobs:
  slow:
    runs-on: ubuntu-latest
    timeout-minutes: 0.01
    steps:
      - run: sleep 30
`,
      },
    });
    const r = await gantry(repo, ["run"], { env: { GANTRY_CANCEL_GRACE_MS: "500" } });
    expect(r.code).toBe(1);
    expect(summary(r.report)).toEqual({ CI: { "call / slow": "failure" } });
    expect(r.stdout).toContain(
      "[CI/call / slow] | Error: The job has exceeded the maximum execution time of 0.01 minutes.",
    );
  });
});
