#!/usr/bin/env node
// gantry benchmarks (`npm run bench`). One run measures, on temp git repositories it creates:
//   1. start-up: from spawning `node bin/gantry.js run` to the first step's process, against
//      the floor of a Node process that does nothing but spawn that step;
//   2. a chain of 100 jobs (job i needs job i-1) of `run: "true"`: wall time, the steps' own
//      time (100 sequential `bash -e` spawns of the same script), engine overhead per job and
//      peak memory of the gantry process;
//   3. the same chain as a turbo task graph (100 workspace packages, `turbo run t
//      --concurrency=1`, caching off), side by side with gantry.
// It prints a table and writes every number it measured to bench/results.json.
// Timings are given as the median and the best of several runs; nothing here is asserted,
// and tests never check timings.
//
// Options: --startup-runs N (15)  --chain-runs N (5)  --turbo-runs N (3)  --jobs N (100)
//          --no-turbo  --no-build  --keep (leave the temp repos)  --out FILE
//          --base FILE: another build's bin/gantry.js (an older commit), measured in the same
//          rounds as this one in sections 1 and 2, so a change's cost is a difference in one run
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  benchCommit,
  chainWorkflow,
  childEnv,
  describeMachine,
  git as gitIn,
  log,
  makeGitRepo,
  mustSucceed,
  newestMtime,
  noiseSince,
  round,
  startCpuReading,
  stats,
  timed as timedChild,
  writeResults,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GANTRY = join(ROOT, "bin", "gantry.js");
const DIST = join(ROOT, "dist", "gantry.js");
const TURBO = join(ROOT, "node_modules", ".bin", "turbo");
const RSS_HOOK = join(ROOT, "bench", "peak-rss.mjs");
const GNU_TIME = "/usr/bin/time";

const { values: opts } = parseArgs({
  options: {
    "startup-runs": { type: "string", default: "15" },
    "chain-runs": { type: "string", default: "5" },
    "turbo-runs": { type: "string", default: "3" },
    jobs: { type: "string", default: "100" },
    "no-turbo": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "results.json") },
    base: { type: "string" },
  },
});
const BASE = opts.base ? resolve(opts.base) : null;
const STARTUP_RUNS = Number(opts["startup-runs"]);
const CHAIN_RUNS = Number(opts["chain-runs"]);
const TURBO_RUNS = Number(opts["turbo-runs"]);
const JOBS = Number(opts.jobs);
const SMALL_CHAIN = 10; // a short chain, to separate the per-job cost from the fixed start-up cost

// ---------------------------------------------------------------------------------------------
// Helpers

// Wall-clock nanoseconds with sub-millisecond resolution, comparable with `date +%s%N` in a
// step. Date.now() alone has 1 ms resolution, so anchor the monotonic clock to the instant
// Date.now() ticks over.
const wallOffsetMs = (() => {
  const start = Date.now();
  let now = Date.now();
  while (now === start) now = Date.now();
  return now - performance.now();
})();
const wallNs = () => BigInt(Math.round((wallOffsetMs + performance.now()) * 1e6));

// Children get a quiet, deterministic environment (bench/measure.mjs: no npm_* variables, no
// NODE_EXTRA_CA_CERTS), gantry state in a temp dir, turbo without telemetry or update checks.
const tmpRoot = mkdtempSync(join(tmpdir(), "gantry-bench-"));
const baseEnv = childEnv({
  GANTRY_HOME: join(tmpRoot, "gantry-home"),
  TURBO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  TURBO_NO_UPDATE_NOTIFIER: "1",
});

/** Spawns a command with stdout discarded; resolves with its exit code, stderr and wall time. */
const timed = (command, args, { cwd, env = baseEnv } = {}) => timedChild(command, args, { cwd, env });
const git = (cwd, ...args) => gitIn(cwd, baseEnv, ...args);

/** A git repository with the given files, committed on `main`. */
const makeRepo = (name, files) => makeGitRepo(join(tmpRoot, name), files, baseEnv);

/** Peak RSS (KiB) of one gantry run: GNU time's %M when installed, and the in-process ru_maxrss. */
async function peakRss(cwd, extraEnv = {}) {
  const rssFile = join(tmpRoot, "rss.txt");
  const timeFile = join(tmpRoot, "time.txt");
  rmSync(rssFile, { force: true });
  rmSync(timeFile, { force: true });
  const env = { ...baseEnv, ...extraEnv, GANTRY_BENCH_RSS_FILE: rssFile };
  const nodeArgs = ["--import", RSS_HOOK, GANTRY, "run"];
  if (hasGnuTime) {
    await mustSucceed(
      "gantry run (memory)",
      timed(GNU_TIME, ["-f", "%M", "-o", timeFile, process.execPath, ...nodeArgs], { cwd, env }),
    );
  } else {
    await mustSucceed("gantry run (memory)", timed(process.execPath, nodeArgs, { cwd, env }));
  }
  return {
    gnuTimeKiB: hasGnuTime ? Number(readFileSync(timeFile, "utf8").trim().split("\n").pop()) : null,
    maxRssKiB: Number(readFileSync(rssFile, "utf8").trim()),
  };
}

function hasWorkingGnuTime() {
  try {
    execFileSync(GNU_TIME, ["-f", "%M", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const hasGnuTime = hasWorkingGnuTime();

// ---------------------------------------------------------------------------------------------
// 0. Build and describe the machine

if (!opts["no-build"]) {
  const stale = !existsSync(DIST) || newestMtime(join(ROOT, "src")) > statSync(DIST).mtimeMs;
  if (stale) {
    log("building dist/ (src/ is newer) …");
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
}
if (!existsSync(DIST)) throw new Error("dist/gantry.js is missing: run `npm run build`");

const gantryCommit = benchCommit(ROOT);
const machine = describeMachine();
log(`machine: ${machine.nproc} × ${machine.cpu}, node ${machine.node}, load ${machine.loadAverageAtStart}`);
log(`gantry: ${gantryCommit}; temp dir ${tmpRoot}`);

const results = {
  date: new Date().toISOString(),
  command: "npm run bench",
  gantryCommit,
  machine,
  settings: { startupRuns: STARTUP_RUNS, chainRuns: CHAIN_RUNS, turboRuns: TURBO_RUNS, jobs: JOBS },
};
if (BASE) {
  results.base = { gantry: BASE, commit: benchCommit(resolve(dirname(BASE), "..")) };
  log(`base: ${BASE} (${results.base.commit})`);
}

try {
  // -------------------------------------------------------------------------------------------
  // 1. Start-up: command start → first step's process

  log("\n[1/3] start-up to the first step …");
  const cpu1 = startCpuReading();
  const marker = join(tmpRoot, "marker");
  const markerStep = 'date +%s%N > "$MARKER"\n';
  const startupRepo = makeRepo("startup", {
    ".github/workflows/first-step.yml": `name: first-step\non: push\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${markerStep}`,
  });
  const markerScript = join(tmpRoot, "marker-step.sh");
  writeFileSync(markerScript, markerStep);
  const env = { ...baseEnv, MARKER: marker };

  /** Runs `command`, returning ms from just before the spawn to the step's `date` and to exit. */
  async function toMarker(what, command, args, runEnv = env) {
    rmSync(marker, { force: true });
    const t0 = wallNs();
    const r = await mustSucceed(what, timed(command, args, { cwd: startupRepo, env: runEnv }));
    const at = BigInt(readFileSync(marker, "utf8").trim());
    return { firstStepMs: Number(at - t0) / 1e6, exitMs: r.ms };
  }
  // Floors: bash spawned directly (the clock check: a few ms), a Node process that does
  // nothing but spawn the same step script, and `node -e ""` start to exit. The contenders
  // take turns, round by round, so a load change on the machine hits all of them alike.
  const contenders = {
    bashDirect: () => toMarker("bash", "bash", ["-e", markerScript]),
    nodeSpawn: () =>
      toMarker("node spawn floor", process.execPath, [
        "-e",
        'require("node:child_process").spawnSync("bash", ["-e", process.argv[1]], { stdio: "inherit" })',
        markerScript,
      ]),
    nodeEmpty: async () => ({
      exitMs: (await mustSucceed("node -e", timed(process.execPath, ["-e", ""]))).ms,
    }),
    gantry: () => toMarker("gantry run", process.execPath, [GANTRY, "run"]),
    // The base keeps its state, and so its code cache, apart: a start deletes the code caches of
    // other builds in its cache folder, so in one folder the two would each start without one.
    ...(BASE
      ? {
          base: () =>
            toMarker("base gantry run", process.execPath, [BASE, "run"], {
              ...env,
              GANTRY_HOME: join(tmpRoot, "gantry-home-base"),
            }),
        }
      : {}),
    // Where gantry's start-up goes: loading the bundle (`--version` does nothing else), then
    // parsing the workflow (`validate`: bundle + one git call + the parser and its schema).
    gantryVersion: async () => ({
      exitMs: (await mustSucceed("gantry --version", timed(process.execPath, [GANTRY, "--version"]))).ms,
    }),
    gantryValidate: async () => ({
      exitMs: (
        await mustSucceed(
          "gantry validate",
          timed(process.execPath, [GANTRY, "validate"], { cwd: startupRepo }),
        )
      ).ms,
    }),
  };
  const samples = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let pass = -1; pass < STARTUP_RUNS; pass++) {
    for (const [name, run] of Object.entries(contenders)) {
      const r = await run();
      if (pass >= 0) samples[name].push(r); // round -1 warms the page cache
    }
  }
  const startupMemory = await peakRss(startupRepo, { MARKER: marker });
  const firstStep = (name) => stats(samples[name].map((r) => r.firstStepMs));
  const gantryFirst = firstStep("gantry");
  const floorFirst = firstStep("nodeSpawn");
  results.startup = {
    noise: cpu1 && noiseSince(cpu1),
    targetMs: 300,
    gantryFirstStep: gantryFirst,
    gantryExit: stats(samples.gantry.map((r) => r.exitMs)),
    nodeSpawnFloorFirstStep: floorFirst,
    nodeEmptyExit: stats(samples.nodeEmpty.map((r) => r.exitMs)),
    bashDirectFirstStep: firstStep("bashDirect"),
    gantryVersionExit: stats(samples.gantryVersion.map((r) => r.exitMs)),
    gantryValidateExit: stats(samples.gantryValidate.map((r) => r.exitMs)),
    ratioToFloor: {
      median: round(gantryFirst.medianMs / floorFirst.medianMs, 2),
      best: round(gantryFirst.bestMs / floorFirst.bestMs, 2),
    },
    peakRss: startupMemory,
  };
  if (BASE) {
    const baseFirst = firstStep("base");
    results.startup.base = {
      firstStep: baseFirst,
      exit: stats(samples.base.map((r) => r.exitMs)),
      // this build − the base, round by round (both ran in every round, one after the other)
      addedFirstStepMs: stats(samples.gantry.map((r, i) => r.firstStepMs - samples.base[i].firstStepMs)),
      ratio: round(gantryFirst.medianMs / baseFirst.medianMs, 3),
    };
    log(`  base first step ${baseFirst.medianMs} ms (best ${baseFirst.bestMs})`);
  }
  log(
    `  gantry first step ${gantryFirst.medianMs} ms (best ${gantryFirst.bestMs}); node spawn floor ` +
      `${floorFirst.medianMs} ms (best ${floorFirst.bestMs}); bash direct ${results.startup.bashDirectFirstStep.medianMs} ms`,
  );

  // -------------------------------------------------------------------------------------------
  // 2. A chain of JOBS jobs

  log(`\n[2/3] ${JOBS}-job chain …`);
  const cpu2 = startCpuReading();
  const chainRepo = makeRepo("chain", { ".github/workflows/chain.yml": chainWorkflow(JOBS) });
  const smallRepo = makeRepo("chain-small", { ".github/workflows/chain.yml": chainWorkflow(SMALL_CHAIN) });

  // Verify once (unmeasured, also warms up) that every job ran and succeeded.
  const reportFile = join(tmpRoot, "chain-report.json");
  await mustSucceed(
    "gantry run (chain)",
    timed(process.execPath, [GANTRY, "run", "--report", reportFile], { cwd: chainRepo }),
  );
  const report = JSON.parse(readFileSync(reportFile, "utf8"));
  const jobs = report.runs.flatMap((r) => r.jobs);
  const succeeded = jobs.filter((j) => j.result === "success").length;
  if (jobs.length !== JOBS || succeeded !== JOBS) {
    throw new Error(`the chain ran ${jobs.length} jobs, ${succeeded} succeeded; expected ${JOBS}`);
  }

  // The steps' own time: the same script run JOBS times, one `bash -e` after another, spawned
  // from Node as gantry spawns it. Long chain, short chain and steps' own time take turns.
  const trueScript = join(tmpRoot, "true-step.sh");
  writeFileSync(trueScript, "true\n");
  const gantryRun = (what, cwd) => mustSucceed(what, timed(process.execPath, [GANTRY, "run"], { cwd }));
  await gantryRun("gantry run (short chain)", smallRepo);
  const baseEnvApart = { ...baseEnv, GANTRY_HOME: join(tmpRoot, "gantry-home-base") };
  const baseRun = (what, cwd) =>
    mustSucceed(what, timed(process.execPath, [BASE, "run"], { cwd, env: baseEnvApart }));
  if (BASE) await baseRun("base gantry run (short chain)", smallRepo);
  const chainWall = [];
  const smallWall = [];
  const stepsOwn = [];
  const baseChainWall = [];
  const baseSmallWall = [];
  for (let i = 0; i < CHAIN_RUNS; i++) {
    chainWall.push((await gantryRun("gantry run (chain)", chainRepo)).ms);
    smallWall.push((await gantryRun("gantry run (short chain)", smallRepo)).ms);
    if (BASE) {
      baseChainWall.push((await baseRun("base gantry run (chain)", chainRepo)).ms);
      baseSmallWall.push((await baseRun("base gantry run (short chain)", smallRepo)).ms);
    }
    const t0 = performance.now();
    for (let j = 0; j < JOBS; j++) await mustSucceed("bash -e true", timed("bash", ["-e", trueScript]));
    stepsOwn.push(performance.now() - t0);
  }

  const memory = [];
  for (let i = 0; i < 3; i++) memory.push(await peakRss(chainRepo));

  const wall = stats(chainWall);
  const steps = stats(stepsOwn);
  const short = stats(smallWall);
  // Per job: (wall − steps' own time) / jobs, as the target is defined. That charges gantry's
  // one-off start-up to the jobs; "excluding start-up" takes the measured time to the first
  // step out, and "marginal" compares the long chain with the short one.
  const overhead = (k, startup) => round((wall[k] - startup - steps[k]) / JOBS, 2);
  const marginal = (k) =>
    JOBS > SMALL_CHAIN ? round((wall[k] - short[k]) / (JOBS - SMALL_CHAIN) - steps[k] / JOBS, 2) : null;
  results.chain = {
    noise: cpu2 && noiseSince(cpu2),
    jobs: JOBS,
    targetOverheadPerJobMs: 15,
    wall,
    stepsOwn: steps,
    shortChain: { jobs: SMALL_CHAIN, wall: short },
    overheadPerJobMs: { median: overhead("medianMs", 0), best: overhead("bestMs", 0) },
    overheadPerJobExcludingStartupMs: {
      median: overhead("medianMs", results.startup.gantryFirstStep.medianMs),
      best: overhead("bestMs", results.startup.gantryFirstStep.bestMs),
    },
    marginalOverheadPerJobMs: { median: marginal("medianMs"), best: marginal("bestMs") },
    peakRss: {
      method: hasGnuTime
        ? "GNU time (/usr/bin/time -f %M) around node bin/gantry.js run; cross-checked by process.resourceUsage().maxRSS at exit (bench/peak-rss.mjs)"
        : "process.resourceUsage().maxRSS written at exit by bench/peak-rss.mjs (GNU time is not installed: apt-get install time)",
      maxKiB: Math.max(...memory.map((m) => m.gnuTimeKiB ?? m.maxRssKiB)),
      runs: memory,
    },
  };
  if (BASE) {
    const baseWall = stats(baseChainWall);
    results.chain.base = {
      wall: baseWall,
      shortChain: stats(baseSmallWall),
      // (this build − the base) / jobs, round by round
      addedPerJobMs: stats(chainWall.map((w, i) => (w - baseChainWall[i]) / JOBS)),
      ratio: round(wall.medianMs / baseWall.medianMs, 3),
    };
    log(`  base ${baseWall.medianMs} ms wall (best ${baseWall.bestMs})`);
  }
  log(
    `  gantry ${wall.medianMs} ms wall (best ${wall.bestMs}); steps' own ${steps.medianMs} ms; ` +
      `overhead ${results.chain.overheadPerJobMs.median} ms/job; peak RSS ${results.chain.peakRss.maxKiB} KiB`,
  );

  // -------------------------------------------------------------------------------------------
  // 3. turbo: the same graph as a task graph

  if (opts["no-turbo"]) {
    results.turbo = { skipped: "--no-turbo" };
  } else if (!existsSync(TURBO)) {
    results.turbo = { skipped: `${TURBO} is missing: run npm install (turbo is a devDependency)` };
  } else {
    log(`\n[3/3] turbo, the same ${JOBS}-task chain …`);
    const cpu3 = startCpuReading();
    const npmVersion = execFileSync("npm", ["--version"], { encoding: "utf8", env: baseEnv }).trim();
    const pad = (i) => String(i).padStart(3, "0");
    const tasks = { t: { cache: false } };
    for (let i = 2; i <= JOBS; i++) tasks[`p${pad(i)}#t`] = { cache: false, dependsOn: [`p${pad(i - 1)}#t`] };
    const files = {
      "package.json": `${JSON.stringify(
        {
          name: "turbo-chain",
          private: true,
          packageManager: `npm@${npmVersion}`,
          workspaces: ["packages/*"],
        },
        null,
        2,
      )}\n`,
      "turbo.json": `${JSON.stringify({ $schema: "https://turbo.build/schema.json", tasks }, null, 2)}\n`,
      ".gitignore": "node_modules\n.turbo\n",
    };
    for (let i = 1; i <= JOBS; i++) {
      files[`packages/p${pad(i)}/package.json`] = `${JSON.stringify(
        { name: `p${pad(i)}`, version: "1.0.0", private: true, scripts: { t: "true" } },
        null,
        2,
      )}\n`;
    }
    const mono = makeRepo("turbo-chain", files);
    // A lockfile and workspace links, offline: the packages have no dependencies.
    execFileSync(
      "npm",
      ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
      {
        cwd: mono,
        env: baseEnv,
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    git(mono, "add", "-A");
    git(mono, "commit", "-q", "-m", "lockfile");
    const turboVersion = execFileSync(TURBO, ["--version"], {
      cwd: mono,
      env: baseEnv,
      encoding: "utf8",
    }).trim();
    const turboArgs = ["run", "t", "--concurrency=1", "--force", "--output-logs=none", "--ui=stream"];

    // turbo runs each task as `npm run t` in its package: that is its steps' own time. Each
    // round runs turbo, gantry on the same chain, and `npm run t` 10 times, so the ratio
    // compares runs made under the same load. turbo keeps no cache here (cache: false and
    // --force), so there is nothing to warm but the page cache, which `npm install` did.
    const npmRunT = () =>
      mustSucceed("npm run t", timed("npm", ["run", "t"], { cwd: join(mono, "packages", "p001") }));
    await npmRunT();
    const turboWall = [];
    const gantrySideBySide = [];
    const npmRun = [];
    for (let i = 0; i < TURBO_RUNS; i++) {
      turboWall.push((await mustSucceed("turbo run", timed(TURBO, turboArgs, { cwd: mono }))).ms);
      gantrySideBySide.push((await gantryRun("gantry run (chain)", chainRepo)).ms);
      for (let j = 0; j < 10; j++) npmRun.push((await npmRunT()).ms);
    }
    const turbo = stats(turboWall);
    const gantrySame = stats(gantrySideBySide);
    const npmRunT1 = stats(npmRun);
    results.turbo = {
      noise: cpu3 && noiseSince(cpu3),
      version: turboVersion,
      npm: npmVersion,
      command: `turbo ${turboArgs.join(" ")}`,
      tasks: JOBS,
      wall: turbo,
      gantryWallSameRounds: gantrySame,
      npmRunTrue: npmRunT1,
      // Median only: the best of 30 `npm run t` times 100 is not a sum any turbo run achieved.
      overheadPerTaskMs: round((turbo.medianMs - JOBS * npmRunT1.medianMs) / JOBS, 2),
      ratioGantryToTurbo: {
        median: round(gantrySame.medianMs / turbo.medianMs, 3),
        best: round(gantrySame.bestMs / turbo.bestMs, 3),
      },
    };
    log(
      `  turbo ${turbo.medianMs} ms wall (npm run t ${npmRunT1.medianMs} ms each); gantry ${gantrySame.medianMs} ms; ` +
        `gantry/turbo ${results.turbo.ratioGantryToTurbo.median}`,
    );
  }
  results.machine.loadAverageAtEnd = loadavg().map((x) => round(x, 2));
} finally {
  if (!opts.keep) rmSync(tmpRoot, { recursive: true, force: true });
}

writeResults(opts.out, results, ROOT);

// -------------------------------------------------------------------------------------------------
// The table

const s = results.startup;
const c = results.chain;
const t = results.turbo;
const ms = (x) => `${x} ms`;
const rows = [
  ["measure", "median", "best", "target / floor", "ratio (median, best)"],
  [
    "start → first step's process",
    ms(s.gantryFirstStep.medianMs),
    ms(s.gantryFirstStep.bestMs),
    `< ${s.targetMs} ms`,
    `${s.ratioToFloor.median}×, ${s.ratioToFloor.best}× floor`,
  ],
  [
    "  floor: node -e spawnSync(step)",
    ms(s.nodeSpawnFloorFirstStep.medianMs),
    ms(s.nodeSpawnFloorFirstStep.bestMs),
    "",
    "",
  ],
  ['  node -e "" start → exit', ms(s.nodeEmptyExit.medianMs), ms(s.nodeEmptyExit.bestMs), "", ""],
  [
    "  gantry --version start → exit",
    ms(s.gantryVersionExit.medianMs),
    ms(s.gantryVersionExit.bestMs),
    "",
    "",
  ],
  [
    "  gantry validate start → exit",
    ms(s.gantryValidateExit.medianMs),
    ms(s.gantryValidateExit.bestMs),
    "",
    "",
  ],
  ["  gantry run start → exit", ms(s.gantryExit.medianMs), ms(s.gantryExit.bestMs), "", ""],
  [
    "  bash spawned directly → its date",
    ms(s.bashDirectFirstStep.medianMs),
    ms(s.bashDirectFirstStep.bestMs),
    "clock check",
    "",
  ],
  [`${c.jobs}-job chain, wall`, ms(c.wall.medianMs), ms(c.wall.bestMs), "", ""],
  [`  steps' own time (${c.jobs} × bash -e)`, ms(c.stepsOwn.medianMs), ms(c.stepsOwn.bestMs), "", ""],
  [
    "  engine overhead per job",
    ms(c.overheadPerJobMs.median),
    ms(c.overheadPerJobMs.best),
    `< ${c.targetOverheadPerJobMs} ms`,
    "",
  ],
  [
    "  … excluding the one-off start-up",
    ms(c.overheadPerJobExcludingStartupMs.median),
    ms(c.overheadPerJobExcludingStartupMs.best),
    "",
    "",
  ],
  [
    `  … marginal (${c.jobs} vs ${c.shortChain.jobs} jobs)`,
    ms(c.marginalOverheadPerJobMs.median),
    ms(c.marginalOverheadPerJobMs.best),
    "",
    "",
  ],
  [
    `  peak RSS (${hasGnuTime ? "GNU time %M" : "ru_maxrss"}), max`,
    `${(c.peakRss.maxKiB / 1024).toFixed(1)} MiB`,
    "",
    "",
    "",
  ],
  [
    "  peak RSS, one-job workflow",
    `${((s.peakRss.gnuTimeKiB ?? s.peakRss.maxRssKiB) / 1024).toFixed(1)} MiB`,
    "",
    "",
    "",
  ],
];
if (s.base) {
  rows.push(
    [
      "base build: start → first step",
      ms(s.base.firstStep.medianMs),
      ms(s.base.firstStep.bestMs),
      "",
      `this / base ${s.base.ratio}; added ${s.base.addedFirstStepMs.medianMs} ms`,
    ],
    [
      `base build: ${c.jobs}-job chain, wall`,
      ms(c.base.wall.medianMs),
      ms(c.base.wall.bestMs),
      "",
      `this / base ${c.base.ratio}; added ${c.base.addedPerJobMs.medianMs} ms/job`,
    ],
  );
}
if (t.skipped) {
  rows.push(["turbo", "skipped", "", t.skipped, ""]);
} else {
  rows.push(
    [`same chain, turbo ${t.version}`, ms(t.wall.medianMs), ms(t.wall.bestMs), "", ""],
    [
      "  gantry, same rounds",
      ms(t.gantryWallSameRounds.medianMs),
      ms(t.gantryWallSameRounds.bestMs),
      "",
      `gantry/turbo ${t.ratioGantryToTurbo.median}, ${t.ratioGantryToTurbo.best}`,
    ],
    ["  turbo's `npm run t`, one task", ms(t.npmRunTrue.medianMs), ms(t.npmRunTrue.bestMs), "", ""],
    ["  turbo overhead per task", ms(t.overheadPerTaskMs), "", "", ""],
  );
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) =>
  r
    .map((cell, i) => cell.padEnd(widths[i]))
    .join("  ")
    .trimEnd();
process.stdout.write(`\n${line(rows[0])}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);
const noise = [
  ["start-up", s.noise],
  ["chain", c.noise],
  ["turbo", t.noise],
].filter(([, v]) => v);
if (noise.length > 0) {
  process.stdout.write(
    "\nNoise while each section ran, as CPU used by other processes / time some task waited for a CPU " +
      `(both ≈ 0 % on a quiet machine): ${noise
        .map(([k, v]) => `${k} ${v.otherProcessesCpuPercent} % / ${v.cpuPressurePercent ?? "?"} %`)
        .join(", ")}\n`,
  );
}
process.stdout.write(
  `\n${machine.nproc} × ${machine.cpu}, node ${machine.node}, load ${machine.loadAverageAtStart} → ` +
    `${machine.loadAverageAtEnd}; results in ${opts.out}\n`,
);
