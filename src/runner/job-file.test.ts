import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJobFile } from "./job-file.js";

describe("readJobFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "job-file-"));

  it("reads a regular file", () => {
    writeFileSync(join(dir, "out"), "a=1\n");
    expect(readJobFile(join(dir, "out"))).toBe("a=1\n");
  });

  it("never reads through a symbolic link a step left in its place", () => {
    writeFileSync(join(dir, "server-secret"), "token: s3cret\n");
    symlinkSync(join(dir, "server-secret"), join(dir, "summary"));
    expect(readJobFile(join(dir, "summary"))).toBe("");
  });

  it("holds nothing when missing or not a file, and refuses one over the limit", () => {
    expect(readJobFile(join(dir, "missing"))).toBe("");
    expect(readJobFile(dir)).toBe("");
    writeFileSync(join(dir, "big"), "x".repeat(100));
    expect(() => readJobFile(join(dir, "big"), 10)).toThrow(/100 bytes, over the limit of 10 bytes/);
  });
});
