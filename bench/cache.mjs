#!/usr/bin/env node
// Cache save and restore benchmark (`npm run bench:cache`). It writes a tree of 50,000 files /
// 500 MB (bench/cache-tree.mjs: a node_modules-like folder of small files, most of them
// compressible, and a few large ones, half of which do not compress; the same bytes for the same
// --seed) and measures, round after round, on that tree:
//   gantry save     what actions/cache's save does, in this process: saveEntry
//                   (src/actions/cache-action.ts) resolves `path: tree` and hands the match to
//                   FsCacheStore.save (src/cache/), which runs tar and zstd; bundled with esbuild;
//   tar save        `tar -cf - tree | zstd -T0 > archive`;
//   gantry restore  restoreEntry, which finds the entry and has FsCacheStore.restore extract it
//                   into an empty folder;
//   tar restore     `zstd -d -T0 -c archive | tar -xf -` into an empty folder;
// the four taking turns (the order alternates round by round), after a warm-up round that also
// checks both restores give back the tree, so the source tree is in the page cache and a change
// of load hits them alike. Before every timed operation the bench runs `sync` (untimed), so the
// dirty pages of the previous one are not written back during it. Each figure is the median (and
// best) of the rounds, wall time and CPU time (this process's and its waited-for children's: tar,
// zstd), and the ratios gantry / tar. Then where the time goes: tar alone (to a pipe), zstd
// compressing that tar alone, zstd decompressing alone, tar extracting the uncompressed tar alone.
// Last, one figure through `gantry run`: a job saves the tree with actions/cache/save, a second
// job restores it with actions/cache/restore, each timed by `date +%s%N` steps around it (less
// the time of one such step).
// It prints a table and writes every number to bench/cache-results.json. Nothing is asserted;
// tests never check timings.
//
// Options: --runs N (5)  --files N (50000)  --bytes N (500000000)  --seed N (1)
//          --gantry-runs N (3)  --dir DIR (where the store, archives and restores go; default the
//          temp dir: /dev/shm keeps the disk out)  --tree DIR (reuse or create the tree there; kept)
//          --keep (leave the temp dir)  --no-build  --out FILE
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { makeTree, planTree } from "./cache-tree.mjs";
import {
  benchCommit,
  childEnv,
  childrenCpuMs,
  describeMachine,
  git,
  importBundled,
  log,
  median,
  mustSucceed,
  newestMtime,
  noiseSince,
  ownCpuMs,
  pressure,
  round,
  startCpuReading,
  stats,
  table,
  timed,
  writeResults,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GANTRY = join(ROOT, "bin", "gantry.js");
const DIST = join(ROOT, "dist", "gantry.js");
const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    files: { type: "string", default: "50000" },
    bytes: { type: "string", default: "500000000" },
    seed: { type: "string", default: "1" },
    "gantry-runs": { type: "string", default: "3" },
    dir: { type: "string" },
    tree: { type: "string" },
    keep: { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "cache-results.json") },
  },
});
const RUNS = Number(opts.runs);
const GANTRY_RUNS = Number(opts["gantry-runs"]);
const STAGE_RUNS = 3;
const TREE_SPEC = { files: Number(opts.files), bytes: Number(opts.bytes), seed: Number(opts.seed) };
if (!(RUNS >= 1) || !(GANTRY_RUNS >= 0) || !(TREE_SPEC.files >= 2) || !(TREE_SPEC.bytes >= TREE_SPEC.files))
  throw new Error("--runs ≥ 1, --gantry-runs ≥ 0, --files ≥ 2 and --bytes ≥ --files");

const tmpRoot = mkdtempSync(join(opts.dir ? resolve(opts.dir) : tmpdir(), "gantry-bench-cache-"));
const env = childEnv({ GANTRY_HOME: join(tmpRoot, "gantry-home") });

// ---------------------------------------------------------------------------------------------
// The code measured: src/cache and the path resolution of src/actions, bundled as they are now.

async function loadGantry() {
  const entry = join(tmpRoot, "entry.ts");
  writeFileSync(
    entry,
    `export { FsCacheStore } from ${JSON.stringify(join(ROOT, "src/cache/index.ts"))};\n` +
      `export { resolvePaths } from ${JSON.stringify(join(ROOT, "src/actions/path-patterns.ts"))};\n` +
      `export { cacheVersion, restoreEntry, saveEntry } from ${JSON.stringify(join(ROOT, "src/actions/cache-action.ts"))};\n`,
  );
  return importBundled(entry, join(tmpRoot, "gantry-cache.mjs"), ROOT);
}

/** Runs `fn` and returns its result with wall time and CPU time (this process + waited-for children). */
async function inProcess(fn) {
  const own0 = ownCpuMs();
  const kids0 = childrenCpuMs();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  return { ms, cpuMs: ownCpuMs() - own0 + childrenCpuMs() - kids0, value };
}

/** A bash pipeline (with pipefail), timed with its CPU time. */
const shell = (what, script, cwd = tmpRoot) =>
  mustSucceed(what, timed("bash", ["-c", `set -eo pipefail; ${script}`], { cwd, env }));

const sync = () => execFileSync("sync");
const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;

/** File count and bytes under dir, and a digest of every 97th file's path and contents. */
function summarize(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p.slice(dir.length + 1));
    }
  };
  walk(dir);
  files.sort();
  let bytes = 0;
  const sample = [];
  files.forEach((f, i) => {
    bytes += statSync(join(dir, f)).size;
    if (i % 97 === 0) sample.push(`${f}:${readFileSync(join(dir, f)).toString("base64").length}`);
  });
  return { files: files.length, bytes, sample: sample.join("\n") };
}
function sameTree(a, b, what) {
  const x = summarize(a);
  const y = summarize(b);
  if (x.files !== y.files || x.bytes !== y.bytes || x.sample !== y.sample)
    throw new Error(
      `${what}: restored ${y.files} files / ${y.bytes} B, saved ${x.files} files / ${x.bytes} B`,
    );
}

// ---------------------------------------------------------------------------------------------
// Build, describe, make the tree

if (!opts["no-build"]) {
  const stale = !existsSync(DIST) || newestMtime(join(ROOT, "src")) > statSync(DIST).mtimeMs;
  if (stale) {
    log("building dist/ (src/ is newer) …");
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
}
const gantryCommit = benchCommit(ROOT);
const machine = {
  ...describeMachine(),
  zstd: execFileSync("zstd", ["--version"], { encoding: "utf8" }).trim(),
  tar: execFileSync("tar", ["--version"], { encoding: "utf8" }).split("\n")[0],
  pressureAtStart: { cpu: pressure("cpu"), io: pressure("io"), memory: pressure("memory") },
  filesystem: execFileSync("df", ["--output=fstype,source,target", tmpRoot], { encoding: "utf8" })
    .trim()
    .split("\n")[1]
    .trim()
    .split(/\s+/)
    .join(" "),
};
log(`machine: ${machine.nproc} × ${machine.cpu}, node ${machine.node}, load ${machine.loadAverageAtStart}`);
log(`gantry: ${gantryCommit}; temp dir ${tmpRoot}`);

const workspace = opts.tree ? resolve(opts.tree) : join(tmpRoot, "ws");
const tree = join(workspace, "tree");
const plan = planTree(TREE_SPEC);
if (!existsSync(join(tree, plan.at(-1).path))) {
  const t0 = performance.now();
  rmSync(tree, { recursive: true, force: true });
  makeTree(tree, TREE_SPEC);
  log(
    `tree: ${plan.length} files, ${TREE_SPEC.bytes} B written in ${round((performance.now() - t0) / 1000, 1)} s`,
  );
} else log(`tree: reusing ${tree}`);

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const treeInfo = {
  path: opts.tree ? tree : "(temp dir)",
  ...TREE_SPEC,
  compressibleBytes: sum(plan.filter((f) => f.compressible).map((f) => f.size)),
  filesUnder100KB: plan.filter((f) => f.size < 100_000).length,
  bytesInFilesOver1MB: sum(plan.filter((f) => f.size > 1_000_000).map((f) => f.size)),
  folders: new Set(
    plan.flatMap((f) =>
      f.path
        .split("/")
        .slice(0, -1)
        .map((_, i, a) => a.slice(0, i + 1).join("/")),
    ),
  ).size,
};

const { FsCacheStore, resolvePaths, saveEntry, restoreEntry, cacheVersion } = await loadGantry();
const store = new FsCacheStore({ root: join(tmpRoot, "store"), compression: "zstd-without-long" });
const VERSION = cacheVersion(["tree"], store.compression);
const SCOPE = "refs/heads/main";
/** What actions/cache's save and restore get from the runner: the workspace, HOME, github.ref. */
const request = (ws) => ({
  workspace: ws,
  env: { HOME: tmpRoot },
  github: { ref: SCOPE },
  warn: (message) => {
    throw new Error(message);
  },
});
const archive = join(tmpRoot, "tar.tar.zst");
const plainTar = join(tmpRoot, "plain.tar");
const restoreDir = (who) => join(tmpRoot, `restore-${who}`);
const clean = (dir) => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
};

const ops = {
  async gantrySave(round_) {
    const key = `tree-${round_}`;
    await store.remove({ scope: SCOPE, key, version: VERSION });
    sync();
    // The listing alone, as saveEntry resolves the path (then it hands the store what it matched).
    const listed = await inProcess(() =>
      resolvePaths(["tree"], { workspace, home: tmpRoot, implicitDescendants: false }),
    );
    const saved = await inProcess(() => saveEntry(request(workspace), store, { key, paths: ["tree"] }));
    if (saved.value !== true) throw new Error("gantry save: the entry exists already");
    return {
      ms: saved.ms,
      cpuMs: saved.cpuMs,
      listMs: listed.ms,
      bytes: (await store.list()).find((e) => e.key === key).size,
      entries: listed.value.matches.length,
    };
  },
  async tarSave() {
    rmSync(archive, { force: true });
    sync();
    const r = await shell(
      "tar save",
      `tar -cf - -C ${quote(workspace)} tree | zstd -T0 -q > ${quote(archive)}`,
    );
    return { ms: r.ms, cpuMs: r.cpuMs, bytes: statSync(archive).size };
  },
  async gantryRestore(round_) {
    const to = restoreDir("gantry");
    clean(to);
    sync();
    const r = await inProcess(() =>
      restoreEntry(request(to), store, { key: `tree-${round_}`, paths: ["tree"] }),
    );
    if (r.value?.key !== `tree-${round_}`) throw new Error("gantry restore: no entry");
    return { ms: r.ms, cpuMs: r.cpuMs };
  },
  async tarRestore() {
    const to = restoreDir("tar");
    clean(to);
    sync();
    const r = await shell("tar restore", `zstd -d -T0 -q -c ${quote(archive)} | tar -xf - -C ${quote(to)}`);
    return { ms: r.ms, cpuMs: r.cpuMs };
  },
};

const results = {
  date: new Date().toISOString(),
  command: "npm run bench:cache",
  gantryCommit,
  machine,
  settings: { runs: RUNS, gantryRuns: GANTRY_RUNS },
  tree: treeInfo,
  commands: {
    tarSave: "tar -cf - -C WS tree | zstd -T0 -q > ARCHIVE",
    tarRestore: "zstd -d -T0 -q -c ARCHIVE | tar -xf - -C EMPTY",
  },
};

try {
  // ---------------------------------------------------------------------------------------------
  // 1. Save and restore, gantry against tar + zstd, round by round (round 0 warms up and checks)

  const samples = { gantrySave: [], tarSave: [], gantryRestore: [], tarRestore: [] };
  const noise1 = startCpuReading();
  for (let r = 0; r <= RUNS; r++) {
    const order = r % 2 ? ["tarSave", "gantrySave", "tarRestore", "gantryRestore"] : Object.keys(samples);
    const got = {};
    for (const op of order) got[op] = await ops[op](r);
    if (r === 0) {
      sameTree(tree, join(restoreDir("gantry"), "tree"), "gantry restore");
      sameTree(tree, join(restoreDir("tar"), "tree"), "tar restore");
      log("warm-up round done; both restores give back the tree");
      continue;
    }
    for (const op of order) samples[op].push(got[op]);
    await store.remove({ scope: SCOPE, key: `tree-${r - 1}`, version: VERSION });
    log(`  round ${r}/${RUNS}: ${order.map((op) => `${op} ${round(got[op].ms / 1000, 2)} s`).join(", ")}`);
  }
  results.noise = noiseSince(noise1, { loadAverage: true });
  const figure = (op) => ({
    wall: stats(samples[op].map((s) => s.ms)),
    cpu: stats(samples[op].map((s) => s.cpuMs)),
  });
  results.save = {
    gantry: {
      ...figure("gantrySave"),
      list: stats(samples.gantrySave.map((s) => s.listMs)),
      archiveBytes: samples.gantrySave[0].bytes,
      entriesListed: samples.gantrySave[0].entries,
    },
    tar: { ...figure("tarSave"), archiveBytes: samples.tarSave[0].bytes },
  };
  results.restore = { gantry: figure("gantryRestore"), tar: figure("tarRestore") };
  const ratio = (g, t, key) => round(median(g.map((s) => s[key])) / median(t.map((s) => s[key])), 2);
  results.ratios = {
    saveWall: ratio(samples.gantrySave, samples.tarSave, "ms"),
    saveCpu: ratio(samples.gantrySave, samples.tarSave, "cpuMs"),
    restoreWall: ratio(samples.gantryRestore, samples.tarRestore, "ms"),
    restoreCpu: ratio(samples.gantryRestore, samples.tarRestore, "cpuMs"),
  };

  // ---------------------------------------------------------------------------------------------
  // 2. Where the time goes: each stage alone

  const parts = { tarCreate: [], zstdCompress: [], zstdDecompress: [], tarExtract: [] };
  const noise2 = startCpuReading();
  for (let r = 0; r < STAGE_RUNS; r++) {
    sync();
    parts.tarCreate.push(
      await shell("tar create", `tar -cf - -C ${quote(workspace)} tree | cat > ${quote(plainTar)}`),
    );
    sync();
    parts.zstdCompress.push(await shell("zstd", `zstd -T0 -q -c ${quote(plainTar)} > /dev/null`));
    parts.zstdDecompress.push(await shell("zstd -d", `zstd -d -T0 -q -c ${quote(archive)} > /dev/null`));
    const to = restoreDir("tar");
    clean(to);
    sync();
    parts.tarExtract.push(await shell("tar extract", `tar -xf ${quote(plainTar)} -C ${quote(to)}`));
    log(`  stages ${r + 1}/${STAGE_RUNS} done`);
  }
  results.stages = {
    noise: noiseSince(noise2, { loadAverage: true }),
    commands: {
      tarCreate: "tar -cf - -C WS tree | cat > PLAIN.tar",
      zstdCompress: "zstd -T0 -q -c PLAIN.tar > /dev/null",
      zstdDecompress: "zstd -d -T0 -q -c ARCHIVE > /dev/null",
      tarExtract: "tar -xf PLAIN.tar -C EMPTY",
    },
    ...Object.fromEntries(
      Object.entries(parts).map(([k, v]) => [
        k,
        { wall: stats(v.map((s) => s.ms)), cpu: stats(v.map((s) => s.cpuMs)) },
      ]),
    ),
  };
  rmSync(plainTar, { force: true });
  rmSync(restoreDir("tar"), { recursive: true, force: true });
  rmSync(restoreDir("gantry"), { recursive: true, force: true });

  // ---------------------------------------------------------------------------------------------
  // 3. Through gantry run: actions/cache/save in one job, actions/cache/restore in the next

  if (GANTRY_RUNS > 0) {
    const repo = join(tmpRoot, "repo");
    const marks = join(tmpRoot, "marks");
    mkdirSync(join(repo, ".github", "workflows"), { recursive: true });
    writeFileSync(
      join(repo, ".github", "workflows", "cache.yml"),
      `name: cache bench
on: push
env:
  MARKS: ${marks}
jobs:
  save:
    runs-on: ubuntu-latest
    steps:
      - run: cp -al ${quote(tree)} tree || cp -a ${quote(tree)} tree
      - run: date +%s%N > "$MARKS/save-gap"
      - run: date +%s%N > "$MARKS/save-0"
      - uses: actions/cache/save@v4
        with:
          path: tree
          key: tree-\${{ github.run_id }}
      - run: date +%s%N > "$MARKS/save-1"
  restore:
    needs: save
    runs-on: ubuntu-latest
    steps:
      - run: date +%s%N > "$MARKS/restore-gap"
      - run: date +%s%N > "$MARKS/restore-0"
      - uses: actions/cache/restore@v4
        id: cache
        with:
          path: tree
          key: tree-\${{ github.run_id }}
          fail-on-cache-miss: true
      - run: date +%s%N > "$MARKS/restore-1"
      - run: test "\${{ steps.cache.outputs.cache-hit }}" = true && test -f tree/${plan.at(-1).path}
`,
    );
    git(repo, env, "init", "-q", "-b", "main");
    git(repo, env, "add", "-A");
    git(repo, env, "commit", "-q", "-m", "bench");
    const runs = [];
    const noise3 = startCpuReading();
    for (let r = 0; r < GANTRY_RUNS; r++) {
      clean(marks);
      rmSync(join(tmpRoot, "gantry-home", "cache"), { recursive: true, force: true });
      sync();
      const run = await mustSucceed(
        "gantry run",
        timed(process.execPath, [GANTRY, "run"], { cwd: repo, env }),
      );
      const mark = (name) => Number(BigInt(readFileSync(join(marks, name), "utf8").trim()) / 1000n) / 1000;
      // From the mark before the cache step to the mark after it, less one `date` step (the time
      // between the two marks before it): what the cache step itself took.
      const step = (what) =>
        mark(`${what}-1`) - mark(`${what}-0`) - (mark(`${what}-0`) - mark(`${what}-gap`));
      runs.push({
        saveMs: step("save"),
        restoreMs: step("restore"),
        dateStepMs: mark("save-0") - mark("save-gap"),
        processMs: run.ms,
        processCpuMs: run.cpuMs,
      });
      log(
        `  gantry run ${r + 1}/${GANTRY_RUNS}: save ${round(runs.at(-1).saveMs / 1000, 2)} s, restore ${round(runs.at(-1).restoreMs / 1000, 2)} s`,
      );
    }
    results.gantryRun = {
      noise: noiseSince(noise3, { loadAverage: true }),
      save: stats(runs.map((r) => r.saveMs)),
      restore: stats(runs.map((r) => r.restoreMs)),
      process: stats(runs.map((r) => r.processMs)),
      processCpu: stats(runs.map((r) => r.processCpuMs)),
      dateStep: stats(runs.map((r) => r.dateStepMs)),
      ratios: {
        saveWall: round(median(runs.map((r) => r.saveMs)) / median(samples.tarSave.map((s) => s.ms)), 2),
        restoreWall: round(
          median(runs.map((r) => r.restoreMs)) / median(samples.tarRestore.map((s) => s.ms)),
          2,
        ),
      },
    };
  }
} finally {
  if (!opts.keep) rmSync(tmpRoot, { recursive: true, force: true });
}
results.machine.loadAverageAtEnd = loadavg().map((x) => round(x, 2));
results.machine.pressureAtEnd = { cpu: pressure("cpu"), io: pressure("io"), memory: pressure("memory") };

writeResults(opts.out, results, ROOT);

// ---------------------------------------------------------------------------------------------
// Report

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const pair = (st) => `${s(st.medianMs)} / ${s(st.bestMs)}`;
const rows = [["", "wall (median / best)", "CPU (median / best)", "× tar (wall / CPU)"]];
const add = (name, f, r) => rows.push([name, pair(f.wall), pair(f.cpu), r]);
add("gantry save", results.save.gantry, `${results.ratios.saveWall} / ${results.ratios.saveCpu}`);
rows.push(["  resolving the path alone", pair(results.save.gantry.list), "", ""]);
add("tar | zstd -T0", results.save.tar, "");
add("gantry restore", results.restore.gantry, `${results.ratios.restoreWall} / ${results.ratios.restoreCpu}`);
add("zstd -d | tar -x", results.restore.tar, "");
for (const [k, v] of Object.entries(results.stages).filter(([k]) => k !== "noise" && k !== "commands"))
  add(`stage: ${results.stages.commands[k]}`, v, "");
if (results.gantryRun) {
  const g = results.gantryRun;
  rows.push(["gantry run: actions/cache/save", pair(g.save), "", `${g.ratios.saveWall}`]);
  rows.push(["gantry run: actions/cache/restore", pair(g.restore), "", `${g.ratios.restoreWall}`]);
}
console.log(table(rows));
console.log(
  `tree: ${treeInfo.files} files, ${treeInfo.bytes} B (${treeInfo.compressibleBytes} B compressible); archives: gantry ${results.save.gantry.archiveBytes} B, tar ${results.save.tar.archiveBytes} B`,
);
const n = results.noise;
console.log(
  `noise while measuring: other processes ${n?.otherProcessesCpuPercent} % CPU, CPU pressure ${n?.cpuPressurePercent} %, load ${n?.loadAverage1m}`,
);
console.log(`gantry ${gantryCommit}; results in ${opts.out}`);
