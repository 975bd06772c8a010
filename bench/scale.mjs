#!/usr/bin/env node
// Scale-out benchmarks (`npm run bench:scale`), issue 16. Side by side in one run on this machine,
// each on the real `gantry serve` (bin/gantry.js, dist/ rebuilt first) and real `gantry runner`
// processes on loopback, against a real git repository in a temp dir:
//   a  the embedded server: SQLite, its built-in pool (--slots, 4);
//   b  one server on PostgreSQL (a throwaway cluster, test/postgres.ts's way) with its pool off
//      (`runners: { slots: 0 }`) and --runners (4) `gantry runner` processes of one slot each;
//   c  two servers on one PostgreSQL database and one shared --blobs file:/// folder, the runners
//      spread over them (odd ones on the first, even ones on the second).
// For each:
//   event → first step  a workflow_dispatch of a one-step workflow POSTed to the REST API, to the
//                       step's `date +%s%N`, one event at a time (as bench/serve.mjs measures it):
//                       p50/p99 over --events (40);
//   throughput          --jobs (100) one-step jobs (a matrix) dispatched at once: jobs per second
//                       from the run's created_at to the last job's completed_at; the CPU each part
//                       used per job (server(s), runners with their steps, PostgreSQL's processes)
//                       and the machine's busy share (/proc/stat) over the window.
// On b, throughput with 1, 2, then 4 runner processes (one slot each), so its growth shows.
// On b, the database's cost per job: pg_stat_database deltas (transactions, tuples) over b's
// 4-runner throughput run, then the same run again with log_min_duration_statement=0 (switched on
// with ALTER SYSTEM and pg_reload_conf(), off after): statements per job and their summed duration;
// and PostgreSQL's CPU time per job, from which it projects the jobs per second one PostgreSQL would
// carry on a core of its own.
// On c, the take-over: the leading server (it logs "this server leads now") is killed with SIGKILL
// while a run it drives is under way; measured: SIGKILL → the other logs that it leads, and
// SIGKILL → the killed server's run completes through the other.
// /proc/loadavg and the PSI CPU stall share are recorded for every figure; ratios are within the run.
// It prints the figures and writes bench/scale-results.json. Nothing is asserted.
//
// Options: --events N (40)  --jobs N (100)  --slots N (4, a's pool)  --runners N (4)
//          --scenarios a,b,c  --scaling 1,2,4  --no-dbcost  --no-takeover
//          --profile DIR (servers and runners run with --cpu-prof into DIR/<scenario>/<process>)
//          --no-build  --keep  --out FILE
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
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
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import {
  allJobs,
  apiClient,
  benchCommit,
  CLK_TCK,
  childEnv,
  cpuReading,
  describeMachine,
  importBundled,
  log,
  newestMtime,
  noiseSince,
  round,
  startCpuReading,
  startGantryServe,
  writeResults,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GANTRY = join(ROOT, "bin", "gantry.js");
const DIST = join(ROOT, "dist", "gantry.js");
const TOKEN = "bench-scale-admin-token";
const LEGS = 250; // GitHub caps a matrix at 256 legs: more jobs are split over runs of 250

const { values: opts } = parseArgs({
  options: {
    events: { type: "string", default: "40" },
    jobs: { type: "string", default: "100" },
    slots: { type: "string", default: "4" },
    runners: { type: "string", default: "4" },
    scenarios: { type: "string", default: "a,b,c" },
    scaling: { type: "string", default: "1,2,4" },
    "no-dbcost": { type: "boolean", default: false },
    "no-takeover": { type: "boolean", default: false },
    profile: { type: "string" },
    "no-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "scale-results.json") },
  },
});
const EVENTS = Number(opts.events);
const JOBS = Number(opts.jobs);
const SLOTS = Number(opts.slots);
const RUNNERS = Number(opts.runners);
const SCENARIOS = new Set(opts.scenarios.split(",").map((x) => x.trim()));
const SCALING = opts.scaling
  .split(",")
  .map((x) => Number(x.trim()))
  .filter((n) => n > 0)
  .sort((x, y) => x - y);
const PROFILE = opts.profile ? resolve(opts.profile) : undefined;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The q-quantile (0..1) of a series, nearest-rank. */
const quantile = (xs, q) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const loadNow = () => readFileSync("/proc/loadavg", "utf8").trim();
/** The noise since `start` with the load average as /proc/loadavg gives it. */
const noise = (start) => ({ ...noiseSince(start), loadavg: loadNow() });

// Wall-clock milliseconds with sub-millisecond resolution, comparable with `date +%s%N` in a step.
const wallOffsetMs = (() => {
  const start = Date.now();
  let now = Date.now();
  while (now === start) now = Date.now();
  return now - performance.now();
})();
const wallMs = () => wallOffsetMs + performance.now();

/** CPU time (ms) of a process and of its children it has waited for (utime stime cutime cstime). */
function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
  } catch {
    return Number.NaN; // gone
  }
}
/** The parent of a process (/proc/PID/stat), or undefined. */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}
/**
 * CPU time (ms) of PostgreSQL: the postmaster with the backends it has reaped, plus its live
 * children's own (a backend's time reaches the postmaster's cutime when it exits).
 */
function postgresCpuMs(postmaster) {
  let ms = processCpuMs(postmaster);
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || parentOf(Number(name)) !== postmaster) continue;
    const own = processCpuMs(Number(name));
    if (Number.isFinite(own)) ms += own;
  }
  return ms;
}
/** The machine's busy share of all its CPUs since a cpuReading(). */
const busyPctSince = (start) => {
  const end = cpuReading();
  return round((100 * (end.busy - start.busy)) / (end.total - start.total), 1);
};

const tmpRoot = mkdtempSync(join(tmpdir(), "gantry-scalebench-"));
// The servers of one database share its master key (its secrets are sealed under it).
const env = childEnv({
  GANTRY_HOME: join(tmpRoot, "gantry-home"),
  GANTRY_ADMIN_TOKEN: TOKEN,
  GANTRY_MASTER_KEY: randomBytes(32).toString("hex"),
});
// A runner machine gets nothing of the server's: no admin token, a home of its own.
const runnerEnv = childEnv({ GANTRY_HOME: join(tmpRoot, "runner-home") });
const api = apiClient(TOKEN);
const git = (cwd, ...args) =>
  execFileSync("git", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] }).toString();

function nodeArgsFor(scenario, name) {
  if (!PROFILE) return [];
  const dir = join(PROFILE, scenario, name);
  mkdirSync(dir, { recursive: true });
  return ["--cpu-prof", "--cpu-prof-dir", dir];
}

/** `gantry serve` with one repository; `extra` is more of its YAML config. */
async function startServer(scenario, name, repoDir, data, extra) {
  const config = join(tmpRoot, `${scenario}-${name}.yml`);
  writeFileSync(
    config,
    `repo_url_schemes: [file]\nrepos:\n  - {owner: bench, name: s, url: ${JSON.stringify(repoDir)}, poll_interval_seconds: 0}\n${extra}`,
  );
  const server = await startGantryServe({
    gantry: GANTRY,
    data,
    config,
    env,
    nodeArgs: nodeArgsFor(scenario, name),
  });
  log(`   ${scenario}: ${name} at ${server.url} (pid ${server.pid})`);
  return server;
}

/**
 * A `gantry runner` process of one slot; resolves once it says it is registered. It talks to
 * `server`, and to the servers of `others` when that one does not answer.
 */
async function startRunner(scenario, server, name, token, others = []) {
  const work = join(tmpRoot, `${scenario}-runner-${name}`);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgsFor(scenario, name),
      GANTRY,
      "runner",
      "--server",
      [server, ...others].map((s) => s.url).join(","),
      "--token",
      token,
      "--name",
      name,
      "--work",
      work,
      "--isolation",
      "none",
    ],
    { env: runnerEnv, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  await new Promise((ready, fail) => {
    child.stderr.on("data", (d) => {
      stderr += d;
      if (/registered as/.test(stderr)) ready();
    });
    child.once("exit", (code) => fail(new Error(`gantry runner ${name} exited ${code}: ${stderr}`)));
  });
  const exited = new Promise((r) => child.once("exit", r));
  return {
    name,
    pid: child.pid,
    server: server.url,
    stderr: () => stderr,
    /** SIGTERM (a drain), SIGKILL after 10 s: a runner whose server is gone may wait on it. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const registrationToken = async (server) =>
  (await api(server, "POST", "/actions/runners/registration-token")).token;

const dispatch = (server, file) =>
  api(server, "POST", `/repos/bench/s/actions/workflows/${file}/dispatches`, {
    ref: "main",
    return_run_details: true,
  }).then((r) => r.workflow_run_id);

async function waitCompleted(server, runId, everyMs, deadlineMs = 600_000) {
  const end = performance.now() + deadlineMs;
  for (;;) {
    const run = await api(server, "GET", `/repos/bench/s/actions/runs/${runId}`);
    if (run.status === "completed") return run;
    if (performance.now() > end) throw new Error(`run ${runId} did not complete in ${deadlineMs} ms`);
    await sleep(everyMs);
  }
}

/** A run's jobs: every page of its jobs list. */
function runJobs(server, runId) {
  return allJobs(api, server, `/repos/bench/s/actions/runs/${runId}/jobs`);
}

// ---------------------------------------------------------------------------------------------
// The measurements

/** event → first step: --events dispatches, one at a time, on `servers` in turn. */
async function eventToFirstStep(servers, markers) {
  // One unmeasured event per server: the first clone fetch, the first job's lazy loads.
  for (const server of servers) {
    const warm = await waitCompleted(server, await dispatch(server, "first.yml"), 20);
    if (warm.conclusion !== "success") throw new Error(`the first run ended ${warm.conclusion}`);
  }
  const n0 = startCpuReading();
  const latencies = [];
  const accepted = [];
  let failed = 0;
  for (let i = 0; i < EVENTS; i++) {
    const server = servers[i % servers.length];
    const t0 = wallMs();
    const runId = await dispatch(server, "first.yml");
    accepted.push(wallMs() - t0);
    const run = await waitCompleted(server, runId, 10);
    if (run.conclusion !== "success") failed++;
    const marker = join(markers, String(runId));
    if (!existsSync(marker)) continue;
    latencies.push(Number(BigInt(readFileSync(marker, "utf8").trim()) / 1000n) / 1000 - t0);
  }
  const row = {
    events: EVENTS,
    measured: latencies.length,
    failedRuns: failed,
    p50Ms: round(quantile(latencies, 0.5)),
    p90Ms: round(quantile(latencies, 0.9)),
    p99Ms: round(quantile(latencies, 0.99)),
    minMs: round(Math.min(...latencies)),
    maxMs: round(Math.max(...latencies)),
    dispatchAnsweredP50Ms: round(quantile(accepted, 0.5)),
    noise: noise(n0),
  };
  log(`   event → first step: ${JSON.stringify(row)}`);
  return row;
}

/**
 * --jobs one-step jobs dispatched at once through `server`: jobs/s from the first run's created_at
 * to the last job's completed_at; the CPU (ms per job) of each part over the window.
 */
async function throughput(server, parts, { postmaster, pgStats } = {}) {
  const runs = Math.ceil(JOBS / LEGS);
  const cpu0 = Object.fromEntries(Object.entries(parts).map(([k, pids]) => [k, pids.map(processCpuMs)]));
  const pg0 = postmaster ? postgresCpuMs(postmaster) : undefined;
  const stats0 = pgStats ? await pgStats() : undefined;
  const n0 = startCpuReading();
  const c0 = cpuReading();
  const ids = await Promise.all(Array.from({ length: runs }, () => dispatch(server, "many.yml")));
  const finished = [];
  // Looked at once a second: the figures come from the jobs' own times, and the bench's requests
  // (each a token, a user, a repository and a run read) stay a small part of the work per job.
  for (const id of ids) finished.push(await waitCompleted(server, id, 1000));
  const busyPct = busyPctSince(c0);
  const window = noise(n0);
  // The counters of the backends' last transactions reach pg_stat_database within a second.
  if (pgStats) await sleep(1500);
  const stats1 = pgStats ? await pgStats() : undefined;
  const pgMs = postmaster ? postgresCpuMs(postmaster) - pg0 : undefined;
  const cpuMs = Object.fromEntries(
    Object.entries(parts).map(([k, pids]) => [
      k,
      pids.reduce((sum, pid, i) => sum + (processCpuMs(pid) - cpu0[k][i]), 0),
    ]),
  );
  const jobs = [];
  for (const id of ids) jobs.push(...(await runJobs(server, id)));
  const lastCompleted = Math.max(...jobs.map((j) => Date.parse(j.completed_at)));
  const firstQueued = Math.min(...finished.map((r) => Date.parse(r.created_at)));
  const spanMs = lastCompleted - firstQueued;
  const row = {
    jobs: jobs.length,
    succeeded: jobs.filter((j) => j.conclusion === "success").length,
    spanMs,
    jobsPerSecond: round((jobs.length / spanMs) * 1000, 1),
    byRunner: jobs.reduce((by, j) => {
      const name = j.runner_name ?? "?";
      by[name] = (by[name] ?? 0) + 1;
      return by;
    }, {}),
    cpuMsPerJob: Object.fromEntries([
      ...Object.entries(cpuMs).map(([k, ms]) => [k, round(ms / jobs.length, 2)]),
      ...(pgMs === undefined ? [] : [["postgres", round(pgMs / jobs.length, 2)]]),
    ]),
    machineBusyPct: busyPct,
    noise: window,
  };
  if (stats0 && stats1) {
    row.pgStatDatabasePerJob = Object.fromEntries(
      Object.keys(stats1).map((k) => [k, round((stats1[k] - stats0[k]) / jobs.length, 1)]),
    );
  }
  log(`   throughput: ${JSON.stringify(row)}`);
  return row;
}

/** A connection to the cluster's `postgres` database: pg_stat_database of `db`, the postmaster's pid. */
async function pgProbe(cluster, db) {
  const client = new pg.Client({ connectionString: cluster.url("postgres") });
  client.on("error", () => {}); // the cluster stopping under it (after a failure) is no news
  await client.connect();
  const { rows } = await client.query("select pg_backend_pid() as pid");
  const postmaster = parentOf(rows[0].pid);
  const COLUMNS = [
    "xact_commit",
    "xact_rollback",
    "tup_returned",
    "tup_fetched",
    "tup_inserted",
    "tup_updated",
    "tup_deleted",
    "blks_hit",
    "blks_read",
  ];
  return {
    client,
    postmaster,
    async stats() {
      const r = await client.query(`select ${COLUMNS.join(", ")} from pg_stat_database where datname = $1`, [
        db,
      ]);
      return Object.fromEntries(COLUMNS.map((c) => [c, Number(r.rows[0][c])]));
    },
    async logStatements(on) {
      await client.query(`alter system set log_min_duration_statement = ${on ? 0 : -1}`);
      await client.query(`alter system set log_parameter_max_length = 0`);
      await client.query("select pg_reload_conf()");
      await sleep(300); // every backend reads the new settings at its next statement
    },
  };
}

/**
 * The statements PostgreSQL logged (log_min_duration_statement=0) in `text`: how many (simple
 * statements and executes of prepared ones), the summed duration of every logged phase (parse, bind,
 * execute, statement), and the most frequent statements by their first words.
 */
function loggedStatements(text) {
  let statements = 0;
  let ms = 0;
  let phases = 0;
  const kinds = new Map();
  const re = /LOG: {2}duration: ([\d.]+) ms {2}(parse|bind|execute|statement)([^:]*): ?(.*)/g;
  for (const m of text.matchAll(re)) {
    phases++;
    ms += Number(m[1]);
    if (m[2] === "execute" || m[2] === "statement") {
      statements++;
      const key = m[4].replace(/\s+/g, " ").replace(/\$\d+/g, "?").slice(0, 60).trim();
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
  }
  const top = [...kinds.entries()].sort((x, y) => y[1] - x[1]).slice(0, 12);
  return { statements, phases, ms, top };
}

// ---------------------------------------------------------------------------------------------
// Build

if (!opts["no-build"]) {
  if (!existsSync(DIST) || newestMtime(join(ROOT, "src")) > statSync(DIST).mtimeMs) {
    log("building dist/ …");
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
}

const results = {
  date: new Date().toISOString(),
  commit: benchCommit(ROOT),
  machine: { ...describeMachine(), loadavgAtStart: loadNow() },
  options: {
    events: EVENTS,
    jobs: JOBS,
    slots: SLOTS,
    runners: RUNNERS,
    scenarios: [...SCENARIOS],
    scaling: SCALING,
    isolation: "none",
    profile: PROFILE ?? null,
  },
  targets: { latencyBOverA: 1.5, takeoverMs: 10_000 },
};

const markers = join(tmpRoot, "markers");
mkdirSync(markers);
const FIRST = `on: workflow_dispatch\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: date +%s%N > ${JSON.stringify(markers)}/$GITHUB_RUN_ID\n`;
const legs = Array.from({ length: Math.min(JOBS, LEGS) }, (_, i) => i + 1).join(", ");
const MANY = `on: workflow_dispatch\njobs:\n  leg:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        i: [${legs}]\n    steps:\n      - run: "true"\n`;
// The take-over's run: jobs that take a while, so the killed server's run is under way.
const SLOW = `on: workflow_dispatch\njobs:\n  slow:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        i: [1, 2, 3, 4, 5, 6, 7, 8]\n    steps:\n      - run: sleep 2\n`;

let cluster;
const running = [];
const stopAll = async () => {
  for (const p of running.splice(0).reverse()) await p.stop().catch(() => {});
};
try {
  const repo = join(tmpRoot, "repo");
  mkdirSync(join(repo, ".github", "workflows"), { recursive: true });
  git(repo, "init", "-q", "-b", "main");
  writeFileSync(join(repo, ".github", "workflows", "first.yml"), FIRST);
  writeFileSync(join(repo, ".github", "workflows", "many.yml"), MANY);
  writeFileSync(join(repo, ".github", "workflows", "slow.yml"), SLOW);
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "workflows");

  if (SCENARIOS.has("b") || SCENARIOS.has("c")) {
    const { startPostgres } = await importBundled(
      join(ROOT, "test", "postgres.ts"),
      join(tmpRoot, "postgres.mjs"),
      ROOT,
    );
    cluster = await startPostgres();
    results.postgres = {
      version: cluster.version,
      settings: "fsync=off, synchronous_commit=off, full_page_writes=off",
    };
    log(`PostgreSQL: ${cluster.version}`);
  }

  // -------------------------------------------------------------------------------------------
  // a: the embedded server, SQLite and its pool
  if (SCENARIOS.has("a")) {
    log(`a: the embedded server (SQLite), its pool of ${SLOTS} slots; load ${loadNow()}`);
    const server = await startServer(
      "a",
      "server",
      repo,
      join(tmpRoot, "a-data"),
      `runners: {slots: ${SLOTS}, isolation: none}\n`,
    );
    running.push(server);
    results.a = {
      what: `gantry serve (SQLite), built-in pool of ${SLOTS} slots`,
      eventToFirstStep: await eventToFirstStep([server], markers),
      throughput: await throughput(server, { server: [server.pid] }),
    };
    await stopAll();
  }

  // -------------------------------------------------------------------------------------------
  // b: one server on PostgreSQL, its pool off, runner processes
  if (SCENARIOS.has("b")) {
    log(`b: one server on PostgreSQL, pool off, runner processes; load ${loadNow()}`);
    const url = await cluster.createDatabase();
    const db = new URL(url).pathname.slice(1);
    const probe = await pgProbe(cluster, db);
    const server = await startServer(
      "b",
      "server",
      repo,
      join(tmpRoot, "b-data"),
      `database: ${JSON.stringify(url)}\nrunners: {slots: 0, isolation: none}\n`,
    );
    running.push(server);
    const token = await registrationToken(server);
    const runners = [];
    const scaling = [];
    const counts = [...new Set([...SCALING, RUNNERS])].sort((x, y) => x - y);
    let warmed = false;
    for (const n of counts) {
      while (runners.length < n) {
        const r = await startRunner("b", server, `r${runners.length + 1}`, token);
        runners.push(r);
        running.push(r);
      }
      if (!warmed) {
        const warm = await waitCompleted(server, await dispatch(server, "first.yml"), 20);
        if (warm.conclusion !== "success") throw new Error(`b's first run ended ${warm.conclusion}`);
        warmed = true;
      }
      log(`   b: throughput with ${n} runner process(es); load ${loadNow()}`);
      const row = await throughput(
        server,
        { server: [server.pid], runners: runners.map((r) => r.pid) },
        { postmaster: probe.postmaster, pgStats: n === RUNNERS ? probe.stats : undefined },
      );
      scaling.push({ runners: n, ...row });
      if (n === RUNNERS) {
        results.b = {
          what: `gantry serve on PostgreSQL, runners.slots 0, ${RUNNERS} gantry runner processes of one slot`,
          eventToFirstStep: await eventToFirstStep([server], markers),
          throughput: row,
        };
      }
    }
    const base = scaling[0];
    results.bScaling = scaling.map((r) => ({
      runners: r.runners,
      jobsPerSecond: r.jobsPerSecond,
      overOneRunner: round(r.jobsPerSecond / base.jobsPerSecond, 2),
      machineBusyPct: r.machineBusyPct,
      cpuMsPerJob: r.cpuMsPerJob,
      loadavg: r.noise.loadavg,
    }));

    // The database's cost per job, with every statement logged (a run of its own: logging costs).
    if (!opts["no-dbcost"]) {
      log(`   b: the same ${JOBS} jobs with every statement logged; load ${loadNow()}`);
      await probe.logStatements(true);
      const before = cluster.output().length;
      const row = await throughput(server, { server: [server.pid] }, { postmaster: probe.postmaster });
      await probe.logStatements(false);
      const logged = loggedStatements(cluster.output().slice(before));
      const perJob = (x) => round(x / row.jobs, 2);
      const pgCpu = results.b.throughput.cpuMsPerJob.postgres;
      const stmtMs = perJob(logged.ms);
      results.dbCost = {
        how: `b with ${RUNNERS} runners: PostgreSQL's processes' CPU (/proc) and pg_stat_database deltas over the unlogged run; statements and their summed durations from a second run with log_min_duration_statement=0 (parse, bind and execute of each, as node-postgres sends them)`,
        jobs: row.jobs,
        statementsPerJob: perJob(logged.statements),
        statementMsPerJob: stmtMs,
        postgresCpuMsPerJob: pgCpu,
        pgStatDatabasePerJob: results.b.throughput.pgStatDatabasePerJob,
        loggedRunJobsPerSecond: row.jobsPerSecond,
        topStatements: logged.top.map(([sql, n]) => ({ sql, perJob: perJob(n) })),
        projection: {
          jobsPerSecondPerCoreByCpu: round(1000 / pgCpu, 0),
          jobsPerSecondPerCoreByStatementTime: round(1000 / stmtMs, 0),
          how: "1000 ms ÷ PostgreSQL's CPU ms per job (and ÷ the summed statement time per job): the jobs per second one core of a PostgreSQL of its own would carry if the database's CPU were the limit; multiply by its cores while the statements do not wait on one another's locks",
        },
      };
      log(`   db cost: ${JSON.stringify(results.dbCost)}`);
    }
    await probe.client.end();
    await stopAll();
  }

  // -------------------------------------------------------------------------------------------
  // c: two servers on one PostgreSQL database and one blob folder, the runners spread over them
  if (SCENARIOS.has("c")) {
    log(`c: two servers on one PostgreSQL, one blob store, ${RUNNERS} runners; load ${loadNow()}`);
    const url = await cluster.createDatabase();
    const db = new URL(url).pathname.slice(1);
    const probe = await pgProbe(cluster, db);
    const blobs = join(tmpRoot, "c-blobs");
    mkdirSync(blobs);
    const config = `database: ${JSON.stringify(url)}\nblobs: ${JSON.stringify(`file://${blobs}`)}\nrunners: {slots: 0, isolation: none}\n`;
    const first = await startServer("c", "server1", repo, join(tmpRoot, "c-data1"), config);
    running.push(first);
    const second = await startServer("c", "server2", repo, join(tmpRoot, "c-data2"), config);
    running.push(second);
    const servers = [first, second];
    const token = await registrationToken(first);
    const runners = [];
    for (let i = 0; i < RUNNERS; i++) {
      const r = await startRunner("c", servers[i % 2], `r${i + 1}`, token, [servers[(i + 1) % 2]]);
      runners.push(r);
      running.push(r);
    }
    results.c = {
      what: `two gantry serve on one PostgreSQL database and one --blobs file:/// folder, runners.slots 0, ${RUNNERS} gantry runner processes of one slot that know both servers (--server A,B), odd ones on the first server, even ones on the second; events dispatched to the two in turn`,
      eventToFirstStep: await eventToFirstStep(servers, markers),
      throughput: await throughput(
        first,
        { servers: servers.map((s) => s.pid), runners: runners.map((r) => r.pid) },
        { postmaster: probe.postmaster },
      ),
    };

    // The take-over: the leader killed while a run it drives is under way.
    if (!opts["no-takeover"]) {
      const leads = /this server leads now/;
      const leader = servers.find((s) => leads.test(s.stderr()));
      if (!leader) {
        results.takeover = { measured: false, why: "neither server said it leads ('this server leads now')" };
      } else {
        const other = servers.find((s) => s !== leader);
        const runId = await dispatch(leader, "slow.yml");
        // Under way: a job of it has started.
        for (;;) {
          const jobs = await runJobs(leader, runId);
          if (jobs.some((j) => j.status === "in_progress")) break;
          await sleep(50);
        }
        const seen = other.stderr().length;
        const t0 = performance.now();
        process.kill(leader.pid, "SIGKILL");
        running.splice(running.indexOf(leader), 1);
        const adopted = new RegExp(`adopted run ${runId}\\b`);
        let adoptedMs;
        let ledMs;
        let completedMs;
        let run;
        const end = t0 + 120_000;
        while (performance.now() < end && (ledMs === undefined || completedMs === undefined)) {
          const said = other.stderr().slice(seen);
          if (ledMs === undefined && leads.test(said)) ledMs = performance.now() - t0;
          if (adoptedMs === undefined && adopted.test(said)) adoptedMs = performance.now() - t0;
          if (completedMs === undefined) {
            run = await api(other, "GET", `/repos/bench/s/actions/runs/${runId}`);
            if (run.status === "completed") completedMs = performance.now() - t0;
          }
          await sleep(20);
        }
        const jobs = run ? await runJobs(other, runId) : [];
        results.takeover = {
          measured: true,
          how: "SIGKILL to the leading server while a run it drives (8 jobs of `sleep 2` on the 4 runners) is under way; the other server's stderr read every 20 ms for 'this server leads now' and 'adopted run N'; the run read from the other server every 20 ms",
          killToOtherLeadsMs: ledMs === undefined ? null : round(ledMs),
          killToRunAdoptedMs: adoptedMs === undefined ? null : round(adoptedMs),
          killToRunCompletedMs: completedMs === undefined ? null : round(completedMs),
          run: run ? { status: run.status, conclusion: run.conclusion } : null,
          jobs: jobs.map((j) => j.conclusion),
          otherServerSaid: other
            .stderr()
            .slice(seen)
            .split("\n")
            .filter((l) => l.trim())
            .slice(0, 20),
          loadavg: loadNow(),
        };
        log(`   take-over: ${JSON.stringify(results.takeover)}`);
      }
    }
    await probe.client.end();
    await stopAll();
  }
} finally {
  await stopAll();
  await cluster?.stop();
  if (!opts.keep) rmSync(tmpRoot, { recursive: true, force: true });
  else log(`kept ${tmpRoot}`);
}

// ---------------------------------------------------------------------------------------------
// Ratios within this run, and the summary

results.machine.loadavgAtEnd = loadNow();
const ratio = (x, y) => (x && y ? round(x / y, 2) : null);
if (results.a && results.b) {
  results.ratios = {
    latencyP50BOverA: ratio(results.b.eventToFirstStep.p50Ms, results.a.eventToFirstStep.p50Ms),
    latencyP99BOverA: ratio(results.b.eventToFirstStep.p99Ms, results.a.eventToFirstStep.p99Ms),
    throughputBOverA: ratio(results.b.throughput.jobsPerSecond, results.a.throughput.jobsPerSecond),
    ...(results.c
      ? {
          latencyP50COverA: ratio(results.c.eventToFirstStep.p50Ms, results.a.eventToFirstStep.p50Ms),
          latencyP99COverA: ratio(results.c.eventToFirstStep.p99Ms, results.a.eventToFirstStep.p99Ms),
          throughputCOverA: ratio(results.c.throughput.jobsPerSecond, results.a.throughput.jobsPerSecond),
        }
      : {}),
  };
}
const line = (name, r) =>
  r
    ? `${name.padEnd(44)} first step p50 ${String(r.eventToFirstStep.p50Ms).padStart(6)} ms  p99 ${String(r.eventToFirstStep.p99Ms).padStart(6)} ms  ${String(r.throughput.jobsPerSecond).padStart(5)} jobs/s`
    : `${name.padEnd(44)} not measured`;
console.log(line("a  SQLite, built-in pool", results.a));
console.log(line("b  PostgreSQL, 1 server + runners", results.b));
console.log(line("c  PostgreSQL, 2 servers + runners", results.c));
if (results.ratios) console.log(`ratios: ${JSON.stringify(results.ratios)}`);
if (results.bScaling)
  for (const s of results.bScaling)
    console.log(
      `b with ${s.runners} runner(s): ${s.jobsPerSecond} jobs/s (${s.overOneRunner}×), machine busy ${s.machineBusyPct} %`,
    );
if (results.dbCost) console.log(`db cost: ${JSON.stringify(results.dbCost.projection)}`);
if (results.takeover) console.log(`take-over: ${JSON.stringify(results.takeover)}`);
writeResults(opts.out, results, ROOT);
