// The tree bench/cache.mjs saves and restores: a dependency folder as `npm install` leaves it,
// deterministic from a seed. Most files are small and compressible (source, JSON, maps, in
// packages of ~25 files, a few levels deep, scoped packages among them); some small ones are
// not (images, fonts, .node and .wasm binaries); a few large files make up about half the bytes
// (bundles and source maps that compress, prebuilt binaries and archives that do not).
import { createCipheriv, createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYWORDS = (
  "const let var function return if else for while import export from default class extends new this " +
  "async await try catch throw typeof null undefined true false module exports require props state value " +
  "options config length push map filter reduce Object Array String Number Promise resolve reject error " +
  "callback args index key name type data result node path file buffer stream event emit listener"
).split(" ");
const PUNCT = ["(", ")", "{", "}", ";", ",", ".", " = ", " => ", " === ", " + ", "[", "]", ": ", "'", '"'];

/** A pool of source-like lines: keywords, generated identifiers and punctuation, indented. */
function linePool(rand, count) {
  const idents = Array.from({ length: 4000 }, () => {
    const n = 3 + Math.floor(rand() * 10);
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(97 + Math.floor(rand() * 26));
    return rand() < 0.3 ? s[0].toUpperCase() + s.slice(1) : s;
  });
  const lines = [];
  for (let i = 0; i < count; i++) {
    let line = "  ".repeat(Math.floor(rand() * 4));
    const tokens = 3 + Math.floor(rand() * 12);
    for (let t = 0; t < tokens; t++) {
      const r = rand();
      line +=
        r < 0.35
          ? KEYWORDS[Math.floor(rand() * KEYWORDS.length)]
          : r < 0.7
            ? idents[Math.floor(rand() * idents.length)]
            : PUNCT[Math.floor(rand() * PUNCT.length)];
      if (rand() < 0.5) line += " ";
    }
    lines.push(`${line}\n`);
  }
  return lines;
}

/** `size` bytes of source-like text: lines drawn from the pool. */
function textBytes(rand, pool, size) {
  const parts = [];
  let n = 0;
  while (n < size) {
    const line = pool[Math.floor(rand() * pool.length)];
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join("")).subarray(0, size);
}

/** `size` bytes that do not compress: an AES-CTR keystream keyed by the seed and the file's index. */
function randomBytes(seed, index, size) {
  const key = createHash("sha256").update(`gantry cache bench ${seed} ${index}`).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  return cipher.update(Buffer.alloc(size));
}

const SMALL_EXT = [".js", ".js", ".js", ".d.ts", ".json", ".md", ".map", ".cjs", ".mjs", ".ts"];
const BINARY_EXT = [".png", ".woff2", ".node", ".wasm", ".gz", ".jpg"];
const SUBDIRS = ["lib", "dist", "src", "lib/utils", "dist/esm", "dist/cjs", "src/internal", "types"];

/**
 * The plan of the tree: each file's path, size and whether it compresses, `files` files totalling
 * `bytes` bytes (the small files' sizes are log-uniform, 200 B – 24 KB, then every size is scaled so
 * the total is exact). The same seed always gives the same plan.
 */
export function planTree({ files, bytes, seed }) {
  const rand = prng(seed);
  const large = Math.max(1, Math.round(files / 500));
  const small = files - large;
  const plan = [];
  let pkg = 0;
  let inPkg = 0;
  let pkgName = "";
  let pkgSize = 0;
  for (let i = 0; i < small; i++) {
    if (inPkg === 0) {
      pkg++;
      pkgSize = 5 + Math.floor(rand() * 40);
      pkgName = rand() < 0.15 ? `@scope${pkg % 40}/pkg-${pkg}` : `pkg-${pkg}`;
      plan.push({
        path: `node_modules/${pkgName}/package.json`,
        size: 400 + Math.floor(rand() * 1200),
        compressible: true,
      });
      inPkg = 1;
      continue;
    }
    const binary = rand() < 0.08;
    const ext = binary
      ? BINARY_EXT[Math.floor(rand() * BINARY_EXT.length)]
      : SMALL_EXT[Math.floor(rand() * SMALL_EXT.length)];
    const sub = rand() < 0.2 ? "" : `${SUBDIRS[Math.floor(rand() * SUBDIRS.length)]}/`;
    const size = Math.round(200 * (24_000 / 200) ** rand());
    plan.push({ path: `node_modules/${pkgName}/${sub}file-${i}${ext}`, size, compressible: !binary });
    inPkg = (inPkg + 1) % pkgSize;
  }
  const smallBytes = plan.reduce((s, f) => s + f.size, 0);
  // The large files: half compressible bundles and maps, half binaries; together what is left.
  const largeWeights = Array.from({ length: large }, () => 0.5 + rand());
  const weightSum = largeWeights.reduce((s, w) => s + w, 0);
  const largeBytes = Math.max(bytes - smallBytes, large);
  for (let i = 0; i < large; i++) {
    const compressible = i % 2 === 0;
    plan.push({
      path: compressible ? `build/bundle-${i}.js` : `node_modules/.cache/prebuilt-${i}.bin`,
      size: Math.max(1, Math.round((largeBytes * largeWeights[i]) / weightSum)),
      compressible,
    });
  }
  // Exact total: scale when the small files alone exceed it, then put the rounding on the last file.
  let total = plan.reduce((s, f) => s + f.size, 0);
  if (total > bytes) {
    for (const f of plan) f.size = Math.max(1, Math.floor((f.size * bytes) / total));
    total = plan.reduce((s, f) => s + f.size, 0);
  }
  plan[plan.length - 1].size += bytes - total;
  return plan;
}

/** Writes the planned tree under `dir`; returns the plan. */
export function makeTree(dir, { files, bytes, seed }) {
  const plan = planTree({ files, bytes, seed });
  const rand = prng(seed ^ 0x9e3779b9);
  const pool = linePool(rand, 30_000);
  const made = new Set();
  plan.forEach((f, i) => {
    const path = join(dir, f.path);
    const parent = dirname(path);
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    writeFileSync(path, f.compressible ? textBytes(rand, pool, f.size) : randomBytes(seed, i, f.size));
  });
  return plan;
}
