import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findOnPath } from "../../runner/index.js";
import { describeListing, listToolCache, toolArch } from "./tool-cache.js";

function install(root: string, tool: string, version: string, arch: string, complete = true) {
  mkdirSync(join(root, tool, version, arch), { recursive: true });
  if (complete) writeFileSync(join(root, tool, version, `${arch}.complete`), "");
}

describe("tool cache", () => {
  it("lists complete installs for one architecture and explains the rest", () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-tc-"));
    install(root, "node", "20.11.1", "x64");
    install(root, "node", "18.19.0", "x64");
    install(root, "node", "21.0.0", "x64", false);
    install(root, "node", "22.1.0", "arm64");
    install(root, "node", "not-a-version", "x64");
    const listing = listToolCache(root, "node", "x64");
    expect(listing.found.map((c) => c.version).sort()).toEqual(["18.19.0", "20.11.1"]);
    expect(listing.found.find((c) => c.version === "20.11.1")?.dir).toBe(
      join(root, "node", "20.11.1", "x64"),
    );
    expect(listing.incomplete).toEqual(["21.0.0"]);
    expect(listing.otherArchs).toEqual(["22.1.0/arm64"]);
    expect(describeListing(listing, "x64")).toBe(
      "has 20.11.1, 18.19.0; incomplete (no x64.complete marker): 21.0.0/x64; other architectures only: 22.1.0/arm64",
    );
    expect(describeListing(listToolCache(root, "go", "x64"), "x64")).toBe("does not exist");
  });

  it("normalises architecture names and finds executables on a PATH", () => {
    expect(toolArch("amd64")).toBe("x64");
    expect(toolArch("AARCH64")).toBe("arm64");
    expect(toolArch("x86")).toBe("x86");
    const dir = mkdtempSync(join(tmpdir(), "gantry-path-"));
    writeFileSync(join(dir, "tool"), "#!/bin/sh\n");
    writeFileSync(join(dir, "data"), "");
    chmodSync(join(dir, "tool"), 0o755);
    expect(findOnPath("tool", `/nonexistent:${dir}`)).toBe(join(dir, "tool"));
    expect(findOnPath("data", dir)).toBeUndefined();
  });
});
