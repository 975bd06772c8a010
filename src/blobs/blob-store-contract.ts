import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobKeyError, type BlobStore } from "./blob-store.js";

async function text(stream: Readable | undefined): Promise<string | undefined> {
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * What every BlobStore does, run against each implementation (a directory, S3 on a real
 * S3-compatible server): `open` gives a fresh, empty store.
 */
export function blobStoreContract(name: string, open: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    let tmp: string;
    beforeAll(async () => {
      store = await open();
      tmp = mkdtempSync(join(tmpdir(), "gantry-blob-contract-"));
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it("stores bytes and a file, and reads them back whole or by range", async () => {
      expect(await store.put("a/b/small.json", { bytes: '{"x":1}' })).toBe(true);
      const file = join(tmp, "big.bin");
      const big = Buffer.alloc(3 * 1024 * 1024 + 7, "z");
      big.write("head", 0);
      big.write("tail", big.length - 4);
      writeFileSync(file, big);
      expect(await store.put("a/big.bin", { file })).toBe(true);
      expect(await text(await store.get("a/b/small.json"))).toBe('{"x":1}');
      const back: Buffer[] = [];
      for await (const c of (await store.get("a/big.bin")) as Readable)
        back.push(Buffer.from(c as Uint8Array));
      expect(Buffer.concat(back).equals(big)).toBe(true);
      expect(await text(await store.get("a/big.bin", { start: 0, end: 3 }))).toBe("head");
      expect(await text(await store.get("a/big.bin", { start: big.length - 4, end: big.length - 1 }))).toBe(
        "tail",
      );
      expect((await store.head("a/big.bin"))?.size).toBe(big.length);
    });

    it("answers undefined and false for what is not stored", async () => {
      expect(await store.get("nothing/here")).toBeUndefined();
      expect(await store.head("nothing/here")).toBeUndefined();
      expect(await store.remove("nothing/here")).toBe(false);
      expect(await store.list("nothing/")).toEqual([]);
      // A folder of keys is not itself a blob.
      await store.put("dir/inner", { bytes: "i" });
      expect(await store.get("dir")).toBeUndefined();
      expect(await store.head("dir")).toBeUndefined();
    });

    it("replaces a blob, and with ifAbsent keeps the first", async () => {
      expect(await store.put("r/k", { bytes: "one" })).toBe(true);
      expect(await store.put("r/k", { bytes: "two" })).toBe(true);
      expect(await text(await store.get("r/k"))).toBe("two");
      expect(await store.put("r/k", { bytes: "three" }, { ifAbsent: true })).toBe(false);
      expect(await text(await store.get("r/k"))).toBe("two");
      expect(await store.put("r/new", { bytes: "first" }, { ifAbsent: true })).toBe(true);
      expect(await text(await store.get("r/new"))).toBe("first");
    });

    it("lists under a prefix, sorted, and only under it", async () => {
      await store.put("l/x/2", { bytes: "22" });
      await store.put("l/x/1", { bytes: "1" });
      await store.put("l/x/deep/3", { bytes: "333" });
      await store.put("l/xy", { bytes: "not under l/x/" });
      const listed = await store.list("l/x/");
      expect(listed.map((b) => [b.key, b.size])).toEqual([
        ["l/x/1", 1],
        ["l/x/2", 2],
        ["l/x/deep/3", 3],
      ]);
      expect(listed.every((b) => b.modifiedAt > 0)).toBe(true);
    });

    it("removes a blob and everything under a prefix", async () => {
      await store.put("d/1", { bytes: "1" });
      await store.put("d/sub/2", { bytes: "2" });
      await store.put("dkeep/3", { bytes: "3" });
      expect(await store.remove("d/1")).toBe(true);
      expect(await store.get("d/1")).toBeUndefined();
      expect(await store.removePrefix("d/")).toBe(1);
      expect(await store.list("d/")).toEqual([]);
      expect(await text(await store.get("dkeep/3"))).toBe("3");
    });

    it("refuses keys that could leave their place", async () => {
      for (const bad of [
        "",
        "../x",
        "a/../../x",
        "a//b",
        "./a",
        "a/.hidden",
        "a\\b",
        "a/\u0000",
        "/abs",
        "a/",
      ]) {
        await expect(store.put(bad, { bytes: "x" }), bad).rejects.toBeInstanceOf(BlobKeyError);
        await expect(store.get(bad), bad).rejects.toBeInstanceOf(BlobKeyError);
      }
      await expect(store.list("../")).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.list("a")).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.removePrefix("../")).rejects.toBeInstanceOf(BlobKeyError);
      expect(readFileSync(join(tmp, "big.bin")).length).toBeGreaterThan(0);
    });

    it("keeps names with spaces and unicode as they are", async () => {
      await store.put("u/a file (1).log", { bytes: "s" });
      await store.put("u/ünï €", { bytes: "u" });
      expect((await store.list("u/")).map((b) => b.key)).toEqual(["u/a file (1).log", "u/ünï €"]);
      expect(await text(await store.get("u/ünï €"))).toBe("u");
    });
  });
}
