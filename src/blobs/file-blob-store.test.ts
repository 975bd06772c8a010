import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { blobStoreContract } from "./blob-store-contract.js";
import { FileBlobStore } from "./file-blob-store.js";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
function freshRoot(): string {
  const parent = mkdtempSync(join(tmpdir(), "gantry-file-blobs-"));
  roots.push(parent);
  return join(parent, "store");
}

blobStoreContract("file:///", async () => new FileBlobStore(freshRoot()));

describe("FileBlobStore", () => {
  it("keeps every blob under its directory and leaves no temporary file behind", async () => {
    const root = freshRoot();
    const store = new FileBlobStore(root);
    await store.put("a/b", { bytes: "x" });
    await store.put("a/b", { bytes: "y" }, { ifAbsent: true });
    expect(readdirSync(join(root, ".tmp"))).toEqual([]);
    expect(existsSync(join(root, "a", "b"))).toBe(true);
    expect(existsSync(join(root, "..", "b"))).toBe(false);
  });

  it("of many ifAbsent writes of one key at once, exactly one wins", async () => {
    const store = new FileBlobStore(freshRoot());
    const won = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.put("race/k", { bytes: String(i) }, { ifAbsent: true })),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
  });
});
