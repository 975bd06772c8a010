#!/usr/bin/env node
// What the bubblewrap sandbox adds to a job (`npm run bench:sandbox`, issue 12). One run measures,
// each section's contenders taking turns round by round so a change of load hits them alike:
//   1. floors and parts, spawned from this process: `true`; `bwrap … true` with one more option at a
//      time (--unshare-pid, --dev /dev, --proc /proc); the job's keeper (JobSandbox.start of
//      src/sandbox, bundled with esbuild, as gantry run lays a job out); and one step's own process
//      line (JobSandbox.command: joined to the keeper's PID namespace, gantry's mounts), also without
//      --proc, without --dev and with `--ro-bind / /` as its only mount, to see where its time goes;
//   2. a job's start: `gantry run` of a one-job, one-step workflow, --isolation none vs sandbox:
//      spawn → the step's `date +%s%N`, → its first output line read from gantry's stdout, → exit;
//   3. the 100-job chain of bench/run.mjs (job i needs job i-1, `run: "true"`), none vs sandbox,
//      and 100 × `bash -e` of the same script (the steps' own time);
//   4. `gantry serve`: a workflow_dispatch → the step's `date +%s%N`, one event at a time, on two
//      servers started side by side, `runners: {isolation: none}` and the default (the sandbox).
// It prints the figures and writes them to bench/sandbox-results.json. Nothing is asserted, and
// tests never check timings.
//
// Options: --rounds N (40, section 1)  --start-runs N (15)  --chain-runs N (5)  --jobs N (100)
//          --events N (30, per server)  --sections 1,2,3,4  --no-build  --keep  --out FILE
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  apiClient,
  benchCommit,
  benchDir,
  chainWorkflow,
  childEnv,
  childrenCpuMs,
  describeMachine,
  git as gitIn,
  importBundled,
  log,
  makeGitRepo,
  median,
  mustSucceed,
  newestMtime,
  noiseSince,
  pressure,
  round,
  startCpuReading,
  startGantryServe,
  stats,
  table,
  timed as timedChild,
  writeResults,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GANTRY = join(ROOT, "bin", "gantry.js");
const DIST = join(ROOT, "dist", "gantry.js");
const TOKEN = "bench-admin-token";

const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: "40" },
    "start-runs": { type: "string", default: "15" },
    "chain-runs": { type: "string", default: "5" },
    jobs: { type: "string", default: "100" },
    events: { type: "string", default: "30" },
    sections: { type: "string", default: "1,2,3,4" },
    "no-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "sandbox-results.json") },
  },
});
const ROUNDS = Number(opts.rounds);
const START_RUNS = Number(opts["start-runs"]);
const CHAIN_RUNS = Number(opts["chain-runs"]);
const JOBS = Number(opts.jobs);
const EVENTS = Number(opts.events);
const SECTIONS = new Set(opts.sections.split(",").map((x) => x.trim()));
const TARGET_MS = 10; // issue 12: what the sandbox may add to a job's start

// ---------------------------------------------------------------------------------------------
// Helpers

// Wall-clock nanoseconds with sub-millisecond resolution, comparable with `date +%s%N` in a step
// (as bench/run.mjs): the monotonic clock anchored to the instant Date.now() ticks over.
const wallOffsetMs = (() => {
  const start = Date.now();
  let now = Date.now();
  while (now === start) now = Date.now();
  return now - performance.now();
})();
const wallMs = () => wallOffsetMs + performance.now();
const nsToWallMs = (ns) => Number(BigInt(ns) / 1000n) / 1000;

const tmpRoot = benchDir("gantry-sandboxbench-");
const env = childEnv({ GANTRY_HOME: join(tmpRoot, "gantry-home"), GANTRY_ADMIN_TOKEN: TOKEN });
const timed = (command, args, o = {}) => timedChild(command, args, { env, ...o });
/** What a sandboxed step sees as its PID 1 (/proc/1/comm): the job's launcher, or the keeper's bwrap. */
const SANDBOX_INITS = ["gantry-launcher", "bwrap"];
const git = (cwd, ...args) => gitIn(cwd, env, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The q-quantile (0..1) of a series, nearest-rank. */
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
/** Median, best, p90 and max of a series (ms). */
const spread = (xs) => ({ ...stats(xs), p90Ms: round(quantile(xs, 0.9)), maxMs: round(Math.max(...xs)) });

const makeRepo = (name, files) => makeGitRepo(join(tmpRoot, name), files, env);

/** Spawns `command` with `fds` as its fd 3 (and 4); resolves at its close with the wall time to its exit. */
function spawnTimed(command, args, fds = [], cwd = tmpRoot) {
  return new Promise((done, reject) => {
    let stderr = "";
    let exitAt = 0;
    let code = null;
    const t0 = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "ignore", "pipe", ...fds] });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("exit", (c, signal) => {
      exitAt = performance.now();
      code = c ?? signal;
    });
    child.on("close", () => {
      if (code !== 0) reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr}`));
      else done(exitAt - t0);
    });
  });
}

/** Sums parts' wall (median, best) and CPU (mean): `plus` − `minus`, and `cpuOnly` to the CPU. */
function addUp(parts, plus, minus, cpuOnly = []) {
  const sum = (k, ks) => ks.reduce((a, n) => a + parts[n][k], 0);
  return {
    medianMs: round(sum("medianMs", plus) - sum("medianMs", minus)),
    bestMs: round(sum("bestMs", plus) - sum("bestMs", minus)),
    cpuMs: round(sum("cpuMeanMs", [...plus, ...cpuOnly]) - sum("cpuMeanMs", minus), 2),
  };
}

/** `args` without the option `name` and its `arity` values (every occurrence). */
function withoutOption(args, name, arity) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) i += arity;
    else out.push(args[i]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Build, and the sandbox's own code (src/sandbox bundled with esbuild, as bench/cache.mjs does)

if (!opts["no-build"]) {
  if (!existsSync(DIST) || newestMtime(join(ROOT, "src")) > statSync(DIST).mtimeMs) {
    log("building dist/ (src/ is newer) …");
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
}
if (!existsSync(DIST)) throw new Error("dist/gantry.js is missing: run `npm run build`");

const loadSandbox = () =>
  importBundled(join(ROOT, "src", "sandbox", "index.ts"), join(tmpRoot, "gantry-sandbox.mjs"), ROOT);

const machine = describeMachine();
const results = {
  date: new Date().toISOString(),
  command: "npm run bench:sandbox",
  commit: benchCommit(ROOT),
  machine: {
    ...machine,
    bwrap: execFileSync("bwrap", ["--version"], { encoding: "utf8" }).trim(),
    uid: process.getuid?.(),
    pressureAtStart: pressure("cpu"),
  },
  options: { rounds: ROUNDS, startRuns: START_RUNS, chainRuns: CHAIN_RUNS, jobs: JOBS, events: EVENTS },
};
log(`machine: ${machine.nproc} × ${machine.cpu}, ${machine.node}, load ${machine.loadAverageAtStart}`);
log(`gantry ${results.commit}; ${results.machine.bwrap}; temp dir ${tmpRoot}`);

try {
  // -------------------------------------------------------------------------------------------
  // 1. Floors and parts, spawned from this process
  if (SECTIONS.has("1")) {
    log(`\n[1] floors and parts: ${ROUNDS} rounds after one warm-up …`);
    const { JobSandbox, HOME_CREDENTIALS } = await loadSandbox();
    const cpu = startCpuReading();
    // A job's folder as run-job.ts makes it, and the layout of `gantry run --isolation sandbox`
    // (src/cli/run-workflows.ts: gantry's home, the cache and the credentials hidden).
    const home = join(tmpRoot, "gantry-home");
    const jobDir = join(home, "runs", "1", "1");
    for (const d of ["tmp", "home", "temp", "work", "files"]) mkdirSync(join(jobDir, d), { recursive: true });
    const layout = {
      jobDir,
      tmpDir: join(jobDir, "tmp"),
      hidden: [home, join(tmpRoot, "cache-home"), ...HOME_CREDENTIALS.map((p) => join(homedir(), p))],
      readOnly: [join(home, "tool-cache"), join(home, "actions", "checkouts")],
      writable: [],
    };
    const user =
      process.getuid?.() === 0
        ? []
        : ["--unshare-user", "--uid", String(process.getuid()), "--gid", String(process.getgid())];
    const bw =
      (...a) =>
      () =>
        spawnTimed("bwrap", [...a, "--", "true"]);
    // Each contender resolves with its wall time (ms); CPU time (this process's waited-for
    // children, 10 ms ticks) is summed per contender over the rounds.
    let sandbox; // the keeper of the round, for the step contenders
    let stepLine; // the step's process line as JobSandbox makes it, for the results
    const step = (edit) => () => {
      const line = sandbox.command("true", [], join(jobDir, "work"));
      stepLine = line;
      return spawnTimed(line.command, edit(line.args), line.fds, join(jobDir, "work"));
    };
    const contenders = {
      spawnTrue: () => spawnTimed("true", []),
      // One more exec in between (what any helper process costs before the command runs).
      envTrue: () => spawnTimed("env", ["true"]),
      bwrapRoBind: bw("--ro-bind", "/", "/", ...user),
      bwrapPid: bw("--ro-bind", "/", "/", ...user, "--unshare-pid"),
      bwrapPidDev: bw("--ro-bind", "/", "/", ...user, "--dev", "/dev", "--unshare-pid"),
      bwrapFloor: bw(
        "--ro-bind",
        "/",
        "/",
        ...user,
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--unshare-pid",
        "--die-with-parent",
      ),
      keeperStart: async () => {
        const t0 = performance.now();
        sandbox = await JobSandbox.start(layout);
        return performance.now() - t0;
      },
      step: step((a) => a),
      stepNoProc: step((a) => withoutOption(a, "--proc", 1)),
      stepNoDev: step((a) => withoutOption(a, "--dev", 1)),
      stepRootOnly: step((a) => [
        "--ro-bind",
        "/",
        "/",
        ...a.slice(a.indexOf("--pidns")), // the join, --proc, caps, --chdir and the command
      ]),
      keeperClose: async () => {
        // The keeper is killed (SIGKILL) and its namespace ends; timed to the keeper's exit.
        const keeper = sandbox.keeper;
        const exited = new Promise((r) => (keeper.exitCode !== null ? r() : keeper.once("exit", r)));
        const t0 = performance.now();
        sandbox.close();
        await exited;
        sandbox = undefined;
        return performance.now() - t0;
      },
    };
    const names = Object.keys(contenders);
    const wall = Object.fromEntries(names.map((k) => [k, []]));
    const cpuMs = Object.fromEntries(names.map((k) => [k, 0]));
    for (let r = -1; r < ROUNDS; r++) {
      for (const name of names) {
        const c0 = childrenCpuMs();
        const ms = await contenders[name]();
        if (r < 0) continue;
        wall[name].push(ms);
        cpuMs[name] += childrenCpuMs() - c0;
      }
    }
    const part = (k) => ({ ...spread(wall[k]), cpuMeanMs: round(cpuMs[k] / ROUNDS, 2) });
    const parts = Object.fromEntries(names.map((k) => [k, part(k)]));
    results.parts = {
      noise: noiseSince(cpu, { loadAverage: true }),
      stepCommandLine: ["bwrap", ...stepLine.args].join(" "),
      keeperCommandLine: "bwrap --ro-bind / / --unshare-pid --die-with-parent --info-fd 3 -- cat",
      ...parts,
      // What the sandbox adds to a job's start, from the parts (wall: median, best; CPU: mean):
      // the keeper's start, and the step's bwrap in place of a bare spawn; `gantry run` also probes
      // bwrap once (sandboxProblem: `bwrap --ro-bind / / --unshare-pid --die-with-parent -- true`,
      // what bwrapPid runs). The keeper's CPU is counted when it is reaped, in keeperClose.
      addedToJobStartFromParts: {
        serve: addUp(parts, ["keeperStart", "step"], ["spawnTrue"], ["keeperClose"]),
        gantryRun: addUp(parts, ["bwrapPid", "keeperStart", "step"], ["spawnTrue"], ["keeperClose"]),
      },
    };
    log(
      table([
        ["part", "median ms", "best ms", "p90 ms", "CPU mean ms"],
        ...names.map((k) => [k, parts[k].medianMs, parts[k].bestMs, parts[k].p90Ms, parts[k].cpuMeanMs]),
      ]),
    );
  }

  // -------------------------------------------------------------------------------------------
  // 2. A job's start: gantry run, --isolation none vs sandbox
  if (SECTIONS.has("2")) {
    log(`\n[2] a job's start: gantry run, ${START_RUNS} rounds of none and sandbox after one warm-up …`);
    const repo = makeRepo("start", {
      ".github/workflows/one.yml":
        'name: one\non: push\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          date +%s%N\n          echo "pid1=$(cat /proc/1/comm)"\n',
    });
    /** One gantry run: spawn → the step's clock, → its first line on gantry's stdout, → exit. */
    const runOnce = (isolation) =>
      new Promise((done, reject) => {
        let out = "";
        let firstLineAt = 0;
        const t0 = wallMs();
        const p0 = performance.now();
        let exitAt = 0;
        const child = spawn(process.execPath, [GANTRY, "run", "--isolation", isolation], {
          cwd: repo,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.stdout.setEncoding("utf8").on("data", (d) => {
          out += d;
          if (!firstLineAt && /\| \d{19}\n/.test(out)) firstLineAt = performance.now();
        });
        child.on("exit", () => {
          exitAt = performance.now();
        });
        child.on("close", (code) => {
          const ns = /\| (\d{19})\n/.exec(out)?.[1];
          const pid1 = /pid1=(\S+)/.exec(out)?.[1];
          if (code !== 0 || !ns)
            return reject(new Error(`gantry run --isolation ${isolation}: ${code}\n${out}${stderr}`));
          // The proof the step ran in the sandbox: its PID 1 is the job's launcher (or, without the
          // compiled helper, the keeper's bwrap), not the host's init.
          if ((isolation === "sandbox") !== SANDBOX_INITS.includes(pid1))
            return reject(new Error(`--isolation ${isolation}, but the step saw PID 1 = ${pid1}`));
          done({ stepMs: nsToWallMs(ns) - t0, firstLineMs: firstLineAt - p0, exitMs: exitAt - p0 });
        });
      });
    const cpu = startCpuReading();
    const runs = { none: [], sandbox: [] };
    const cpuMs = { none: 0, sandbox: 0 };
    for (let r = -1; r < START_RUNS; r++) {
      // Alternate which goes first, so neither always follows the other.
      for (const iso of r % 2 ? ["none", "sandbox"] : ["sandbox", "none"]) {
        const c0 = childrenCpuMs();
        const x = await runOnce(iso);
        if (r < 0) continue;
        runs[iso].push(x);
        cpuMs[iso] += childrenCpuMs() - c0;
      }
    }
    const of = (iso, k) => spread(runs[iso].map((x) => x[k]));
    const section = { noise: noiseSince(cpu, { loadAverage: true }), targetMs: TARGET_MS };
    for (const k of ["stepMs", "firstLineMs", "exitMs"]) {
      const none = of("none", k);
      const sandbox = of("sandbox", k);
      // Paired by round: the difference of each round's two runs, then its median.
      const diffs = runs.sandbox.map((x, i) => x[k] - runs.none[i][k]);
      section[k] = {
        none,
        sandbox,
        addedMs: {
          medianOfRounds: round(median(diffs)),
          ofMedians: round(sandbox.medianMs - none.medianMs),
          ofBests: round(sandbox.bestMs - none.bestMs),
        },
        ratio: {
          median: round(sandbox.medianMs / none.medianMs, 3),
          best: round(sandbox.bestMs / none.bestMs, 3),
        },
      };
    }
    section.cpuMeanMs = {
      none: round(cpuMs.none / START_RUNS, 1),
      sandbox: round(cpuMs.sandbox / START_RUNS, 1),
    };
    results.jobStart = section;
    log(
      `  spawn → step: none ${section.stepMs.none.medianMs} ms, sandbox ${section.stepMs.sandbox.medianMs} ms ` +
        `(+${section.stepMs.addedMs.medianOfRounds} ms a round, ${section.stepMs.ratio.median}×); exit +${section.exitMs.addedMs.medianOfRounds} ms`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // 3. The 100-job chain, none vs sandbox
  if (SECTIONS.has("3")) {
    log(`\n[3] ${JOBS}-job chain: ${CHAIN_RUNS} rounds of none, sandbox and ${JOBS} × bash -e …`);
    const repo = makeRepo("chain", { ".github/workflows/chain.yml": chainWorkflow(JOBS) });
    const report = join(tmpRoot, "chain-report.json");
    for (const iso of ["none", "sandbox"]) {
      // Unmeasured: every job ran and succeeded (also the warm-up).
      await mustSucceed(
        `gantry run --isolation ${iso} (chain)`,
        timed(process.execPath, [GANTRY, "run", "--isolation", iso, "--report", report], { cwd: repo }),
      );
      const jobs = JSON.parse(readFileSync(report, "utf8")).runs.flatMap((r) => r.jobs);
      const ok = jobs.filter((j) => j.result === "success").length;
      if (jobs.length !== JOBS || ok !== JOBS)
        throw new Error(`chain (${iso}): ${ok}/${jobs.length} jobs succeeded`);
    }
    const trueScript = join(tmpRoot, "true-step.sh");
    writeFileSync(trueScript, "true\n");
    const cpu = startCpuReading();
    const wall = { none: [], sandbox: [] };
    const cpuMs = { none: [], sandbox: [] };
    const stepsOwn = [];
    for (let r = 0; r < CHAIN_RUNS; r++) {
      for (const iso of r % 2 ? ["none", "sandbox"] : ["sandbox", "none"]) {
        const x = await mustSucceed(
          `gantry run --isolation ${iso} (chain)`,
          timed(process.execPath, [GANTRY, "run", "--isolation", iso], { cwd: repo }),
        );
        wall[iso].push(x.ms);
        cpuMs[iso].push(x.cpuMs);
      }
      const t0 = performance.now();
      for (let j = 0; j < JOBS; j++) await mustSucceed("bash -e true", timed("bash", ["-e", trueScript]));
      stepsOwn.push(performance.now() - t0);
    }
    const none = spread(wall.none);
    const sandbox = spread(wall.sandbox);
    const steps = stats(stepsOwn);
    const diffs = wall.sandbox.map((x, i) => x - wall.none[i]);
    results.chain = {
      noise: noiseSince(cpu, { loadAverage: true }),
      jobs: JOBS,
      none,
      sandbox,
      stepsOwn: steps,
      cpu: { none: stats(cpuMs.none, 0), sandbox: stats(cpuMs.sandbox, 0) },
      overheadPerJobMs: {
        none: round((none.medianMs - steps.medianMs) / JOBS, 2),
        sandbox: round((sandbox.medianMs - steps.medianMs) / JOBS, 2),
      },
      addedPerJobMs: {
        medianOfRounds: round(median(diffs) / JOBS, 2),
        ofBests: round((sandbox.bestMs - none.bestMs) / JOBS, 2),
        cpuMedian: round((median(cpuMs.sandbox) - median(cpuMs.none)) / JOBS, 2),
      },
      ratio: {
        median: round(sandbox.medianMs / none.medianMs, 2),
        best: round(sandbox.bestMs / none.bestMs, 2),
      },
    };
    log(
      `  none ${none.medianMs} ms, sandbox ${sandbox.medianMs} ms (${results.chain.ratio.median}×): ` +
        `+${results.chain.addedPerJobMs.medianOfRounds} ms a job`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // 4. gantry serve: dispatch → first step, runners.isolation none vs the default sandbox
  if (SECTIONS.has("4")) {
    log(`\n[4] gantry serve: ${EVENTS} dispatches to each of two servers, alternating …`);
    const api = apiClient(TOKEN);
    const servers = {};
    for (const iso of ["none", "sandbox"]) {
      const markers = join(tmpRoot, `markers-${iso}`);
      mkdirSync(markers);
      const repo = makeRepo(`serve-${iso}`, {
        ".github/workflows/first.yml": `on: workflow_dispatch\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          { date +%s%N; cat /proc/1/comm; } > ${JSON.stringify(markers)}/$GITHUB_RUN_ID\n`,
      });
      const config = join(tmpRoot, `serve-${iso}.yml`);
      // The markers' folder is shared with the host (the sandbox hides the host's /tmp).
      const runners = `{slots: 1, writable: [${JSON.stringify(markers)}]${iso === "none" ? ", isolation: none" : ""}}`;
      writeFileSync(
        config,
        `repo_url_schemes: [file]\nrepos:\n  - {owner: bench, name: serve-${iso}, url: ${JSON.stringify(repo)}, poll_interval_seconds: 0}\nrunners: ${runners}\n`,
      );
      const server = await startGantryServe({
        gantry: GANTRY,
        data: join(tmpRoot, `data-${iso}`),
        config,
        env,
      });
      servers[iso] = { server, markers, name: `serve-${iso}` };
    }
    const dispatch = ({ server, name }) =>
      api(server, "POST", `/repos/bench/${name}/actions/workflows/first.yml/dispatches`, {
        ref: "main",
        return_run_details: true,
      }).then((r) => r.workflow_run_id);
    const waitCompleted = async ({ server, name }, runId) => {
      for (;;) {
        const run = await api(server, "GET", `/repos/bench/${name}/actions/runs/${runId}`);
        if (run.status === "completed") return run;
        await sleep(10);
      }
    };
    const once = async (iso) => {
      const s = servers[iso];
      const t0 = wallMs();
      const runId = await dispatch(s);
      const run = await waitCompleted(s, runId);
      const [ns, pid1] = readFileSync(join(s.markers, String(runId)), "utf8")
        .trim()
        .split("\n");
      if (run.conclusion !== "success") throw new Error(`serve (${iso}): run ${runId} ${run.conclusion}`);
      if ((iso === "sandbox") !== SANDBOX_INITS.includes(pid1))
        throw new Error(`serve (${iso}): the step saw PID 1 = ${pid1}`);
      return nsToWallMs(ns) - t0;
    };
    try {
      for (const iso of ["none", "sandbox"]) await once(iso); // the first clone, lazy loads
      const cpu = startCpuReading();
      const lat = { none: [], sandbox: [] };
      for (let i = 0; i < EVENTS; i++) {
        for (const iso of i % 2 ? ["none", "sandbox"] : ["sandbox", "none"]) lat[iso].push(await once(iso));
      }
      const none = spread(lat.none);
      const sandbox = spread(lat.sandbox);
      const diffs = lat.sandbox.map((x, i) => x - lat.none[i]);
      results.serve = {
        noise: noiseSince(cpu, { loadAverage: true }),
        how: "POST …/dispatches (return_run_details) → the step's `date +%s%N`, one event at a time, the two servers alternating",
        none,
        sandbox,
        addedMs: { medianOfRounds: round(median(diffs)), ofMedians: round(sandbox.medianMs - none.medianMs) },
        ratio: {
          median: round(sandbox.medianMs / none.medianMs, 2),
          best: round(sandbox.bestMs / none.bestMs, 2),
        },
      };
      log(
        `  none ${none.medianMs} ms, sandbox ${sandbox.medianMs} ms: +${results.serve.addedMs.medianOfRounds} ms`,
      );
    } finally {
      for (const { server } of Object.values(servers)) await server.stop();
    }
  }
  results.machine.loadAverageAtEnd = loadavg().map((x) => round(x, 2));
} finally {
  if (!opts.keep) rmSync(tmpRoot, { recursive: true, force: true });
}

writeResults(opts.out, results, ROOT);
// The summary: none vs sandbox, and what the sandbox adds (the raw runs are in the JSON file).
const rows = [
  ["measure", "none, median (best)", "sandbox, median (best)", "added, median of rounds", "ratio"],
];
const pair = (what, x, added) =>
  rows.push([
    what,
    `${x.none.medianMs} (${x.none.bestMs}) ms`,
    `${x.sandbox.medianMs} (${x.sandbox.bestMs}) ms`,
    added,
    `${round(x.sandbox.medianMs / x.none.medianMs, 2)}×`,
  ]);
if (results.jobStart) {
  const j = results.jobStart;
  pair(
    "gantry run: spawn → step's date",
    j.stepMs,
    `+${j.stepMs.addedMs.medianOfRounds} ms (target < ${TARGET_MS})`,
  );
  pair("gantry run: spawn → first line", j.firstLineMs, `+${j.firstLineMs.addedMs.medianOfRounds} ms`);
  pair("gantry run: spawn → exit", j.exitMs, `+${j.exitMs.addedMs.medianOfRounds} ms`);
}
if (results.chain) {
  const c = results.chain;
  pair(`${c.jobs}-job chain, wall`, c, `+${c.addedPerJobMs.medianOfRounds} ms a job`);
}
if (results.serve)
  pair("serve: dispatch → step's date", results.serve, `+${results.serve.addedMs.medianOfRounds} ms`);
if (rows.length > 1) process.stdout.write(`\n${table(rows)}\n`);
process.stdout.write(
  `\nload ${machine.loadAverageAtStart} → ${results.machine.loadAverageAtEnd}; results in ${opts.out}\n`,
);
