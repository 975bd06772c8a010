// `gantry run --matrix K=V` runs only the matrix legs whose K is V, with act's semantics: values
// of one key are alternatives, keys must all match, a leg without the key passes.
import { describe, expect, it } from "vitest";
import { gantry, repoWith, summary } from "./harness.js";

const WORKFLOW = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo build
  test:
    needs: build
    strategy:
      matrix:
        node: [18, 20, 22]
        os: [ubuntu-latest, ubuntu-22.04]
        include:
          - node: 22
            os: ubuntu-latest
            experimental: true
    runs-on: \${{ matrix.os }}
    steps:
      - run: echo "node \${{ matrix.node }} leg \${{ strategy.job-index }} of \${{ strategy.job-total }}"
  other:
    strategy:
      matrix:
        flavour: [a, b]
    runs-on: ubuntu-latest
    steps:
      - run: echo \${{ matrix.flavour }}
`;

describe("gantry run --matrix", () => {
  const repo = repoWith(WORKFLOW);

  it("--job test --matrix node=20 runs those legs of test and what test needs", async () => {
    const r = await gantry(repo, ["run", "--job", "test", "--matrix", "node=20"]);
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({
      CI: { build: "success", "test (20, ubuntu-latest)": "success", "test (20, ubuntu-22.04)": "success" },
    });
    // The leg keeps its place in the whole matrix.
    expect(r.stdout).toContain("node 20 leg 2 of 6");
  });

  it("keys given must all match; several values of one key are alternatives; legs without the key pass", async () => {
    const r = await gantry(repo, [
      "run",
      "--matrix",
      "node=18",
      "--matrix",
      "node=22",
      "--matrix",
      "os=ubuntu-latest",
    ]);
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({
      CI: {
        build: "success",
        "test (18, ubuntu-latest)": "success",
        "test (22, ubuntu-latest)": "success",
        "other (a)": "success",
        "other (b)": "success",
      },
    });
  });

  it("act's K:V form works too; a filter no leg matches skips the job with a notice", async () => {
    const r = await gantry(repo, ["run", "--job", "test", "--matrix", "node:99"]);
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({ CI: { build: "success", test: "skipped" } });
    expect(r.stdout).toContain("test: skipped: no leg of its matrix matches --matrix");
  });

  it("a --matrix without a value is bad usage", async () => {
    const r = await gantry(repo, ["run", "--matrix", "node"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--matrix expects KEY=VALUE, got 'node'");
  });
});
