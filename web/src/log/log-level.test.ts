import { describe, expect, it } from "vitest";
import { lineLevel } from "./log-level.js";

describe("lineLevel", () => {
  it("reads GitHub's markers as their labels", () => {
    expect(lineLevel("##[error]Process completed with exit code 1.")).toEqual({
      level: "error",
      text: "Error: Process completed with exit code 1.",
    });
    expect(lineLevel("##[warning]odd")).toEqual({ level: "warning", text: "Warning: odd" });
    expect(lineLevel("##[notice]fyi")).toEqual({ level: "notice", text: "Notice: fyi" });
    expect(lineLevel("##[debug]x=1")).toEqual({ level: "debug", text: "Debug: x=1" });
  });

  it("colours the lines annotations write, and nothing else", () => {
    expect(lineLevel("Error: x.sh:1: failed").level).toBe("error");
    expect(lineLevel("Warning: Title - a.ts:3: odd").level).toBe("warning");
    expect(lineLevel("Notice: fyi").level).toBe("notice");
    expect(lineLevel("no Error: here")).toEqual({ level: null, text: "no Error: here" });
    expect(lineLevel("##[group]x").level).toBe(null);
  });
});
