import { describe, expect, it } from "vitest";
import { nearestKey } from "./key-suggestions.js";
import { loadWorkflow } from "./load.js";

describe("nearestKey", () => {
  it("suggests the known key a slip away, among those that fit beside the siblings", () => {
    expect(nearestKey("branchs", [])).toBe("branches");
    expect(nearestKey("timeout-minuts", ["runs-on", "steps"])).toBe("timeout-minutes");
    expect(nearestKey("wiht", ["uses"])).toBe("with");
    expect(nearestKey("runs_on", ["steps"])).toBe("runs-on");
  });

  it("suggests nothing far off", () => {
    expect(nearestKey("timeout", ["runs-on", "steps"])).toBeUndefined();
    expect(nearestKey("foo", ["runs-on"])).toBeUndefined();
  });

  it("loadWorkflow adds the suggestion to the parser's message", async () => {
    const r = await loadWorkflow(
      "a.yml",
      "on:\n  push:\n    branchs: [main]\njobs:\n  a:\n    runs-on: x\n    steps: [{run: x}]\n",
    );
    expect(r.problems.map((p) => p.message)).toEqual([
      "Unexpected value 'branchs' (did you mean 'branches'?)",
    ]);
  });
});
