#!/usr/bin/env node
// gantry benchmark of action steps (`npm run bench:actions`). One run creates a temp git
// repository holding a local composite action and a local JavaScript action, and measures,
// with `gantry run`, four jobs that each start with actions/checkout:
//   baseline   checkout only (0 steps): start-up, parse, job set-up and checkout, subtracted below;
//   run        + STEPS × `run: "true"` (shell: bash);
//   composite  + STEPS × `uses: ./.github/actions/composite` (one input with a default, one
//              output; its single step is `run: "true"`, shell: bash);
//   js         + STEPS × `uses: ./.github/actions/js` (node20; main.js reads INPUT_X and writes
//              one output to GITHUB_OUTPUT, no dependencies).
// Per-step cost of a kind = (its time − the baseline's) / STEPS, taken two ways: the process's
// wall time, and the job's own time from the run report (startedAt → completedAt), which leaves
// out Node's and gantry's start-up. The floors are what no runner can go below: `bash -e` of the
// same script, and `node main.js` with the same environment, each spawned directly from Node.
// It prints a table and writes every number to bench/actions-results.json. Timings are the
// median and the best of several rounds; the kinds take turns within a round, so a change of
// load hits all of them alike. Nothing is asserted; tests never check timings.
//
// Options: --runs N (7)  --steps N (20)  --no-build  --keep (leave the temp repo)  --out FILE
//          --gantry FILE (another build's bin/gantry.js, e.g. of an older commit; implies --no-build)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  benchCommit,
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
  stats as statsOf,
  timed as timedChild,
  writeResults,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist", "gantry.js");

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    steps: { type: "string", default: "20" },
    "no-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "actions-results.json") },
    gantry: { type: "string" },
  },
});
// --gantry FILE measures another build (say, of an older commit) with the same bench.
const GANTRY = opts.gantry ? resolve(opts.gantry) : join(ROOT, "bin", "gantry.js");
const RUNS = Number(opts.runs);
const STEPS = Number(opts.steps);
if (!(RUNS >= 1) || !(STEPS >= 1)) throw new Error("--runs and --steps must be at least 1");

// ---------------------------------------------------------------------------------------------
// Helpers (bench/measure.mjs)

/** Median and best (minimum) of a series of timings, with the raw runs. */
const stats = (xs) => statsOf(xs, 2);

// Children get a quiet, deterministic environment (bench/measure.mjs: no npm_* variables from
// `npm run`, no NODE_EXTRA_CA_CERTS: it makes every Node process, the JS actions included, parse
// a CA bundle), gantry state in a temp dir.
const tmpRoot = mkdtempSync(join(tmpdir(), "gantry-bench-actions-"));
const baseEnv = childEnv({ GANTRY_HOME: join(tmpRoot, "gantry-home") });

/** Spawns a command with stdout discarded; resolves with its exit code, stderr, wall and CPU time. */
const timed = (command, args, { cwd, env = baseEnv } = {}) => timedChild(command, args, { cwd, env });
const git = (cwd, ...args) => gitIn(cwd, baseEnv, ...args);

// ---------------------------------------------------------------------------------------------
// The repository

const COMPOSITE_ACTION = `name: bench composite
description: one bash step, one input with a default, one output
inputs:
  x:
    description: an input the step does not need
    default: hello
outputs:
  y:
    description: the step's output
    value: \${{ steps.s.outputs.y }}
runs:
  using: composite
  steps:
    - id: s
      shell: bash
      run: "true"
`;
const JS_ACTION = `name: bench js
description: reads one input, writes one output
inputs:
  x:
    description: an input
    default: hello
outputs:
  y:
    description: the input, echoed
runs:
  using: node20
  main: main.js
`;
const JS_MAIN = `const { appendFileSync } = require("node:fs");
const x = process.env.INPUT_X ?? "";
appendFileSync(process.env.GITHUB_OUTPUT, \`y=\${x}\\n\`);
`;
const KINDS = {
  baseline: null,
  run: '      - shell: bash\n        run: "true"\n',
  composite: "      - uses: ./.github/actions/composite\n",
  js: "      - uses: ./.github/actions/js\n",
};
const workflow = (kind) =>
  `name: bench-${kind}\non: push\njobs:\n  steps:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n${
    KINDS[kind] ? KINDS[kind].repeat(STEPS) : ""
  }`;

const repo = join(tmpRoot, "repo");
const files = {
  ".github/actions/composite/action.yml": COMPOSITE_ACTION,
  ".github/actions/js/action.yml": JS_ACTION,
  ".github/actions/js/main.js": JS_MAIN,
  ...Object.fromEntries(Object.keys(KINDS).map((k) => [`bench/${k}.yml`, workflow(k)])),
};
makeGitRepo(repo, files, baseEnv);

// ---------------------------------------------------------------------------------------------
// Build and describe the machine

if (!opts["no-build"] && !opts.gantry) {
  const stale = !existsSync(DIST) || newestMtime(join(ROOT, "src")) > statSync(DIST).mtimeMs;
  if (stale) {
    log("building dist/ (src/ is newer) …");
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
}
if (!opts.gantry && !existsSync(DIST)) throw new Error("dist/gantry.js is missing: run `npm run build`");

const gantryCommit = opts.gantry ? `build at ${GANTRY}` : benchCommit(ROOT);
const machine = describeMachine();
log(`machine: ${machine.nproc} × ${machine.cpu}, node ${machine.node}, load ${machine.loadAverageAtStart}`);
log(`gantry: ${gantryCommit}; temp dir ${tmpRoot}; ${RUNS} rounds of ${STEPS} steps`);

// ---------------------------------------------------------------------------------------------
// Measure

const reportFile = join(tmpRoot, "report.json");
/** One `gantry run` of a kind's workflow: process wall time, the job's own time, CPU time. */
async function gantryRun(kind) {
  rmSync(reportFile, { force: true });
  const r = await mustSucceed(
    `gantry run (${kind})`,
    timed(process.execPath, [GANTRY, "run", "--workflows", `bench/${kind}.yml`, "--report", reportFile], {
      cwd: repo,
    }),
  );
  const jobs = JSON.parse(readFileSync(reportFile, "utf8")).runs.flatMap((run) => run.jobs);
  const steps = jobs[0]?.steps ?? [];
  const want = KINDS[kind] ? STEPS + 1 : 1;
  if (jobs.length !== 1 || jobs[0].result !== "success" || steps.length !== want) {
    throw new Error(`${kind}: expected one successful job of ${want} steps, got ${JSON.stringify(jobs)}`);
  }
  if (kind === "js" && steps[1].outputs.y !== "hello") {
    throw new Error(`js: the action's output y is ${JSON.stringify(steps[1].outputs.y)}, expected "hello"`);
  }
  return {
    wallMs: r.ms,
    jobMs: Date.parse(jobs[0].completedAt) - Date.parse(jobs[0].startedAt),
    cpuMs: r.cpuMs,
  };
}

// The floors: STEPS spawns, one after another, from this Node process, as gantry spawns them.
const bashScript = join(tmpRoot, "true-step.sh");
writeFileSync(bashScript, "true\n");
const jsOutput = join(tmpRoot, "js-output");
const jsEnv = { ...baseEnv, INPUT_X: "hello", GITHUB_OUTPUT: jsOutput };
async function floor(command, args, env) {
  writeFileSync(jsOutput, "");
  let cpuMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++)
    cpuMs += (await mustSucceed(command, timed(command, args, { cwd: repo, env }))).cpuMs;
  return { wallMs: (performance.now() - t0) / STEPS, cpuMs: cpuMs / STEPS };
}
const floors = {
  bash: () => floor("bash", ["-e", bashScript], baseEnv),
  node: () => floor(process.execPath, [join(repo, ".github/actions/js/main.js")], jsEnv),
};

const results = {
  date: new Date().toISOString(),
  command: "npm run bench:actions",
  gantryCommit,
  machine,
  settings: { runs: RUNS, steps: STEPS, gantry: opts.gantry ? GANTRY : "bin/gantry.js" },
};
const samples = Object.fromEntries([...Object.keys(KINDS), ...Object.keys(floors)].map((k) => [k, []]));
const cpu = startCpuReading();
try {
  for (let round_ = -1; round_ < RUNS; round_++) {
    for (const kind of Object.keys(KINDS)) {
      const r = await gantryRun(kind);
      if (round_ >= 0) samples[kind].push(r); // round -1 warms the page cache
    }
    for (const [name, run] of Object.entries(floors)) {
      const r = await run();
      if (round_ >= 0) samples[name].push(r);
    }
    if (round_ >= 0) log(`  round ${round_ + 1}/${RUNS} done`);
  }
  if (existsSync(jsOutput) && readFileSync(jsOutput, "utf8") !== "y=hello\n".repeat(STEPS)) {
    throw new Error("node main.js did not write its output");
  }
} finally {
  if (!opts.keep) rmSync(tmpRoot, { recursive: true, force: true });
}
results.noise = noiseSince(cpu);
results.machine.loadAverageAtEnd = loadavg().map((x) => round(x, 2));

// Per-step cost, round by round: a kind's run minus the baseline's run of the same round.
const KEYS = { jobMs: "job's own time", wallMs: "process wall time", cpuMs: "CPU time" };
const perStep = (kind, key) => samples[kind].map((s, i) => (s[key] - samples.baseline[i][key]) / STEPS);
const ratio = (a, b) => ({ median: round(a.medianMs / b.medianMs, 2), best: round(a.bestMs / b.bestMs, 2) });
const diff = (a, b) => ({ median: round(a.medianMs - b.medianMs, 2), best: round(a.bestMs - b.bestMs, 2) });
const per = {};
for (const key of Object.keys(KEYS)) {
  per[key] = Object.fromEntries(["run", "composite", "js"].map((k) => [k, stats(perStep(k, key))]));
}
const floorOf = (name, key) => stats(samples[name].map((s) => s[key]));
const floorStats = {
  wall: { bash: floorOf("bash", "wallMs"), node: floorOf("node", "wallMs") },
  cpu: { bash: floorOf("bash", "cpuMs"), node: floorOf("node", "cpuMs") },
};
const of = (key) =>
  Object.fromEntries(Object.keys(KEYS).map((k) => [k, stats(samples[key].map((s) => s[k]))]));
results.baseline = {
  what: "checkout only: start-up, parse, job set-up and the checkout step",
  ...of("baseline"),
};
results.jobs = { run: of("run"), composite: of("composite"), js: of("js") };
results.perStep = {
  method: `(kind − baseline of the same round) / ${STEPS}, from the job's own time in the run report (jobMs: startedAt → completedAt, leaves out start-up), the process's wall time (wallMs) and CPU time, user + system, of gantry and the processes it waited for (cpuMs, 10 ms ticks / ${STEPS})`,
  ...per,
};
results.floors = {
  what: `per spawn, spawned one after another from the bench's Node process: bash -e <script holding true>; node main.js with INPUT_X and GITHUB_OUTPUT set`,
  wallMs: floorStats.wall,
  cpuMs: floorStats.cpu,
};
const overhead = (key, floor) => ({
  compositeVsRun: {
    differenceMs: diff(per[key].composite, per[key].run),
    ratio: ratio(per[key].composite, per[key].run),
  },
  jsVsRun: { differenceMs: diff(per[key].js, per[key].run), ratio: ratio(per[key].js, per[key].run) },
  runAboveBashFloorMs: diff(per[key].run, floor.bash),
  compositeAboveBashFloorMs: diff(per[key].composite, floor.bash),
  jsAboveNodeFloorMs: diff(per[key].js, floor.node),
});
results.overhead = { jobMs: overhead("jobMs", floorStats.wall), cpuMs: overhead("cpuMs", floorStats.cpu) };

writeResults(opts.out, results, ROOT);

// ---------------------------------------------------------------------------------------------
// The table

const ms = (x) => `${round(x, 1)} ms`;
const signed = (x) => `${x >= 0 ? "+" : "−"}${Math.abs(x)}`;
const pair = (s) => [ms(s.medianMs), ms(s.bestMs)];
const vsRun = (c) =>
  `${signed(c.differenceMs.median)}, ${signed(c.differenceMs.best)} ms; ${c.ratio.median}×, ${c.ratio.best}×`;
const rows = [
  ["measure", "median", "best", "vs run step: difference; ratio (median, best)"],
  ["baseline job (checkout only), process wall", ...pair(results.baseline.wallMs), ""],
  ["baseline job (checkout only), job time", ...pair(results.baseline.jobMs), ""],
  ["baseline job (checkout only), CPU", ...pair(results.baseline.cpuMs), ""],
];
for (const [key, label, floor] of [
  ["jobMs", "job time", floorStats.wall],
  ["cpuMs", "CPU time", floorStats.cpu],
]) {
  const o = results.overhead[key];
  rows.push(
    [`per step, ${label} (${STEPS} steps − baseline):`, "", "", ""],
    ['  run: "true" (shell: bash)', ...pair(per[key].run), ""],
    ["  local composite action", ...pair(per[key].composite), vsRun(o.compositeVsRun)],
    ["  local JavaScript action", ...pair(per[key].js), vsRun(o.jsVsRun)],
    ["  floor: bash -e script", ...pair(floor.bash), ""],
    ["  floor: node main.js", ...pair(floor.node), ""],
    [
      "  above the floor: run, composite (bash); js (node)",
      ...["median", "best"].map(
        (k) =>
          `${round(o.runAboveBashFloorMs[k])}, ${round(o.compositeAboveBashFloorMs[k])}; ${round(o.jsAboveNodeFloorMs[k])}`,
      ),
      "",
    ],
  );
}
rows.push(
  ["per step, process wall time:", "", "", ""],
  [
    "  run, composite, js",
    ...["medianMs", "bestMs"].map((k) =>
      ["run", "composite", "js"].map((x) => round(per.wallMs[x][k])).join(", "),
    ),
    "",
  ],
);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) =>
  r
    .map((cell, i) => cell.padEnd(widths[i]))
    .join("  ")
    .trimEnd();
process.stdout.write(`\n${line(rows[0])}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);
if (results.noise) {
  process.stdout.write(
    `\nNoise: other processes used ${results.noise.otherProcessesCpuPercent} % of the CPU, some task waited for a CPU ` +
      `${results.noise.cpuPressurePercent ?? "?"} % of the time (both ≈ 0 % on a quiet machine)\n`,
  );
}
process.stdout.write(
  `\n${machine.nproc} × ${machine.cpu}, node ${machine.node}, load ${machine.loadAverageAtStart} → ` +
    `${machine.loadAverageAtEnd}; results in ${opts.out}\n`,
);
