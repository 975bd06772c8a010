import { describe, expect, it } from "vitest";
import { buildGraph, matrixName } from "./model.js";

const rows = (...names: string[]) =>
  names.map((name, i) => ({
    id: i + 1,
    name,
    job_key: `test/${i}`,
    status: "completed",
    conclusion: "success",
    started_at: null,
    completed_at: null,
  }));

describe("matrixName", () => {
  it("is what the legs' names share, before their values", () => {
    expect(matrixName(rows("Test linux", "Test mac"))).toBe("Test");
    expect(matrixName(rows("build (18, linux)", "build (18, mac)"))).toBe("build");
    expect(matrixName(rows("build (18)", "build (20)"))).toBe("build");
    expect(matrixName(rows("Unit tests (18)"))).toBe("Unit tests");
    expect(matrixName(rows("a", "b"))).toBeUndefined();
  });

  it("labels a matrix whose name is an expression with its job's name, not its id", () => {
    const def = { id: "test", name: null, needs: [], uses: null, matrix: true, jobs: null };
    const [node] = buildGraph([def], rows("Unit tests (linux)", "Unit tests (mac)"), true);
    expect(node.label).toBe("Unit tests");
  });
});
