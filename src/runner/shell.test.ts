import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveShell, WHICH_MEMO_LIMIT, which, whichMemoSize } from "./shell.js";

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

describe("which", () => {
  it("finds an executable in a folder first seen now, before the host's", () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-which-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const host = process.env.PATH ?? "";
    expect(which("bash", `${bin}${delimiter}${host}`)).not.toBe(join(bin, "bash"));
    const other = join(dir, "other");
    mkdirSync(other);
    writeFileSync(join(other, "bash"), "#!/bin/sh\n", { mode: 0o755 });
    expect(which("bash", `${other}${delimiter}${host}`)).toBe(join(other, "bash"));
    expect(which("not-a-command-anywhere", `${other}${delimiter}${host}`)).toBeUndefined();
  });

  it("remembers a bounded number of answers however many jobs' folders it is asked about", () => {
    // Each job puts a folder of its own first on PATH: a long-lived server asks about new paths forever.
    const host = process.env.PATH ?? "";
    for (let i = 0; i < WHICH_MEMO_LIMIT + 100; i++)
      which("bash", `/nonexistent/job-${i}/bin${delimiter}${host}`);
    expect(whichMemoSize()).toBeLessThanOrEqual(WHICH_MEMO_LIMIT);
  });
});
