import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileDigests } from "./file-digests.js";

describe("fileDigests", () => {
  const dir = mkdtempSync(join(tmpdir(), "digests-"));
  const files = Array.from({ length: 300 }, (_, i) => {
    const file = join(dir, `f${i}`);
    // Sizes around the 1 MiB read buffer, and small ones.
    writeFileSync(file, Buffer.alloc(i % 50 === 0 ? (1 << 20) + i - 100 : i, i % 251));
    return file;
  });
  const sums = execFileSync("sha256sum", files, { encoding: "utf8", maxBuffer: 1 << 24 })
    .trim()
    .split("\n")
    .map((l) => l.slice(0, 64));

  it("gives each file's sha256, in order, with or without worker threads", () => {
    expect(fileDigests(files, Number.POSITIVE_INFINITY).map((d) => d.toString("hex"))).toEqual(sums);
    expect(fileDigests(files, 1).map((d) => d.toString("hex"))).toEqual(sums);
  });

  it("throws the error met on a file it cannot read", () => {
    expect(() => fileDigests([...files, join(dir, "missing")], 1)).toThrow(/ENOENT.*missing/);
    expect(() => fileDigests([join(dir, "missing"), ...files], 1)).toThrow(/ENOENT.*missing/);
  });
});
