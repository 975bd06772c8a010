import { describe, expect, it } from "vitest";
import { CommandProcessor, formatAnnotation, getProperty, parseCommand } from "./commands.js";

describe("parseCommand", () => {
  it("parses a command without properties", () => {
    expect(parseCommand("::add-mask::hunter2")).toEqual({
      command: "add-mask",
      properties: {},
      value: "hunter2",
    });
    expect(parseCommand("::endgroup::")).toEqual({ command: "endgroup", properties: {}, value: "" });
  });

  it("parses properties", () => {
    expect(parseCommand("::error file=app.js,line=10,col=15,title=Oops::Something failed")).toEqual({
      command: "error",
      properties: { file: "app.js", line: "10", col: "15", title: "Oops" },
      value: "Something failed",
    });
  });

  it("keeps = in property values and :: in the message", () => {
    expect(parseCommand("::notice title=a=b::x::y")).toEqual({
      command: "notice",
      properties: { title: "a=b" },
      value: "x::y",
    });
  });

  it("drops malformed or empty properties like the runner", () => {
    expect(parseCommand("::warning  file=a.ts,,novalue,=x,empty=,line=2 ::msg")?.properties).toEqual({
      file: "a.ts",
      line: "2",
    });
  });

  it("lower-cases the command name", () => {
    expect(parseCommand("::Set-Output name=x::1")?.command).toBe("set-output");
  });

  it("ignores leading whitespace only", () => {
    expect(parseCommand("   \t::debug::hi")?.value).toBe("hi");
    expect(parseCommand("x ::debug::hi")).toBeUndefined();
  });

  it("returns undefined for plain output", () => {
    expect(parseCommand("")).toBeUndefined();
    expect(parseCommand("hello")).toBeUndefined();
    expect(parseCommand("::debug no second separator")).toBeUndefined();
    expect(parseCommand("::::empty name")).toBeUndefined();
    expect(parseCommand(":: debug::leading space in name")).toBeUndefined();
    expect(parseCommand("##[error]v1 syntax")).toBeUndefined();
  });

  it("unescapes the message", () => {
    expect(parseCommand("::error::a%0Ab%0D%0Ac %25 100%3A%2C %250A")?.value).toBe(
      "a\nb\r\nc % 100%3A%2C %0A",
    );
  });

  it("unescapes properties including : and ,", () => {
    expect(parseCommand("::error title=a%3Ab%2Cc%0Ad%25 %252C::m")?.properties.title).toBe("a:b,c\nd% %2C");
  });

  it("reads properties case-insensitively with getProperty", () => {
    const cmd = parseCommand("::error File=a.ts,LINE=3::m");
    if (!cmd) throw new Error("expected a command");
    expect(getProperty(cmd, "file")).toBe("a.ts");
    expect(getProperty(cmd, "line")).toBe("3");
    expect(getProperty(cmd, "col")).toBeUndefined();
  });
});

describe("CommandProcessor", () => {
  it("returns commands and ignores plain output", () => {
    const p = new CommandProcessor();
    expect(p.process("building...")).toBeUndefined();
    expect(p.process("::warning::careful")?.command).toBe("warning");
  });

  it("stops and resumes processing with a token", () => {
    const p = new CommandProcessor();
    expect(p.process("::stop-commands::pause-123")).toBeUndefined();
    expect(p.stopped).toBe(true);
    expect(p.process("::warning::not a warning")).toBeUndefined();
    expect(p.process("::stop-commands::other")).toBeUndefined();
    expect(p.process("::other::")).toBeUndefined();
    expect(p.stopped).toBe(true);
    expect(p.process("::pause-123::")).toBeUndefined();
    expect(p.stopped).toBe(false);
    expect(p.process("::warning::a warning again")).toEqual({
      command: "warning",
      properties: {},
      value: "a warning again",
    });
  });

  it("resumes on the token case-insensitively, with leading whitespace and trailing text", () => {
    const p = new CommandProcessor();
    p.process("::stop-commands::MyToken");
    expect(p.process("  ::mytoken::whatever")).toBeUndefined();
    expect(p.stopped).toBe(false);
    expect(p.process("::debug::x")?.command).toBe("debug");
  });

  it("never resumes after an empty token, like the runner", () => {
    const p = new CommandProcessor();
    p.process("::stop-commands::");
    expect(p.process("::::")).toBeUndefined();
    expect(p.process("::error::x")).toBeUndefined();
    expect(p.stopped).toBe(true);
  });

  it("keeps state per instance", () => {
    const a = new CommandProcessor();
    const b = new CommandProcessor();
    a.process("::stop-commands::t");
    expect(b.process("::error::x")?.command).toBe("error");
  });
});

describe("formatAnnotation", () => {
  const fmt = (line: string) => {
    const cmd = parseCommand(line);
    if (!cmd) throw new Error(`not a command: ${line}`);
    return formatAnnotation(cmd);
  };

  it("formats the message alone", () => {
    expect(fmt("::error::boom")).toBe("Error: boom");
    expect(fmt("::warning::careful")).toBe("Warning: careful");
    expect(fmt("::notice::fyi")).toBe("Notice: fyi");
  });

  it("includes file, line and column", () => {
    expect(fmt("::error file=src/a.ts,line=3,col=5::boom")).toBe("Error: src/a.ts:3:5: boom");
    expect(fmt("::error file=src/a.ts,line=3::boom")).toBe("Error: src/a.ts:3: boom");
    expect(fmt("::error file=src/a.ts,col=5::boom")).toBe("Error: src/a.ts: boom");
    expect(fmt("::error line=3,col=5::boom")).toBe("Error: boom");
  });

  it("includes the title", () => {
    expect(fmt("::warning file=src/a.ts,line=3,title=Lint::unused")).toBe(
      "Warning: Lint - src/a.ts:3: unused",
    );
    expect(fmt("::notice title=Heads up::x")).toBe("Notice: Heads up - x");
  });

  it("returns undefined for other commands", () => {
    expect(fmt("::debug::x")).toBeUndefined();
    expect(fmt("::add-mask::x")).toBeUndefined();
  });
});
