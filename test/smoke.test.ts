import { describe, expect, it } from "vitest";
import { gantry, makeRepo, summary } from "./harness.js";

describe("gantry run (smoke)", () => {
  it("runs a two-job workflow and reports it", async () => {
    const repo = makeRepo({
      files: {
        ".github/workflows/ci.yml": `name: CI
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      x: \${{ steps.s.outputs.x }}
    steps:
      - id: s
        run: echo "x=1" >> "$GITHUB_OUTPUT"
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: test "\${{ needs.a.outputs.x }}" = 1
`,
      },
    });
    const r = await gantry(repo, ["run"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(summary(r.report)).toEqual({ CI: { a: "success", b: "success" } });
    expect(r.report?.runs[0].jobs[0].outputs).toEqual({ x: "1" });
  });
});
