// V8's code cache for a CommonJS bundle (dist/gantry-run.cjs), for the Node.js versions without
// module.enableCompileCache (20) and with it alike: ESM cannot take V8's cached data, vm.Script can.
// The bundle is compiled with the bytes V8 gave after an earlier start (every function that start
// compiled, not only the top level), so neither its parse nor those functions' compilation happen
// again. The cache lives under gantry's cache folder (`code/`), never beside the code:
//   - its name holds the bundle's key (a hash of the bundle's text, which the build appends as a
//     last line), the Node.js and V8 versions and the architecture, so a rebuilt bundle or another
//     Node.js never reads the cache of another (V8 itself checks little of the text it was made for);
//   - its first 32 bytes are the SHA-256 of the rest, since V8 does not check a code cache's checksum
//     in release builds: a damaged file is ignored, not run;
//   - a missing, damaged or rejected cache is written again when the process exits (to a temporary
//     name, then renamed), and the caches of other builds are deleted then; a folder gantry cannot
//     write only means no cache.
import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { Script } from "node:vm";
import { cacheHome } from "./gantry-home.js";

/** The last line the build appends to a bundle that may be code-cached (after its source map's). */
const KEY_LINE = /\n\/\/ gantry-code-key: ([0-9a-f]{32})\n$/;
const DIGEST = 32;

/** The bundle's text with its key line (a build step): the key is a hash of the text before it. */
export function withKeyLine(text: string): string {
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${body}// gantry-code-key: ${createHash("sha256").update(body).digest("hex").slice(0, 32)}\n`;
}

/** Where the code cache of a bundle whose text is `source` lives in `dir`; none without a key line. */
export function codeCachePath(source: string, dir: string, name: string): string | undefined {
  const key = KEY_LINE.exec(source.slice(-64))?.[1];
  if (!key) return undefined;
  const runtime = `${process.version}-v8-${process.versions.v8}-${process.arch}`.replace(/[^\w.-]/g, "_");
  return join(dir, `${name}-${key}-${runtime}.bin`);
}

/** The cached data at `path` when it is whole (its digest matches), else undefined. */
export function readCodeCache(path: string): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch {
    return undefined;
  }
  if (file.length <= DIGEST) return undefined;
  const data = file.subarray(DIGEST);
  const digest = createHash("sha256").update(data).digest();
  return digest.equals(file.subarray(0, DIGEST)) ? data : undefined;
}

/**
 * Writes `data` as the cache at `path` (through a temporary file and a rename, so a reader never
 * sees half of it), and removes the other caches of `name` in that folder. Never throws.
 */
export function writeCodeCache(path: string, name: string, data: Buffer): boolean {
  const dir = dirname(path);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, Buffer.concat([createHash("sha256").update(data).digest(), data]));
    renameSync(temp, path);
    for (const other of readdirSync(dir)) {
      if (other.startsWith(`${name}-`) && join(dir, other) !== path)
        rmSync(join(dir, other), { force: true });
    }
    return true;
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // no folder: nothing was written
    }
    return false;
  }
}

export interface CompiledBundle {
  /** Runs the bundle as a CommonJS module; returns its exports. */
  run(): { codeCacheWorthy?: () => boolean };
  /** Whether V8 took the cached data (false: none, damaged or rejected). */
  cached: boolean;
  /** Writes the cache again when it was missing, damaged or rejected (the process's exit does). */
  save(): boolean;
}

/**
 * A bundle's text. The build writes bundles in ASCII (scripts/build.mjs), and ASCII is read as
 * Latin-1: Node.js copies its bytes into a one-byte string, where decoding the same 1.7 MB as UTF-8
 * took 18-26 ms on this VM (a file with a character past ASCII anywhere is decoded as UTF-8 into a
 * two-byte string, twice the memory); other text is read as UTF-8.
 */
export function readSource(file: string): string {
  const bytes = readFileSync(file);
  return bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
}

/** Compiles the CommonJS bundle `file` with its code cache from `dir` (default: gantry's cache folder). */
export function compileWithCodeCache(file: string, dir = join(cacheHome(), "code")): CompiledBundle {
  const source = readSource(file);
  const name = basename(file).replace(/\.c?js$/, "");
  const path = codeCachePath(source, dir, name);
  const cachedData = path ? readCodeCache(path) : undefined;
  // CommonJS's own wrapper, written out (Module.wrap is not a documented API).
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new Script(wrapped, { filename: file, cachedData });
  const cached = cachedData !== undefined && script.cachedDataRejected === false;
  return {
    cached,
    run() {
      const module = { exports: {} };
      const fn = script.runInThisContext() as (...args: unknown[]) => void;
      fn.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
      return module.exports;
    },
    save: () => (path && !cached ? writeCodeCache(path, name, script.createCachedData()) : false),
  };
}

/**
 * Runs the bundle `file` with its code cache, and writes the cache at exit when it was not taken and
 * the bundle's `codeCacheWorthy()` says this start ran what later starts will (not a --help: a cache
 * holds only what its start compiled, and one that V8 takes is kept). Returns the bundle's exports.
 */
export function runWithCodeCache<T extends object>(file: string): T {
  const bundle = compileWithCodeCache(file);
  const exports = bundle.run();
  if (!bundle.cached) process.once("exit", () => (exports.codeCacheWorthy?.() ?? true) && bundle.save());
  return exports as T;
}
