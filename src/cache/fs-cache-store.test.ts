import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CacheQuery } from "../actions/index.js";
import { FsCacheStore } from "./fs-cache-store.js";

function temp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A store whose clock ticks once per save, so "newest" is decided without timing. */
function store(compression: "gzip" | "zstd-without-long" = "gzip") {
  let t = 1_000;
  return new FsCacheStore({ root: temp("gantry-cache-"), compression, now: () => ++t });
}

/** A workspace holding `files`, and the file list to save. */
function workspace(files: Record<string, string>) {
  const ws = temp("gantry-ws-");
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(ws, p)), { recursive: true });
    writeFileSync(join(ws, p), content);
  }
  return { workspace: ws, paths: Object.keys(files).map((p) => join(ws, p)) };
}

const MAIN = "refs/heads/main";
const q = (key: string, restoreKeys: string[] = [], scopes = [MAIN], version = "v1"): CacheQuery => ({
  scopes,
  key,
  restoreKeys,
  version,
});

async function saveKey(s: FsCacheStore, key: string, content = key, scope = MAIN, version = "v1") {
  const r = await s.save({ scope, key, version }, workspace({ "f.txt": content }));
  expect(r.saved).toBe(true);
}

describe("FsCacheStore lookup", () => {
  it("finds the exact key before a newer entry the key is a prefix of", async () => {
    const s = store();
    await saveKey(s, "npm-abc");
    await saveKey(s, "npm-abc-later");
    expect((await s.lookup(q("npm-abc")))?.key).toBe("npm-abc");
  });

  it("falls back to the newest entry the key prefixes, then to each restore key in order", async () => {
    const s = store();
    await saveKey(s, "npm-linux-1");
    await saveKey(s, "npm-linux-2");
    await saveKey(s, "npm-mac-1");
    await saveKey(s, "npm-windows-1");
    expect((await s.lookup(q("npm-linux-")))?.key).toBe("npm-linux-2");
    expect((await s.lookup(q("npm-linux-3", ["npm-mac-", "npm-"])))?.key).toBe("npm-mac-1");
    expect((await s.lookup(q("npm-linux-3", ["npm-"])))?.key).toBe("npm-windows-1");
    expect(await s.lookup(q("yarn-", ["pnpm-"]))).toBeUndefined();
  });

  it("matches only entries of the same version", async () => {
    const s = store();
    await saveKey(s, "k", "x", MAIN, "v1");
    expect(await s.lookup(q("k", [], [MAIN], "v2"))).toBeUndefined();
  });

  it("reads scopes in order: the run's ref before the base and default branches, and no others", async () => {
    const s = store();
    await saveKey(s, "deps-main", "m", MAIN);
    await saveKey(s, "deps-base", "b", "refs/heads/develop");
    await saveKey(s, "deps-other", "o", "refs/heads/other-feature");
    const scopes = ["refs/pull/3/merge", "refs/heads/develop", MAIN];
    expect((await s.lookup(q("deps-", [], scopes)))?.key).toBe("deps-base");
    expect((await s.lookup(q("deps-main", [], scopes)))?.scope).toBe(MAIN);
    expect((await s.lookup(q("deps-main", [], ["refs/heads/feature", MAIN])))?.key).toBe("deps-main");
    expect(await s.lookup(q("deps-other", ["deps-"], ["refs/heads/feature", MAIN]))).toEqual(
      expect.objectContaining({ key: "deps-main" }),
    );
    expect(await s.lookup(q("deps-other", ["deps-"], ["refs/heads/feature"]))).toBeUndefined();
    await saveKey(s, "deps-main", "pr", "refs/pull/3/merge");
    expect((await s.lookup(q("deps-main", [], scopes)))?.scope).toBe("refs/pull/3/merge");
  });
});

describe("FsCacheStore save and restore", () => {
  for (const compression of ["gzip", "zstd-without-long"] as const) {
    it(`restores workspace files and files outside the workspace (${compression})`, async () => {
      const s = store(compression);
      const src = workspace({ "node_modules/a/index.js": "a", "dist/empty/.keep": "" });
      const outside = temp("gantry-home-");
      writeFileSync(join(outside, "npmrc"), "outside");
      const saved = await s.save(
        { scope: MAIN, key: "k", version: "v1" },
        { workspace: src.workspace, paths: [...src.paths, join(outside, "npmrc")] },
      );
      expect(saved.saved).toBe(true);
      const rmOutside = join(outside, "npmrc");
      writeFileSync(rmOutside, "changed");
      const target = temp("gantry-ws2-");
      const hit = await s.restore(q("k"), target);
      expect(hit?.key).toBe("k");
      expect(readFileSync(join(target, "node_modules/a/index.js"), "utf8")).toBe("a");
      expect(existsSync(join(target, "dist/empty/.keep"))).toBe(true);
      expect(readFileSync(rmOutside, "utf8")).toBe("outside");
    });
  }

  it("saves what a recursive save's folders hold, and only the entries named otherwise", async () => {
    const s = store();
    const src = workspace({ "dir/a.txt": "a", "dir/sub/b.txt": "b", "dir/sub/.hidden": "h", "top.txt": "t" });
    const paths = [join(src.workspace, "dir"), join(src.workspace, "top.txt")];
    const whole = await s.save(
      { scope: MAIN, key: "whole", version: "v1" },
      { ...src, paths, recursive: true },
    );
    const named = await s.save({ scope: MAIN, key: "named", version: "v1" }, { ...src, paths });
    expect(whole.saved && named.saved).toBe(true);
    const a = temp("gantry-ws-");
    await s.restore(q("whole"), a);
    expect(readFileSync(join(a, "dir/sub/b.txt"), "utf8")).toBe("b");
    expect(readFileSync(join(a, "dir/sub/.hidden"), "utf8")).toBe("h");
    expect(readFileSync(join(a, "dir/a.txt"), "utf8")).toBe("a");
    expect(readFileSync(join(a, "top.txt"), "utf8")).toBe("t");
    const b = temp("gantry-ws-");
    await s.restore(q("named"), b);
    expect(readdirSync(join(b, "dir"))).toEqual([]);
    expect(readFileSync(join(b, "top.txt"), "utf8")).toBe("t");
  });

  it("keeps entries immutable: a second save of one key is refused", async () => {
    const s = store();
    await saveKey(s, "k", "first");
    const second = await s.save({ scope: MAIN, key: "k", version: "v1" }, workspace({ "f.txt": "second" }));
    expect(second).toEqual({ saved: false, reason: "exists" });
    const target = temp("gantry-ws-");
    await s.restore(q("k"), target);
    expect(readFileSync(join(target, "f.txt"), "utf8")).toBe("first");
  });

  it("ends two concurrent saves of one key with exactly one entry", async () => {
    const s = store();
    const results = await Promise.all(
      ["a", "b", "c", "d"].map((c) =>
        s.save({ scope: MAIN, key: "same", version: "v1" }, workspace({ "f.txt": c })),
      ),
    );
    expect(results.filter((r) => r.saved)).toHaveLength(1);
    expect(results.filter((r) => !r.saved)).toHaveLength(3);
    const root = (s as unknown as { root: string }).root;
    expect(readdirSync(join(root, "tmp"))).toEqual([]);
  });

  it("leaves no entry when a save fails half-way (the archive cannot be written)", async () => {
    const s = store();
    const ws = workspace({ "f.txt": "x" });
    await expect(
      s.save(
        { scope: MAIN, key: "broken", version: "v1" },
        { ...ws, paths: [join(ws.workspace, "missing")] },
      ),
    ).rejects.toThrow(/tar failed/);
    expect(await s.lookup(q("broken"))).toBeUndefined();
    // A later save of the key is not blocked by the failed one.
    await saveKey(s, "broken");
  });

  it("ignores what a killed save left in its temporary folder, and clears it out once old", async () => {
    const root = temp("gantry-cache-");
    mkdirSync(join(root, "tmp", "killed"), { recursive: true });
    writeFileSync(join(root, "tmp", "killed", "archive"), "partial");
    const s = new FsCacheStore({ root, compression: "gzip" });
    expect(await s.lookup(q("k", ["", "k"]))).toBeUndefined();
    await saveKey(s, "k");
    expect((await s.lookup(q("k")))?.key).toBe("k");
    expect(readdirSync(join(root, "tmp"))).toEqual(["killed"]);
    const later = new FsCacheStore({
      root,
      compression: "gzip",
      now: () => Date.now() + 2 * 24 * 3600 * 1000,
    });
    await saveKey(later, "k2");
    expect(readdirSync(join(root, "tmp"))).toEqual([]);
  });

  // Restores read archives in 1 MiB records (src/cache/tar.ts): an archive another tar wrote, in
  // its own record size and format (an upload through the cache protocol, an entry from before),
  // comes back whole, its last short record included.
  for (const compression of ["gzip", "zstd-without-long"] as const) {
    it(`restores archives written in any record size and format (${compression})`, async () => {
      const s = store(compression);
      const big = "x".repeat(3 * 1024 * 1024 + 17);
      const src = workspace({ "a/one.txt": "one", "a/b/two.bin": big, "c.txt": "c" });
      const made = temp("gantry-archives-");
      const compress = compression === "gzip" ? ["-z"] : ["--use-compress-program", "zstd -T0"];
      const variants = [
        ["--posix", "-b", "1"],
        ["--format=gnu", "-b", "20"],
        ["--format=ustar", "-b", "4096"],
      ];
      for (const [i, flags] of variants.entries()) {
        const archive = join(made, `v${i}`);
        execFileSync("tar", ["-c", ...flags, ...compress, "-f", archive, "-C", src.workspace, "a", "c.txt"]);
        const stored = await s.saveArchive(
          { scope: MAIN, key: `v${i}`, version: "v1" },
          archive,
          compression,
        );
        expect(stored.saved).toBe(true);
        const target = temp("gantry-ws-");
        expect((await s.restore(q(`v${i}`), target))?.key).toBe(`v${i}`);
        expect(readFileSync(join(target, "a/one.txt"), "utf8")).toBe("one");
        expect(readFileSync(join(target, "a/b/two.bin"), "utf8")).toBe(big);
        expect(readFileSync(join(target, "c.txt"), "utf8")).toBe("c");
      }
    });
  }
});
