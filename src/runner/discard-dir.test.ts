import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discardDir } from "./discard-dir.js";

describe("discardDir", () => {
  it("moves a folder into the trash and says so; a folder that is not there, nothing", () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-discard-"));
    const dir = join(root, "work", "7-1");
    const trash = join(root, "trash");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "f"), "x");
    expect(discardDir(dir, trash)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(trash)).toHaveLength(1);
    // Nothing left to take: the run's start then starts no `rm`.
    expect(discardDir(dir, trash)).toBe(false);
    expect(readdirSync(trash)).toHaveLength(1);
  });
});
