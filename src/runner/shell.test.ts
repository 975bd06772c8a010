import { describe, expect, it } from "vitest";
import { resolveShell } from "./shell.js";

describe("resolveShell", () => {
  it("uses bash -e without pipefail when no shell is given, sh when bash is missing", () => {
    expect(resolveShell(undefined)).toEqual({ command: "bash", args: ["-e", "{0}"], extension: ".sh" });
    expect(resolveShell(undefined, "/nonexistent")).toEqual({
      command: "sh",
      args: ["-e", "{0}"],
      extension: ".sh",
    });
  });

  it("adds pipefail and drops profiles for an explicit bash", () => {
    expect(resolveShell("bash").args).toEqual(["--noprofile", "--norc", "-eo", "pipefail", "{0}"]);
  });

  it("knows sh, python and pwsh", () => {
    expect(resolveShell("sh").args).toEqual(["-e", "{0}"]);
    expect(resolveShell("python").extension).toBe(".py");
    expect(resolveShell("pwsh")).toMatchObject({ command: "pwsh", extension: ".ps1" });
  });

  it("splits a custom shell and requires {0}", () => {
    expect(resolveShell("perl -w {0}")).toEqual({ command: "perl", args: ["-w", "{0}"], extension: "" });
    expect(() => resolveShell("perl -w")).toThrow("must contain '{0}'");
    expect(() => resolveShell("cmd")).toThrow("only on Windows");
  });
});
