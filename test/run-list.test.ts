// `gantry run --list` (-l) and `--dry-run` (-n), as act's: list what the event would run, or plan
// it without running a step.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, job, makeRepo, scratch } from "./harness.js";

const WF = ".github/workflows";

function repo(shared: string, extra: Record<string, string> = {}): string {
  return makeRepo({
    files: {
      [`${WF}/ci.yml`]: `name: CI
on: push
jobs:
  test:
    name: Test it
    needs: [build, lint]
    strategy:
      matrix:
        node: [18, 20]
    runs-on: ubuntu-latest
    steps:
      - run: touch "${shared}/test-\${{ matrix.node }}"
      - if: runner.os == 'Windows'
        run: echo windows
      - uses: actions/checkout@v4
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Build \${{ github.ref_name }}
        run: touch "${shared}/build"
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: touch "${shared}/lint"
  deploy:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ github.run_number }}" > "${shared}/deploy"
`,
      [`${WF}/pr.yml`]: `name: PR
on: pull_request
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - run: touch "${shared}/check"
`,
      ...extra,
    },
  });
}

describe("gantry run --list", () => {
  it("lists the jobs the event would run, by stage, with their needs, and runs nothing", async () => {
    const shared = scratch();
    const r = await gantry(repo(shared), ["run", "--list"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").map((l) => l.trimEnd())).toEqual([
      "Stage  Job ID  Job name  Workflow name  Workflow file             Needs",
      "0      build   build     CI             .github/workflows/ci.yml",
      "0      lint    lint      CI             .github/workflows/ci.yml",
      "1      test    Test it   CI             .github/workflows/ci.yml  build, lint",
      "2      deploy  deploy    CI             .github/workflows/ci.yml  test",
      "",
    ]);
    expect(r.report).toBeUndefined();
    for (const f of ["build", "lint", "test-18", "deploy", "check"])
      expect(existsSync(join(shared, f))).toBe(false);
  });

  it("-l with --job and another event; an invalid file the event would start; nothing matched", async () => {
    const shared = scratch();
    const bad = { [`${WF}/bad.yml`]: "on: pull_request\njobs:\n  a:\n    runs-on: x\n    stepz: []\n" };
    const r = await gantry(repo(shared, bad), ["run", "-l", "--job", "test"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1      test    Test it");
    expect(r.stdout).not.toContain("deploy");
    const pr = await gantry(repo(shared, bad), ["run", "-l", "--event", "pull_request"]);
    expect(pr.code).toBe(0);
    expect(pr.stdout).toContain("0      check   check     PR             .github/workflows/pr.yml");
    expect(pr.stdout).toContain(
      ".github/workflows/bad.yml: invalid workflow file (1 error(s)): it fails when run",
    );
    const none = await gantry(repo(shared), ["run", "-l", "--event", "release"]);
    expect(none.stdout).toBe("No workflow matched the event.\n");
  });
});

describe("gantry run --dry-run", () => {
  it("plans every job and step the event would run, runs none, takes no run number", async () => {
    const shared = scratch();
    const home = mkdtempSync(join(tmpdir(), "gantry-home-dry-"));
    const dir = repo(shared);
    const r = await gantry(dir, ["run", "-n"], { env: { GANTRY_HOME: home } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Dry run");
    for (const f of ["build", "lint", "test-18", "test-20", "deploy"])
      expect(existsSync(join(shared, f)), f).toBe(false);
    const steps = (name: string) => job(r.report, name).steps.map((s) => [s.name, s.conclusion]);
    expect(steps("build")).toEqual([["Build main", "success"]]);
    expect(steps("Test it (20)")).toEqual([
      [`Run touch "${shared}/test-\${{ matrix.node }}"`, "success"],
      ["Run echo windows", "skipped"],
      ["Run actions/checkout@v4", "success"],
    ]);
    expect(job(r.report, "deploy").result).toBe("success");
    expect(r.stdout).toMatch(/\[(CI\/)?build\] ✓ Build main/);

    const real = await gantry(dir, ["run"], { env: { GANTRY_HOME: home } });
    expect(real.code).toBe(0);
    expect(readFileSync(join(shared, "deploy"), "utf8").trim()).toBe("1");
  });
});
