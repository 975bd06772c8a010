#!/usr/bin/env node
// Cache save and restore benchmark (`npm run bench:cache`). It writes a tree of 50,000 files /
// 500 MB (bench/cache-tree.mjs: a node_modules-like folder of small files, most of them
// compressible, and a few large ones, half of which do not compress; the same bytes for the same
// --seed) and measures, round after round, on that tree:
//   gantry save     what actions/cache's save does, in this process: saveEntry
//                   (src/actions/cache-action.ts) resolves `path: tree` and hands the match to
//                   FsCacheStore.save (src/cache/), which runs tar and zstd; bundled with esbuild;
//   tar save        `tar --posix -cf - tree | zstd -T0 > archive`: the same format as gantry's
//                   entries (pax, as @actions/cache writes them) and the same compressor;
//   gantry restore  restoreEntry, which finds the entry and has FsCacheStore.restore extract it
//                   into an empty folder;
//   tar restore     `zstd -d -T0 -c ARCHIVE | tar -xf -` into an empty folder, where ARCHIVE is the
//                   very file gantry's store holds for this round's entry (hard-linked out of it):
//                   the same bytes, so gantry / tar is gantry's overhead over the archive tool;
//   references      (not in the ratios) the same two in GNU tar's default format, as the bench
//                   measured them before 2026-12-06 (`tar -cf - tree | zstd -T0`, and its
//                   restore): what the pax format costs; and the tar command gantry's restore
//                   runs, with its options (`--record-size=1M`, `zstd -d --no-asyncio`), from
//                   bash: what those options alone give, and gantry / it is Node's part alone;
// all of them taking turns (the order reverses round by round), after a warm-up round that also
// checks every restore gives back the tree, so the source tree is in the page cache and a change
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
//          --gantry-runs N (3)  --stage-runs N (3)  --no-references (skip the GNU-format and
//          record-size rows)  --dir DIR (where the store, archives and restores go; default the
//          temp dir: /dev/shm keeps the disk out)  --tree DIR (reuse or create the tree there; kept)
//          --keep (leave the temp dir)  --no-build  --out FILE
//          --base DIR (another checkout, e.g. main in a worktree of its own: its restoreEntry, reading
//          the same store, measured in the same rounds as "base restore")
import { execFileSync } from "node:child_process";
import {
  existsSync,
  linkSync,
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
    "stage-runs": { type: "string", default: "3" },
    "no-references": { type: "boolean", default: false },
    base: { type: "string" },
    dir: { type: "string" },
    tree: { type: "string" },
    keep: { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "cache-results.json") },
  },
});
const RUNS = Number(opts.runs);
const GANTRY_RUNS = Number(opts["gantry-runs"]);
const STAGE_RUNS = Number(opts["stage-runs"]);
const REFERENCES = !opts["no-references"];
const TREE_SPEC = { files: Number(opts.files), bytes: Number(opts.bytes), seed: Number(opts.seed) };
if (
  !(RUNS >= 1) ||
  !(GANTRY_RUNS >= 0) ||
  !(STAGE_RUNS >= 0) ||
  !(TREE_SPEC.files >= 2) ||
  !(TREE_SPEC.bytes >= TREE_SPEC.files)
)
  throw new Error("--runs ≥ 1, --gantry-runs ≥ 0, --stage-runs ≥ 0, --files ≥ 2 and --bytes ≥ --files");

const tmpRoot = mkdtempSync(join(opts.dir ? resolve(opts.dir) : tmpdir(), "gantry-bench-cache-"));
const env = childEnv({ GANTRY_HOME: join(tmpRoot, "gantry-home") });

// ---------------------------------------------------------------------------------------------
// The code measured: src/cache and the path resolution of src/actions, bundled as they are now.

async function loadGantry(root = ROOT, name = "gantry-cache") {
  const entry = join(tmpRoot, `${name}.ts`);
  writeFileSync(
    entry,
    `export { FsCacheStore } from ${JSON.stringify(join(root, "src/cache/index.ts"))};\n` +
      `export { resolvePaths } from ${JSON.stringify(join(root, "src/actions/path-patterns.ts"))};\n` +
      `export { cacheVersion, restoreEntry, saveEntry } from ${JSON.stringify(join(root, "src/actions/cache-action.ts"))};\n` +
      (root === ROOT
        ? `export { zstdDecompressor } from ${JSON.stringify(join(root, "src/cache/tar.ts"))};\n`
        : ""),
  );
  return importBundled(entry, join(tmpRoot, `${name}.mjs`), ROOT);
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
/** The decompressor gantry's restore has tar start (src/cache/tar.ts, zstdDecompressor). */
let DECOMPRESSOR = "zstd -d";

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

const { FsCacheStore, resolvePaths, saveEntry, restoreEntry, cacheVersion, zstdDecompressor } =
  await loadGantry();
DECOMPRESSOR = zstdDecompressor(execFileSync("zstd", ["-H"], { encoding: "utf8" }));
const store = new FsCacheStore({ root: join(tmpRoot, "store"), compression: "zstd-without-long" });
/** --base: another checkout's restore, reading the same store (its layout is the same), in the same rounds. */
const base = opts.base && (await loadGantry(resolve(opts.base), "base-cache"));
const baseStore =
  base && new base.FsCacheStore({ root: join(tmpRoot, "store"), compression: "zstd-without-long" });
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
const gnuArchive = join(tmpRoot, "gnu.tar.zst");
/** This round's entry archive, hard-linked out of gantry's store: what the tar restore extracts. */
const entryArchive = join(tmpRoot, "entry.tar.zst");
const plainTar = join(tmpRoot, "plain.tar");
const restoreDir = (who) => join(tmpRoot, `restore-${who}`);
const clean = (dir) => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
};
/** The archive file of the entry saved under `key` (entries/<scope>/<version>/<key>/ in the store). */
function storedArchive(key) {
  const entries = join(tmpRoot, "store", "entries");
  for (const scope of readdirSync(entries))
    for (const version of readdirSync(join(entries, scope)))
      for (const id of readdirSync(join(entries, scope, version))) {
        const dir = join(entries, scope, version, id);
        if (JSON.parse(readFileSync(join(dir, "entry.json"), "utf8")).key === key)
          return join(dir, "archive");
      }
  throw new Error(`no stored entry ${key}`);
}
/** `zstd -d | tar -x` of `from` into `to` (emptied first), with extra tar options. */
async function tarExtract(what, from, to, tarOptions = "") {
  clean(to);
  sync();
  const r = await shell(what, `zstd -d -T0 -q -c ${quote(from)} | tar -x${tarOptions} -f - -C ${quote(to)}`);
  return { ms: r.ms, cpuMs: r.cpuMs };
}

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
    rmSync(entryArchive, { force: true });
    linkSync(storedArchive(key), entryArchive);
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
      `tar --posix -cf - -C ${quote(workspace)} tree | zstd -T0 -q > ${quote(archive)}`,
    );
    return { ms: r.ms, cpuMs: r.cpuMs, bytes: statSync(archive).size };
  },
  async gnuSave() {
    rmSync(gnuArchive, { force: true });
    sync();
    const r = await shell(
      "GNU-format save",
      `tar -cf - -C ${quote(workspace)} tree | zstd -T0 -q > ${quote(gnuArchive)}`,
    );
    return { ms: r.ms, cpuMs: r.cpuMs, bytes: statSync(gnuArchive).size };
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
  async baseRestore(round_) {
    const to = restoreDir("base");
    clean(to);
    sync();
    const r = await inProcess(() =>
      base.restoreEntry(request(to), baseStore, { key: `tree-${round_}`, paths: ["tree"] }),
    );
    if (r.value?.key !== `tree-${round_}`) throw new Error("base restore: no entry");
    return { ms: r.ms, cpuMs: r.cpuMs };
  },
  tarRestore: () => tarExtract("tar restore", entryArchive, restoreDir("tar")),
  gnuRestore: () => tarExtract("GNU-format restore", gnuArchive, restoreDir("gnu")),
  async sameOptionsRestore() {
    const to = restoreDir("same");
    clean(to);
    sync();
    const r = await shell(
      "tar restore with gantry's options",
      `tar --extract --file ${quote(entryArchive)} --use-compress-program ${quote(DECOMPRESSOR)} --record-size=1M -P -C ${quote(to)}`,
    );
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
    tarSave: "tar --posix -cf - -C WS tree | zstd -T0 -q > ARCHIVE",
    tarRestore:
      "zstd -d -T0 -q -c ENTRY-ARCHIVE | tar -xf - -C EMPTY (ENTRY-ARCHIVE: gantry's entry of the round)",
    gnuSave: "tar -cf - -C WS tree | zstd -T0 -q > GNU-ARCHIVE (reference: GNU tar's default format)",
    gnuRestore: "zstd -d -T0 -q -c GNU-ARCHIVE | tar -xf - -C EMPTY (reference)",
    sameOptionsRestore: `tar --extract --file ENTRY-ARCHIVE --use-compress-program "${DECOMPRESSOR}" --record-size=1M -P -C EMPTY (reference: gantry's tar command, from bash)`,
  },
};

try {
  // ---------------------------------------------------------------------------------------------
  // 1. Save and restore, gantry against tar + zstd, round by round (round 0 warms up and checks)

  const saves = ["gantrySave", "tarSave", ...(REFERENCES ? ["gnuSave"] : [])];
  const restores = [
    "gantryRestore",
    "tarRestore",
    ...(base ? ["baseRestore"] : []),
    ...(REFERENCES ? ["gnuRestore", "sameOptionsRestore"] : []),
  ];
  const samples = Object.fromEntries([...saves, ...restores].map((op) => [op, []]));
  const noise1 = startCpuReading();
  for (let r = 0; r <= RUNS; r++) {
    // Saves first (the restores need this round's archives), each group's order reversed every
    // other round.
    const order = r % 2 ? [...saves.toReversed(), ...restores.toReversed()] : [...saves, ...restores];
    const got = {};
    for (const op of order) got[op] = await ops[op](r);
    if (r === 0) {
      for (const op of restores) {
        const who = {
          gantryRestore: "gantry",
          tarRestore: "tar",
          baseRestore: "base",
          gnuRestore: "gnu",
          sameOptionsRestore: "same",
        }[op];
        sameTree(tree, join(restoreDir(who), "tree"), op);
      }
      log("warm-up round done; every restore gives back the tree");
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
  /** The ratio of the medians, and the median of the ratios within each round (both sides under the same load). */
  const perRound = (g, t) => round(median(g.map((s, i) => s.ms / t[i].ms)), 2);
  results.ratios = {
    saveWall: ratio(samples.gantrySave, samples.tarSave, "ms"),
    saveCpu: ratio(samples.gantrySave, samples.tarSave, "cpuMs"),
    saveWallPerRound: perRound(samples.gantrySave, samples.tarSave),
    restoreWall: ratio(samples.gantryRestore, samples.tarRestore, "ms"),
    restoreCpu: ratio(samples.gantryRestore, samples.tarRestore, "cpuMs"),
    restoreWallPerRound: perRound(samples.gantryRestore, samples.tarRestore),
  };
  if (base) {
    results.restore.base = {
      checkout: resolve(opts.base),
      commit: benchCommit(resolve(opts.base)),
      ...figure("baseRestore"),
    };
    results.ratios.baseRestoreWall = ratio(samples.baseRestore, samples.tarRestore, "ms");
    results.ratios.baseRestoreCpu = ratio(samples.baseRestore, samples.tarRestore, "cpuMs");
    results.ratios.baseRestoreWallPerRound = perRound(samples.baseRestore, samples.tarRestore);
  }
  if (REFERENCES) {
    results.references = {
      gnuSave: { ...figure("gnuSave"), archiveBytes: samples.gnuSave[0].bytes },
      gnuRestore: figure("gnuRestore"),
      sameOptionsRestore: figure("sameOptionsRestore"),
    };
    Object.assign(results.ratios, {
      // What the pax format costs the archive tool itself (tar --posix / GNU format).
      paxOverGnuSaveWall: ratio(samples.tarSave, samples.gnuSave, "ms"),
      paxOverGnuRestoreWall: ratio(samples.tarRestore, samples.gnuRestore, "ms"),
      paxOverGnuRestoreCpu: ratio(samples.tarRestore, samples.gnuRestore, "cpuMs"),
      // gantry against the very tar command it runs, run from bash: Node's part alone.
      restoreWallOverSameOptions: ratio(samples.gantryRestore, samples.sameOptionsRestore, "ms"),
      restoreCpuOverSameOptions: ratio(samples.gantryRestore, samples.sameOptionsRestore, "cpuMs"),
      // What gantry's tar options give the tool (the default pipeline / gantry's command).
      defaultOverSameOptionsWall: ratio(samples.tarRestore, samples.sameOptionsRestore, "ms"),
      // What GNU tar's default format restore was to the bench before 2026-12-06.
      restoreWallOverGnu: ratio(samples.gantryRestore, samples.gnuRestore, "ms"),
    });
  }

  // ---------------------------------------------------------------------------------------------
  // 2. Where the time goes: each stage alone

  const parts = { tarCreate: [], zstdCompress: [], zstdDecompress: [], tarExtract: [] };
  const noise2 = startCpuReading();
  for (let r = 0; r < STAGE_RUNS; r++) {
    sync();
    parts.tarCreate.push(
      await shell("tar create", `tar --posix -cf - -C ${quote(workspace)} tree | cat > ${quote(plainTar)}`),
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
  if (STAGE_RUNS > 0)
    results.stages = {
      noise: noiseSince(noise2, { loadAverage: true }),
      commands: {
        tarCreate: "tar --posix -cf - -C WS tree | cat > PLAIN.tar",
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
  rmSync(restoreDir("gnu"), { recursive: true, force: true });
  rmSync(restoreDir("same"), { recursive: true, force: true });
  rmSync(restoreDir("base"), { recursive: true, force: true });
  rmSync(gnuArchive, { force: true });

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
add(
  "gantry save",
  results.save.gantry,
  `${results.ratios.saveWall} / ${results.ratios.saveCpu} (per round ${results.ratios.saveWallPerRound})`,
);
rows.push(["  resolving the path alone", pair(results.save.gantry.list), "", ""]);
add("tar --posix | zstd -T0", results.save.tar, "");
add(
  "gantry restore",
  results.restore.gantry,
  `${results.ratios.restoreWall} / ${results.ratios.restoreCpu} (per round ${results.ratios.restoreWallPerRound})`,
);
add("zstd -d | tar -x (gantry's entry)", results.restore.tar, "");
if (results.restore.base)
  add(
    `base restore (${results.restore.base.commit})`,
    results.restore.base,
    `${results.ratios.baseRestoreWall} / ${results.ratios.baseRestoreCpu} (per round ${results.ratios.baseRestoreWallPerRound})`,
  );
if (results.references) {
  const x = results.references;
  add("ref: GNU format, tar -cf - | zstd -T0", x.gnuSave, `pax/GNU ${results.ratios.paxOverGnuSaveWall}`);
  add("ref: GNU format, zstd -d | tar -x", x.gnuRestore, `pax/GNU ${results.ratios.paxOverGnuRestoreWall}`);
  add(
    "ref: gantry's tar command, from bash",
    x.sameOptionsRestore,
    `gantry/this ${results.ratios.restoreWallOverSameOptions} / ${results.ratios.restoreCpuOverSameOptions}`,
  );
}
for (const [k, v] of Object.entries(results.stages ?? {}).filter(([k]) => k !== "noise" && k !== "commands"))
  add(`stage: ${results.stages.commands[k]}`, v, "");
if (results.gantryRun) {
  const g = results.gantryRun;
  rows.push(["gantry run: actions/cache/save", pair(g.save), "", `${g.ratios.saveWall}`]);
  rows.push(["gantry run: actions/cache/restore", pair(g.restore), "", `${g.ratios.restoreWall}`]);
}
console.log(table(rows));
console.log(
  `tree: ${treeInfo.files} files, ${treeInfo.bytes} B (${treeInfo.compressibleBytes} B compressible); archives: gantry ${results.save.gantry.archiveBytes} B, tar --posix ${results.save.tar.archiveBytes} B${results.references ? `, GNU format ${results.references.gnuSave.archiveBytes} B` : ""}`,
);
const n = results.noise;
console.log(
  `noise while measuring: other processes ${n?.otherProcessesCpuPercent} % CPU, CPU pressure ${n?.cpuPressurePercent} %, load ${n?.loadAverage1m}`,
);
console.log(`gantry ${gantryCommit}; results in ${opts.out}`);
