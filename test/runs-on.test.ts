// `gantry run` and runs-on: a job asking for a runner this machine is not (windows-latest,
// macos-latest on Linux, a custom label) is skipped with a notice naming the labels, as act does,
// unless --platform LABEL=host says to run it here; jobs that need it are skipped as on GitHub.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, job, repoWith, scratch, summary } from "./harness.js";

const WORKFLOW = (shared: string) => `name: CI
on: push
jobs:
  linux:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ runner.os }}" > "${shared}/linux"
  windows:
    runs-on: windows-latest
    steps:
      - if: runner.os == 'Windows'
        run: echo windows-step > "${shared}/windows-step"
      - run: echo "\${{ runner.os }}" > "${shared}/windows"
  mac:
    runs-on: [macos-latest]
    steps:
      - run: touch "${shared}/mac"
  after-windows:
    needs: windows
    runs-on: ubuntu-latest
    steps:
      - run: touch "${shared}/after-windows"
  always-after:
    needs: windows
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.windows.result }}" > "${shared}/always-after"
  self-hosted:
    runs-on: [self-hosted, Linux]
    steps:
      - run: touch "${shared}/self-hosted"
  gpu:
    runs-on: [self-hosted, gpu]
    steps:
      - run: touch "${shared}/gpu"
  legs:
    strategy:
      matrix:
        os: [ubuntu-22.04, windows-2022]
    runs-on: \${{ matrix.os }}
    steps:
      - run: touch "${shared}/leg-\${{ matrix.os }}"
`;

describe.runIf(process.platform === "linux")("runs-on in gantry run", () => {
  it("skips the jobs and legs this machine cannot be, with a notice naming the labels", async () => {
    const shared = scratch();
    const r = await gantry(repoWith(WORKFLOW(shared)), ["run"]);
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({
      CI: {
        linux: "success",
        windows: "skipped",
        mac: "skipped",
        "after-windows": "skipped",
        "always-after": "success",
        "self-hosted": "success",
        gpu: "skipped",
        "legs (ubuntu-22.04)": "success",
        "legs (windows-2022)": "skipped",
      },
    });
    expect(r.report?.runs[0].conclusion).toBe("success");
    expect(job(r.report, "windows").startedAt).toBeNull();
    expect(readFileSync(join(shared, "linux"), "utf8").trim()).toBe("Linux");
    expect(readFileSync(join(shared, "always-after"), "utf8").trim()).toBe("skipped");
    for (const f of ["windows", "windows-step", "mac", "after-windows", "gpu", "leg-windows-2022"]) {
      expect(existsSync(join(shared, f)), f).toBe(false);
    }
    expect(existsSync(join(shared, "leg-ubuntu-22.04"))).toBe(true);
    expect(r.stdout).toMatch(
      /windows: skipped: runs-on 'windows-latest' is not this machine \(Linux \w+\); to run it here anyway: --platform windows-latest=host/,
    );
    expect(r.stdout).toContain("gpu: skipped: runs-on 'gpu' is not this machine");
    expect(r.stdout).toContain("--platform gpu=host");
  });

  it("--platform LABEL=host runs those jobs here (runner.os stays this machine's)", async () => {
    const shared = scratch();
    const r = await gantry(repoWith(WORKFLOW(shared)), [
      "run",
      "--platform",
      "windows-latest=host",
      "--platform",
      "GPU=host",
    ]);
    expect(r.code).toBe(0);
    const jobs = summary(r.report).CI;
    expect(jobs.windows).toBe("success");
    expect(jobs["after-windows"]).toBe("success");
    expect(jobs.gpu).toBe("success");
    expect(jobs.mac).toBe("skipped");
    expect(readFileSync(join(shared, "windows"), "utf8").trim()).toBe("Linux");
    expect(existsSync(join(shared, "windows-step"))).toBe(false);
    expect(readFileSync(join(shared, "always-after"), "utf8").trim()).toBe("success");
  });

  it("--platform takes only LABEL=host", async () => {
    const repo = repoWith(WORKFLOW(scratch()));
    for (const bad of ["windows-latest=node:16", "windows-latest", "=host"]) {
      const r = await gantry(repo, ["run", "--platform", bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain("--platform expects LABEL=host");
    }
  });
});
