import { describe, expect, it } from "vitest";
import { parseDotenv, parsePairs } from "./dotenv.js";

describe("parseDotenv", () => {
  it("reads plain, quoted, exported and multi-line values", () => {
    const text = [
      "# comment",
      "A=1",
      "export B = two words # trailing",
      "C='lit\\n'",
      'D="line1\\nline2"',
      'E="first',
      'second"',
      "",
    ].join("\n");
    expect(parseDotenv(text, "f")).toEqual({
      A: "1",
      B: "two words",
      C: "lit\\n",
      D: "line1\nline2",
      E: "first\nsecond",
    });
  });

  it("names file and line on bad input", () => {
    expect(() => parseDotenv("A=1\nnot a pair\n", "s.env")).toThrow("s.env:2:1: expected KEY=VALUE");
    expect(() => parseDotenv('A="open\n', "s.env")).toThrow("s.env:1:1: unterminated");
  });
});

describe("parsePairs", () => {
  it("splits at the first =", () => {
    expect(parsePairs(["a=b=c", "d="], "--var")).toEqual({ a: "b=c", d: "" });
    expect(() => parsePairs(["=x"], "--var")).toThrow("--var expects KEY=VALUE");
  });
});
