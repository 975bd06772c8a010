import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, job, repoWith, scratch } from "./harness.js";

const CHECKOUT = "      - uses: actions/checkout@v4\n";

const GREET = `name: Greet
description: says hello
inputs:
  who:
    description: whom to greet
    required: true
  greeting:
    default: Hello
  token:
    default: \${{ github.repository }}
outputs:
  message:
    value: \${{ steps.say.outputs.text }}
  nested:
    value: \${{ steps.inner.outputs.shout }}
runs:
  using: composite
  steps:
    - id: say
      shell: bash
      run: |
        echo "text=\${{ inputs.greeting }}, \${{ inputs.who }}" >> "$GITHUB_OUTPUT"
        echo "from $GITHUB_ACTION_PATH with token \${{ inputs.token }}"
        echo "COMPOSITE_SET=yes" >> "$GITHUB_ENV"
        echo "::add-mask::hidden-\${{ inputs.who }}"
    - shell: bash
      working-directory: sub
      env:
        STEP_ENV: step-level
      run: echo "in $(basename "$PWD") with $STEP_ENV and job env $JOB_ENV, said hidden-\${{ inputs.who }}"
    - id: inner
      uses: ./.github/actions/shout
      with:
        text: \${{ steps.say.outputs.text }}
    - if: failure()
      shell: bash
      run: echo "never runs"
`;

const SHOUT = `name: Shout
inputs:
  text:
    required: true
outputs:
  shout:
    value: \${{ steps.up.outputs.v }}
runs:
  using: composite
  steps:
    - id: up
      shell: bash
      run: echo "v=$(echo '\${{ inputs.text }}' | tr a-z A-Z)" >> "$GITHUB_OUTPUT"
`;

describe.concurrent("local actions", () => {
  it("runs a composite action: inputs, defaults, outputs, env files, masking, nesting", async () => {
    const repo = repoWith(
      `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      JOB_ENV: job-level
    outputs:
      message: \${{ steps.greet.outputs.message }}
    steps:
${CHECKOUT}      - id: greet
        uses: ./.github/actions/greet
        with:
          who: World
      - run: |
          echo "message=\${{ steps.greet.outputs.message }}"
          echo "nested=\${{ steps.greet.outputs.nested }}"
          echo "env=$COMPOSITE_SET"
`,
      {
        ".github/actions/greet/action.yml": GREET,
        ".github/actions/shout/action.yaml": SHOUT,
        "sub/.keep": "",
      },
    );
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    const build = job(r.report, "build");
    expect(build.outputs).toEqual({ message: "Hello, World" });
    expect(build.steps.map((s) => s.name)).toEqual([
      "Run actions/checkout@v4",
      "Run ./.github/actions/greet",
      'Run echo "message=${{ steps.greet.outputs.message }}"',
    ]);
    expect(r.stdout).toContain("message=Hello, World");
    expect(r.stdout).toContain("nested=HELLO, WORLD");
    expect(r.stdout).toContain("env=yes");
    expect(r.stdout).toMatch(/from \S+\/\.github\/actions\/greet with token \S+\/\S+/);
    expect(r.stdout).toContain("in sub with step-level and job env job-level, said ***");
    expect(r.stdout).not.toContain("hidden-World");
    expect(r.stdout).not.toContain("never runs");
  });

  // A composite step without `shell` is now caught before the run (gantry run exits 2 with
  // file:line:col, see test/validate.test.ts), so this run checks the failures only a run can see.
  it("fails a step for a missing required input and a missing action.yml", async () => {
    const repo = repoWith(
      `name: CI
on: push
jobs:
  required:
    runs-on: ubuntu-latest
    steps:
${CHECKOUT}      - uses: ./.github/actions/shout
        with:
          txt: typo
  missing:
    runs-on: ubuntu-latest
    steps:
      - uses: ./.github/actions/shout
`,
      { ".github/actions/shout/action.yml": SHOUT },
    );
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    for (const name of ["required", "missing"]) expect(job(r.report, name).result).toBe("failure");
    const out = r.stdout + r.stderr;
    expect(out).toContain("Unexpected input(s) 'txt', valid inputs are ['text']");
    expect(out).toContain("Input required and not supplied: text");
    expect(out).toContain("Did you forget to run actions/checkout");
  });

  it("runs a JavaScript action with INPUT_*, outputs, pre/post in reverse order and STATE_*", async () => {
    const shared = scratch();
    const script = (part: string) => `const fs = require("node:fs");
const line = (s) => fs.appendFileSync(process.env.SHARED + "/order", s + "\\n");
line("${part} " + (process.env["INPUT_MY INPUT".replace(/ /g, "_").toUpperCase()] ?? "") + " " + (process.env.INPUT_OTHER ?? "") + " state=" + (process.env.STATE_saved ?? ""));
if ("${part}" === "main") {
  fs.appendFileSync(process.env.GITHUB_OUTPUT, "result=done-" + process.env.INPUT_OTHER + "\\n");
  fs.appendFileSync(process.env.GITHUB_STATE, "saved=from-main-" + process.env.INPUT_OTHER + "\\n");
  if (process.env.INPUT_OTHER === "fail") process.exit(3);
}
`;
    const action = `name: js
inputs:
  my input:
    default: dflt
  other:
    required: true
outputs:
  result:
    description: x
runs:
  using: node20
  pre: pre.js
  main: main.js
  post: post.js
  post-if: always()
`;
    const files: Record<string, string> = {};
    for (const dir of ["a", "b"]) {
      files[`actions/${dir}/action.yml`] = action;
      for (const part of ["pre", "main", "post"]) files[`actions/${dir}/${part}.js`] = script(part);
    }
    const repo = repoWith(
      `name: CI
on: push
jobs:
  js:
    runs-on: ubuntu-latest
    env:
      SHARED: ${shared}
    steps:
${CHECKOUT}      - id: one
        uses: ./actions/a
        with:
          other: first
      - run: echo "got \${{ steps.one.outputs.result }}"
      - uses: ./actions/b
        with:
          other: fail
      - run: echo "not reached"
`,
      files,
    );
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("got done-first");
    expect(readFileSync(join(shared, "order"), "utf8").trim().split("\n")).toEqual([
      "main dflt first state=",
      "main dflt fail state=",
      "post dflt fail state=from-main-fail",
      "post dflt first state=from-main-first",
    ]);
    const js = job(r.report, "js");
    expect(js.steps.map((s) => `${s.name}: ${s.conclusion}`)).toEqual([
      "Run actions/checkout@v4: success",
      "Run ./actions/a: success",
      'Run echo "got ${{ steps.one.outputs.result }}": success',
      "Run ./actions/b: failure",
      'Run echo "not reached": skipped',
      "Post ./actions/b: success",
      "Post ./actions/a: success",
    ]);
  });
});

describe.concurrent("docker without an engine", () => {
  it("fails container jobs, services and Docker actions with a message saying so", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  container:
    runs-on: ubuntu-latest
    container: node:20
    steps:
      - run: echo "never in a container"
  services:
    runs-on: ubuntu-latest
    services:
      db:
        image: postgres:16
    steps:
      - run: echo "never with services"
  action:
    runs-on: ubuntu-latest
    steps:
      - uses: docker://alpine:3.20
      - run: echo "after docker"
`);
    // No engine: a docker client that cannot reach a daemon, or no client at all.
    const r = await gantry(repo, ["run"], { env: { DOCKER_HOST: "unix:///nonexistent/docker.sock" } });
    expect(r.code).toBe(1);
    for (const name of ["container", "services", "action"])
      expect(job(r.report, name).result).toBe("failure");
    expect(r.stdout).toContain("Job 'container' uses `container:`, which needs a Docker engine");
    expect(r.stdout).toContain("Job 'services' uses `services:`, which needs a Docker engine");
    expect(r.stdout).toContain("The Docker action 'docker://alpine:3.20' needs a Docker engine");
    expect(r.stdout).not.toContain("never");
    expect(r.stdout).not.toContain("| after docker");
  });
});
