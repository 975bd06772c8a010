#!/usr/bin/env node
// hashFiles benchmark (`npm run bench:hash`). It builds two trees in a temp dir:
//   1. many small files: 100,000 files of 200 bytes (100 dirs × 10 subdirs × 100 files);
//   2. fewer, larger files: 1,000 files of 1 MB (10 dirs × 100 files);
// and times, on each, gantry's hashFiles('**') (src/expressions/hash-files.ts, bundled with
// esbuild and called in this process, as the runner calls it while evaluating an expression)
// against `find . -type f -print0 | sort -z | xargs -0 sha256sum`: the same reads and digests
// done by coreutils. The two are interleaved run by run (after a warm-up of each, so both read
// from the page cache), so a change of load hits them alike. With --baseline REF (repeatable) it
// also times hashFiles as it was at that git commit. Each hashFiles result is checked to be the same.
// It prints a table and writes every number it measured to bench/hash-results.json. Nothing
// here is asserted, and tests never check timings.
//
// Options: --runs N (5)  --small N (100000)  --large N (1000)  --large-size BYTES (1000000)
//          --pattern P ('**')  --baseline REF  --keep (leave the trees)  --out FILE
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  importBundled,
  log,
  median,
  noiseSince,
  round,
  startCpuReading,
  stats,
  writeResults,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    small: { type: "string", default: "100000" },
    large: { type: "string", default: "1000" },
    "large-size": { type: "string", default: "1000000" },
    pattern: { type: "string", default: "**" },
    baseline: { type: "string", multiple: true, default: [] },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "hash-results.json") },
  },
});
const RUNS = Number(opts.runs);

const tmpRoot = mkdtempSync(join(tmpdir(), "gantry-bench-hash-"));

/** Bundles hash-files.ts (the working tree's, or src/expressions as it was at a git commit)
 * into an importable module. */
async function loadHashFiles(ref) {
  let srcDir = join(ROOT, "src", "expressions");
  if (ref) {
    const dir = join(tmpRoot, `src-${ref}`);
    mkdirSync(dir);
    execFileSync("bash", ["-c", `git archive "$1" src/expressions | tar -x -C "$2"`, "-", ref, dir], {
      cwd: ROOT,
    });
    srcDir = join(dir, "src", "expressions");
  }
  const outfile = join(tmpRoot, `hash-files-${ref ?? "current"}.mjs`);
  return (await importBundled(join(srcDir, "hash-files.ts"), outfile, ROOT)).hashFiles;
}

/** Writes `count` files of `size` bytes (distinct contents) under dir, `perDir` per directory. */
function makeTree(dir, count, size, shape) {
  const block = Buffer.alloc(size, "gantry hashFiles bench ");
  let n = 0;
  for (const sub of shape(count)) {
    mkdirSync(join(dir, sub.dir), { recursive: true });
    for (let i = 0; i < sub.files; i++, n++) {
      block.writeUInt32BE(n, 0); // each file differs
      writeFileSync(join(dir, sub.dir, `file-${i}.dat`), block);
    }
  }
  return n;
}
const smallShape = (count) => {
  const dirs = [];
  const perLeaf = 100;
  for (let i = 0; i * perLeaf < count; i++) {
    dirs.push({ dir: `d${Math.floor(i / 10)}/s${i % 10}`, files: Math.min(perLeaf, count - i * perLeaf) });
  }
  return dirs;
};
const largeShape = (count) => {
  const dirs = [];
  for (let i = 0; i * 100 < count; i++) dirs.push({ dir: `d${i}`, files: Math.min(100, count - i * 100) });
  return dirs;
};

const SHELL = "find . -type f -print0 | sort -z | xargs -0 sha256sum";
function timeShell(dir) {
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", `${SHELL} > /dev/null`], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${SHELL} failed in ${dir}`);
  return ms;
}
function timeHash(fn, dir) {
  const t0 = performance.now();
  const digest = fn(dir, [opts.pattern]);
  return { ms: performance.now() - t0, digest };
}

async function main() {
  const impls = [{ name: "gantry hashFiles", fn: await loadHashFiles() }];
  for (const ref of opts.baseline) impls.push({ name: `hashFiles at ${ref}`, fn: await loadHashFiles(ref) });
  const trees = [
    {
      name: `${Number(opts.small).toLocaleString("en")} × 200 B`,
      count: Number(opts.small),
      size: 200,
      shape: smallShape,
    },
    {
      name: `${Number(opts.large).toLocaleString("en")} × ${Number(opts["large-size"]) / 1e6} MB`,
      count: Number(opts.large),
      size: Number(opts["large-size"]),
      shape: largeShape,
    },
  ];
  const results = {
    date: new Date().toISOString(),
    commit: execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memGiB: round(totalmem() / 2 ** 30, 1),
      kernel: release(),
      node: process.version,
      loadAverageAtStart: loadavg().map((x) => round(x, 2)),
    },
    runs: RUNS,
    pattern: opts.pattern,
    shell: SHELL,
    trees: [],
  };
  for (const tree of trees) {
    const dir = join(tmpRoot, `tree-${tree.count}`);
    const t0 = performance.now();
    const files = makeTree(dir, tree.count, tree.size, tree.shape);
    log(`${tree.name}: built ${files} files in ${round((performance.now() - t0) / 1000, 1)} s`);
    // Warm-up: fill the page cache and the JIT, and check every implementation agrees.
    timeShell(dir);
    const digests = impls.map((impl) => timeHash(impl.fn, dir).digest);
    if (new Set(digests).size !== 1)
      throw new Error(`hashFiles implementations disagree: ${digests.join(" ")}`);
    const times = { shell: [], ...Object.fromEntries(impls.map((i) => [i.name, []])) };
    const noiseStart = startCpuReading();
    for (let r = 0; r < RUNS; r++) {
      for (const impl of impls) times[impl.name].push(timeHash(impl.fn, dir).ms);
      times.shell.push(timeShell(dir));
      log(
        `  run ${r + 1}/${RUNS}: ${Object.entries(times)
          .map(([k, v]) => `${k} ${round(v.at(-1), 0)} ms`)
          .join(", ")}`,
      );
    }
    const entry = {
      tree: tree.name,
      files,
      bytes: files * tree.size,
      digest: digests[0],
      noise: noiseSince(noiseStart, { loadAverage: true }),
      timings: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, stats(v)])),
    };
    entry.ratio = {
      medianGantryOverShell: round(median(times[impls[0].name]) / median(times.shell), 2),
      bestGantryOverShell: round(Math.min(...times[impls[0].name]) / Math.min(...times.shell), 2),
    };
    results.trees.push(entry);
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
  results.machine.loadAverageAtEnd = loadavg().map((x) => round(x, 2));
  writeResults(opts.out, results, ROOT);

  const rows = [["tree", "implementation", "median", "best", "× shell (median / best)"]];
  for (const t of results.trees) {
    for (const [name, s] of Object.entries(t.timings)) {
      const shell = t.timings.shell;
      const ratio =
        name === "shell"
          ? ""
          : `${round(s.medianMs / shell.medianMs, 2)} / ${round(s.bestMs / shell.bestMs, 2)}`;
      rows.push([t.tree, name === "shell" ? SHELL : name, `${s.medianMs} ms`, `${s.bestMs} ms`, ratio]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join("  "));
  for (const t of results.trees) {
    console.log(
      `${t.tree}: other processes ${t.noise?.otherProcessesCpuPercent} % CPU, CPU pressure ${t.noise?.cpuPressurePercent} %, load ${t.noise?.loadAverage1m}`,
    );
  }
  console.log(`written to ${opts.out}`);
}

try {
  await main();
} finally {
  if (!opts.keep) rmSync(tmpRoot, { recursive: true, force: true });
}
