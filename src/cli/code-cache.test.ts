import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { codeCachePath, readCodeCache, readSource, withKeyLine, writeCodeCache } from "./code-cache.js";

// Each start is a Node.js process of its own, as in use: within one process V8 answers a second
// compilation of the same text from its own memory and never looks at the cached data.
let loader: string;
beforeAll(async () => {
  loader = join(mkdtempSync(join(tmpdir(), "gantry-code-cache-loader-")), "code-cache.cjs");
  await build({
    entryPoints: [join(import.meta.dirname, "code-cache.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: loader,
    logLevel: "warning",
  });
});

const BODY = `"use strict";
function twice(n) { return n * 2; }
globalThis.answer = twice(21);
`;

/** A bundle with its key line in a folder of its own, and an empty cache folder. */
function bundle(body = BODY): { file: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), "gantry-code-cache-"));
  const file = join(root, "bundle.cjs");
  writeFileSync(file, withKeyLine(body));
  return { file, dir: join(root, "cache") };
}

/**
 * Compiles and runs the bundle in a new process as bin/gantry.js does, then writes its cache as the
 * exit would; what it printed is the bundle's answer (it ran).
 */
function start(file: string, dir: string): { cached: boolean; saved: boolean; answer: number } {
  const script = `const c = require(process.argv[1]).compileWithCodeCache(process.argv[2], process.argv[3]);
c.run();
console.log(JSON.stringify({ cached: c.cached, saved: c.save(), answer: globalThis.answer }));`;
  const out = execFileSync(process.execPath, ["-e", script, loader, file, dir], { encoding: "utf8" });
  return JSON.parse(out);
}

function cacheFile(dir: string): string {
  const [name, ...more] = readdirSync(dir);
  expect(more).toEqual([]);
  return join(dir, name);
}

describe("code cache", () => {
  it("is written after a start without one and taken by the next", () => {
    const { file, dir } = bundle();
    expect(start(file, dir)).toMatchObject({ cached: false, saved: true });
    expect(start(file, dir)).toEqual({ cached: true, saved: false, answer: 42 });
  });

  it("files each bundle's cache under its key, the runtime's versions and the architecture", () => {
    const dir = "/cache";
    const a = codeCachePath(withKeyLine(BODY), dir, "run");
    expect(a).toContain(process.versions.v8);
    expect(a).toContain(process.arch);
    expect(a).not.toBe(codeCachePath(withKeyLine(`${BODY}// another build\n`), dir, "run"));
    expect(codeCachePath(BODY, dir, "run")).toBeUndefined(); // no key line: no cache
  });

  it("ignores a stale cache (another build's) and replaces it", () => {
    const old = bundle();
    start(old.file, old.dir);
    const oldCache = cacheFile(old.dir);
    // The same folder, a new build of the bundle: its text (and so its key) differs.
    writeFileSync(old.file, withKeyLine(BODY.replace("(21)", "(20)")));
    expect(start(old.file, old.dir)).toMatchObject({ cached: false, saved: true });
    expect(cacheFile(old.dir)).not.toBe(oldCache); // the old build's cache is gone
    expect(start(old.file, old.dir)).toEqual({ cached: true, saved: false, answer: 40 });
  });

  it("ignores a damaged cache (its digest does not match), runs the bundle and writes it again", () => {
    const { file, dir } = bundle();
    start(file, dir);
    const path = cacheFile(dir);
    const good = readFileSync(path);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 10] ^= 0xff;
    writeFileSync(path, flipped);
    expect(readCodeCache(path)).toBeUndefined();
    expect(start(file, dir)).toEqual({ cached: false, saved: true, answer: 42 });
    expect(readCodeCache(path)).toBeDefined();

    writeFileSync(path, good.subarray(0, 20)); // cut short
    expect(readCodeCache(path)).toBeUndefined();
    expect(start(file, dir).cached).toBe(false);
  });

  it("ignores a whole cache that V8 rejects (made for other source text) and writes it again", () => {
    const { file, dir } = bundle();
    start(file, dir);
    const path = cacheFile(dir);
    // Another bundle's cache, intact, under this bundle's name.
    const other = bundle(`${BODY}globalThis.more = [1, 2, 3].map((n) => n + 1);\n`);
    start(other.file, other.dir);
    writeCodeCache(path, "bundle", readCodeCache(cacheFile(other.dir)) ?? Buffer.alloc(0));
    expect(readCodeCache(path)).toBeDefined();
    expect(start(file, dir)).toMatchObject({ cached: false, saved: true });
    expect(start(file, dir).cached).toBe(true);
  });

  it("reads an ASCII bundle as one-byte text and any other as UTF-8, with its cache either way", () => {
    const ascii = bundle();
    expect(readSource(ascii.file)).toBe(readFileSync(ascii.file, "utf8"));
    // Text past ASCII (a build that wrote some): decoded as UTF-8, not byte by byte.
    const wide = bundle(BODY.replace("twice(21)", 'twice(21) + "é…".length - 2'));
    expect(readFileSync(wide.file).every((b) => b < 0x80)).toBe(false);
    expect(readSource(wide.file)).toBe(readFileSync(wide.file, "utf8"));
    expect(start(wide.file, wide.dir)).toMatchObject({ cached: false, saved: true, answer: 42 });
    expect(start(wide.file, wide.dir)).toEqual({ cached: true, saved: false, answer: 42 });
  });

  it("runs without a cache when its folder cannot be written", () => {
    const { file } = bundle();
    const blocked = join(mkdtempSync(join(tmpdir(), "gantry-code-cache-")), "file");
    writeFileSync(blocked, "not a folder");
    expect(start(file, join(blocked, "cache"))).toEqual({ cached: false, saved: false, answer: 42 });
  });
});
