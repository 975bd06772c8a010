import { describe, expect, it } from "vitest";
import { parseEnvFile, parsePathFile } from "./env-files.js";

describe("parseEnvFile", () => {
  it("parses NAME=value lines, keeping order and duplicates", () => {
    expect(parseEnvFile("A=1\nB=x=y\nEMPTY=\nA=2\n")).toEqual({
      values: [
        ["A", "1"],
        ["B", "x=y"],
        ["EMPTY", ""],
        ["A", "2"],
      ],
      errors: [],
    });
  });

  it("skips empty lines and accepts a missing final newline", () => {
    expect(parseEnvFile("\n\nA=1\n\nB=2").values).toEqual([
      ["A", "1"],
      ["B", "2"],
    ]);
    expect(parseEnvFile("")).toEqual({ values: [], errors: [] });
  });

  it("parses heredoc values", () => {
    const text = 'JSON<<EOF\n{\n  "a": 1\n}\nEOF\nNEXT=ok\n';
    expect(parseEnvFile(text).values).toEqual([
      ["JSON", '{\n  "a": 1\n}'],
      ["NEXT", "ok"],
    ]);
  });

  it("keeps empty lines and separators inside heredoc values", () => {
    expect(parseEnvFile("V<<END\n\nx=1\nY<<Z\n\nEND\n").values).toEqual([["V", "\nx=1\nY<<Z\n"]]);
    expect(parseEnvFile("V<<END\nEND").values).toEqual([["V", ""]]);
  });

  it("uses whichever of = and << comes first", () => {
    expect(parseEnvFile("A=b<<c\nD<<E=F\nline\nE=F\n").values).toEqual([
      ["A", "b<<c"],
      ["D", "line"],
    ]);
  });

  it("accepts CRLF line endings", () => {
    const text = "A=1\r\nM<<EOF\r\none\r\ntwo\r\nEOF\r\nB=2\r\n";
    expect(parseEnvFile(text)).toEqual({
      values: [
        ["A", "1"],
        ["M", "one\ntwo"],
        ["B", "2"],
      ],
      errors: [],
    });
  });

  it("reports a line without = or <<", () => {
    expect(parseEnvFile("A=1\njunk\nB=2\n")).toEqual({
      values: [["A", "1"]],
      errors: [{ line: 2, message: "Invalid format 'junk'" }],
    });
  });

  it("reports an empty name", () => {
    expect(parseEnvFile("=value").errors).toEqual([
      { line: 1, message: "Invalid format '=value'. Name must not be empty" },
    ]);
    expect(parseEnvFile("<<EOF\nx\nEOF").errors[0].line).toBe(1);
  });

  it("reports an empty delimiter", () => {
    expect(parseEnvFile("A=1\nNAME<<\n").errors).toEqual([
      { line: 2, message: "Invalid format 'NAME<<'. Name must not be empty and delimiter must not be empty" },
    ]);
  });

  it("reports a missing closing delimiter", () => {
    expect(parseEnvFile("A=1\nM<<EOF\nline\nEOF2\n")).toEqual({
      values: [["A", "1"]],
      errors: [{ line: 2, message: "Invalid value. Matching delimiter not found 'EOF'" }],
    });
  });

  it("matches the delimiter exactly", () => {
    expect(parseEnvFile("M<<EOF\n EOF\nEOF \nEOF").values).toEqual([["M", " EOF\nEOF "]]);
  });
});

describe("parsePathFile", () => {
  it("returns trimmed non-empty lines in order", () => {
    expect(parsePathFile("/opt/bin\r\n\n  /home/me/.local/bin  \n\r\n/usr/x")).toEqual([
      "/opt/bin",
      "/home/me/.local/bin",
      "/usr/x",
    ]);
    expect(parsePathFile("")).toEqual([]);
  });
});
