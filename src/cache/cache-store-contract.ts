import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CacheQuery, CacheStore } from "../actions/index.js";
import type { ServerCacheStore } from "./server-cache-store.js";
import { createArchive } from "./tar.js";

function temp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function workspace(files: Record<string, string>) {
  const ws = temp("gantry-ws-");
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(ws, p)), { recursive: true });
    writeFileSync(join(ws, p), content);
  }
  return { workspace: ws, paths: Object.keys(files).map((p) => join(ws, p)) };
}

const MAIN = "refs/heads/main";
const OTHER = "refs/heads/other";
const q = (key: string, restoreKeys: string[] = [], scopes = [MAIN], version = "v1"): CacheQuery => ({
  scopes,
  key,
  restoreKeys,
  version,
});

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * What every CacheStore does as jobs use it (the port of the built-in actions/cache): in process
 * (a folder, a blob store) or over HTTP from a runner machine (HttpCacheStore). `make` gives a
 * fresh, empty store whose clock is `now`, as a function giving the store one job of `scopes`
 * uses (it writes to the first, reads them all). `racingSaves`: see cacheStoreContract.
 */
export function cachePortContract(
  label: string,
  make: (now: () => number) => Promise<(scopes: string[]) => CacheStore | Promise<CacheStore>>,
  opts: { racingSaves?: boolean } = {},
): void {
  describe(`cache port contract: ${label}`, () => {
    it("saves files and restores them into another workspace, exact key or prefix", async () => {
      let t = 1_000;
      const jobs = await make(() => ++t);
      const s = await jobs([MAIN]);
      const ws = workspace({ "node_modules/a.js": "A", "deep/x/y.txt": "Y" });
      expect((await s.save({ scope: MAIN, key: "deps-1", version: "v1" }, ws)).saved).toBe(true);
      expect(
        (await s.save({ scope: MAIN, key: "deps-2", version: "v1" }, workspace({ "n.txt": "2" }))).saved,
      ).toBe(true);
      const into = temp("gantry-restore-");
      expect((await s.restore(q("deps-1"), into))?.key).toBe("deps-1");
      expect(readFileSync(join(into, "node_modules/a.js"), "utf8")).toBe("A");
      expect(readFileSync(join(into, "deep/x/y.txt"), "utf8")).toBe("Y");
      expect((await s.lookup(q("deps-")))?.key).toBe("deps-2");
      expect(await s.lookup(q("none", ["deps-1"]))).toMatchObject({
        scope: MAIN,
        key: "deps-1",
        version: "v1",
      });
      expect(await s.lookup(q("deps-1", [], [MAIN], "v2"))).toBeUndefined();
      const other = await jobs([OTHER]);
      expect(await other.lookup(q("deps-1", [], [OTHER]))).toBeUndefined();
      expect(await s.restore(q("nothing"), temp("gantry-restore-"))).toBeUndefined();
    });

    it("keeps an entry immutable: a second save of the key is refused, of racing saves one wins", async () => {
      const s = await (await make(Date.now))([MAIN]);
      const id = { scope: MAIN, key: "k", version: "v1" };
      const results = await Promise.all(["1", "2", "3"].map((c) => s.save(id, workspace({ "f.txt": c }))));
      if (opts.racingSaves !== false) expect(results.filter((r) => r.saved)).toHaveLength(1);
      expect(await s.save(id, workspace({ "f.txt": "4" }))).toEqual({ saved: false, reason: "exists" });
      const into = temp("gantry-restore-");
      expect((await s.restore(q("k"), into))?.key).toBe("k");
      expect(["1", "2", "3"]).toContain(readFileSync(join(into, "f.txt"), "utf8"));
    });
  });
}

/**
 * What every ServerCacheStore does (a folder; a blob store on a directory or on S3): the port's
 * contract, and the uploads, listing and eviction of the server. `make` gives
 * a fresh, empty store (gzip) whose clock is `now`. `racingSaves: false` for a store whose server
 * ignores conditional writes (s3rver ignores S3's If-None-Match; AWS S3, MinIO and R2 honour it):
 * there, of saves racing on one key, each may think it won and the last one's entry stays.
 */
export function cacheStoreContract(
  label: string,
  make: (now: () => number) => Promise<ServerCacheStore>,
  opts: { racingSaves?: boolean } = {},
): void {
  cachePortContract(
    label,
    async (now) => {
      const store = await make(now);
      return () => store;
    },
    opts,
  );
  describe(`cache store contract: ${label}`, () => {
    it("keeps one entry of a key when a second save is refused", async () => {
      const s = await make(Date.now);
      const id = { scope: MAIN, key: "k", version: "v1" };
      expect((await s.save(id, workspace({ "f.txt": "1" }))).saved).toBe(true);
      expect(await s.save(id, workspace({ "f.txt": "2" }))).toEqual({ saved: false, reason: "exists" });
      expect(await s.list()).toHaveLength(1);
    });

    it("takes an uploaded archive and serves it whole and by range", async () => {
      const s = await make(Date.now);
      const ws = workspace({ "big.txt": "0123456789".repeat(10_000) });
      const listFile = join(temp("gantry-list-"), "list");
      writeFileSync(listFile, "big.txt\0");
      const archive = join(temp("gantry-archive-"), "a.tgz");
      await createArchive(archive, ws.workspace, listFile, "gzip");
      const expected = readFileSync(archive);
      const id = { scope: MAIN, key: "up", version: "v1" };
      expect((await s.saveArchive(id, archive, "gzip")).saved).toBe(true);
      const whole = await s.openArchive(id);
      expect(whole?.size).toBe(expected.length);
      expect((await bytes(await (whole as NonNullable<typeof whole>).stream())).equals(expected)).toBe(true);
      const part = await s.openArchive(id);
      expect(await bytes(await (part as NonNullable<typeof part>).stream({ start: 2, end: 9 }))).toEqual(
        expected.subarray(2, 10),
      );
      expect(await s.openArchive({ ...id, key: "other" })).toBeUndefined();
      const into = temp("gantry-restore-");
      await s.restore(q("up"), into);
      expect(readFileSync(join(into, "big.txt"), "utf8")).toHaveLength(100_000);
    });

    it("lists entries with their last use, removes one, and evicts the least recently used", async () => {
      let t = Date.parse("2026-01-01T00:00:00Z");
      const s = await make(() => t);
      for (const key of ["old", "used", "new"]) {
        t += 1000;
        await s.save({ scope: MAIN, key, version: "v1" }, workspace({ "f.txt": key.repeat(100) }));
      }
      t += 1000;
      await s.restore(q("used"), temp("gantry-restore-"));
      const listed = await s.list();
      expect(listed.map((e) => e.key).sort()).toEqual(["new", "old", "used"]);
      expect(listed.find((e) => e.key === "used")?.lastUsedAt).toBe(t);
      const size = listed.reduce((n, e) => n + e.size, 0);
      const oldSize = listed.find((e) => e.key === "old")?.size ?? 0;
      const dry = await s.prune({ maxSize: size - oldSize, maxUnusedDays: 30 }, { dryRun: true });
      expect(dry.removed.map((e) => e.key)).toEqual(["old"]);
      expect(await s.list()).toHaveLength(3);
      expect(
        (await s.prune({ maxSize: size - oldSize, maxUnusedDays: 30 })).removed.map((e) => e.key),
      ).toEqual(["old"]);
      expect(await s.lookup(q("old"))).toBeUndefined();
      expect(await s.remove({ scope: MAIN, key: "new", version: "v1" })).toBe(true);
      expect(await s.remove({ scope: MAIN, key: "new", version: "v1" })).toBe(false);
      expect((await s.list()).map((e) => e.key)).toEqual(["used"]);
    });
  });
}
