// The end of a run does not wait on deleting its workspaces: they are taken out of the way at once
// and deleted in a process of their own, with what a killed run left; GANTRY_KEEP_WORKSPACE keeps them.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, makeRepo } from "./harness.js";
import { until } from "./serve-harness.js";

const WORKFLOW = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: mkdir -p many && for i in $(seq 1 500); do echo $i > many/f$i; done
`;

describe("a run's workspaces", () => {
  it("are gone from runs/ when gantry exits, and deleted in the background with what a killed run left", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": WORKFLOW } });
    const home = mkdtempSync(join(tmpdir(), "gantry-home-"));
    // What a run killed during its removal leaves: its folder in the trash.
    const left = join(home, "runs-trash", "1234-killed");
    mkdirSync(join(left, "1", "work"), { recursive: true });
    writeFileSync(join(left, "1", "work", "file"), "left behind\n");
    const r = await gantry(repo, ["run"], { env: { GANTRY_HOME: home } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readdirSync(join(home, "runs"))).toEqual([]);
    await until(
      async () => (existsSync(join(home, "runs-trash")) ? readdirSync(join(home, "runs-trash")) : []),
      (names) => names.length === 0,
    );
  });

  it("stay with GANTRY_KEEP_WORKSPACE=1", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": WORKFLOW } });
    const home = mkdtempSync(join(tmpdir(), "gantry-home-"));
    const r = await gantry(repo, ["run"], { env: { GANTRY_HOME: home, GANTRY_KEEP_WORKSPACE: "1" } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const runId = r.report?.runs[0].runId as string;
    const workspace = readdirSync(join(home, "runs", runId, "1", "work"));
    expect(readdirSync(join(home, "runs", runId, "1", "work", workspace[0], "many"))).toHaveLength(500);
  });
});
