#!/usr/bin/env node
// gantry serve benchmarks (`npm run bench:serve`). Starts the real server (`node bin/gantry.js
// serve --data DIR --port 0`) on loopback, against real git repositories in temp dirs, and measures:
//   1. event → first step: a workflow_dispatch POSTed to the REST API, to the first step's process
//      (the step writes `date +%s%N`), one event at a time, p50 and p99 over --events (200); and
//      the same for a forge's push webhook: a commit to the repository the server clones from,
//      then GitHub's signed push payload POSTed to /hooks/github (eventToFirstStep.webhook);
//   2. --jobs (1,000) queued one-step jobs (matrices of 250 legs, dispatched at once) on 8 runner
//      slots: jobs per second from the first POST to the last job's completed_at, and the server
//      process's peak RSS (VmHWM in /proc/PID/status);
//   3. the runs list under load: --runs (10,000) runs stored through the Store API (src/store,
//      bundled with esbuild) before the server starts, then autocannon against
//      GET /api/v1/repos/{o}/{r}/actions/runs: first page, a filter, a deep page;
//   4. push → first step: a `git push` to a bare repository whose post-receive hook is gantry's
//      (`gantry hook install`), to the first step of the `on: push` workflow, one push at a time,
//      p50 and p99 over --events; and the same `git push` to a bare repository without the hook,
//      after each one (what the hook adds to a push); and from the pushed ref's update (a
//      reference-transaction hook in both repositories) to the step: the event → first step alone;
//   5. Buildbot as a peer, in the same run (bench/buildbot.mjs): one master and --slots workers on
//      loopback; change → step start p50/p99 over --peer-events changes sent one at a time (as its
//      git hook sends them, over PB), and --peer-jobs one-step builds queued at once: builds per
//      second, beside sections 1 and 2's figures for gantry.
// It prints the figures and writes them to bench/serve-results.json. Nothing is asserted, and
// tests never check timings.
//
// Options: --events N (200)  --jobs N (1000)  --slots N (8)  --runs N (10000)
//          --duration S (10, per autocannon scenario)  --connections N (10)  --sections 1,2,3,4,5
//          --peer-events N (100)  --peer-jobs N (200)
//          --no-build  --keep  --out FILE  --gantry FILE (another build's bin/gantry.js)
//          --isolation sandbox|none (the jobs', sandbox by default as the server's)
// Its repositories and servers' data go in a new folder under $GANTRY_BENCH_DIR, else /var/tmp (not /tmp:
// see benchDir in bench/measure.mjs).
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { ensureBuildbot, startBuildbot } from "./buildbot.mjs";
import {
  allJobs,
  apiClient,
  benchCommit,
  benchDir,
  childEnv,
  describeMachine,
  githubPushDelivery,
  log,
  newestMtime,
  round,
  startGantryServe,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_GANTRY = join(ROOT, "bin", "gantry.js");
const DIST = join(ROOT, "dist", "gantry.js");
const TOKEN = "bench-admin-token";

const { values: opts } = parseArgs({
  options: {
    events: { type: "string", default: "200" },
    jobs: { type: "string", default: "1000" },
    slots: { type: "string", default: "8" },
    runs: { type: "string", default: "10000" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    sections: { type: "string", default: "1,2,3,4,5" },
    "peer-events": { type: "string", default: "100" },
    "peer-jobs": { type: "string", default: "200" },
    "no-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "serve-results.json") },
    // another build's bin/gantry.js (an older commit) to measure instead of this checkout's
    gantry: { type: "string" },
    // the jobs' isolation: the server's default (the sandbox), or none
    isolation: { type: "string", default: "sandbox" },
  },
});
if (!["sandbox", "none"].includes(opts.isolation)) throw new Error("--isolation: sandbox or none");
const GANTRY = opts.gantry ? resolve(opts.gantry) : DEFAULT_GANTRY;
const EVENTS = Number(opts.events);
const JOBS = Number(opts.jobs);
const SLOTS = Number(opts.slots);
const RUNS = Number(opts.runs);
const DURATION = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const PEER_EVENTS = Number(opts["peer-events"]);
const PEER_JOBS = Number(opts["peer-jobs"]);
const SECTIONS = new Set(opts.sections.split(",").map((x) => x.trim()));
const LEGS = 250; // GitHub caps a matrix at 256 legs: the jobs are split over runs of 250

// ---------------------------------------------------------------------------------------------
// Helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The q-quantile (0..1) of a series, nearest-rank. */
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};

// Wall-clock milliseconds with sub-millisecond resolution, comparable with `date +%s%N` in a step.
const wallOffsetMs = (() => {
  const start = Date.now();
  let now = Date.now();
  while (now === start) now = Date.now();
  return now - performance.now();
})();
const wallMs = () => wallOffsetMs + performance.now();

/** Linux PSI: the share of the time some task waited for a CPU, and the load, over a section. */
function pressure() {
  try {
    const text = readFileSync("/proc/pressure/cpu", "utf8");
    return { stallUs: Number(/some .*total=(\d+)/.exec(text)?.[1]), at: performance.now(), text };
  } catch {
    return { stallUs: Number.NaN, at: performance.now(), text: "" };
  }
}
function pressureSince(start) {
  const end = pressure();
  return {
    cpuSomeWaitingPct: round(((end.stallUs - start.stallUs) / 1000 / (end.at - start.at)) * 100, 1),
    loadavg: loadavg().map((l) => round(l, 2)),
  };
}

const tmpRoot = benchDir("gantry-servebench-");
const env = childEnv({ GANTRY_HOME: join(tmpRoot, "gantry-home"), GANTRY_ADMIN_TOKEN: TOKEN });

/** `node bin/gantry.js run ARGS` in `cwd`; resolves at its exit (a failure is said, not thrown). */
function gantryRun(cwd, args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [GANTRY, "run", ...args], { cwd, env, stdio: "ignore" });
    child.once("exit", (code) => {
      if (code !== 0) log(`   gantry run ${args.join(" ")} exited ${code}`);
      done(code);
    });
  });
}

const git = (cwd, ...args) =>
  execFileSync("git", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] }).toString();

/** A git repository holding the given workflow files, committed on main. */
function makeRepo(name, workflows) {
  const dir = join(tmpRoot, name);
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  for (const [file, text] of Object.entries(workflows))
    writeFileSync(join(dir, ".github", "workflows", file), text);
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "workflows");
  return dir;
}

/**
 * Starts `gantry serve` on a fresh port; resolves when it says where it listens. Jobs run in the
 * server's default isolation (the sandbox), so the folders their steps write to are `writable`.
 * `hooks`: the config's hooks: (the webhook secrets).
 */
async function startServer(name, repoDir, writable = [], hooks = undefined) {
  const data = join(tmpRoot, `${name}-data`);
  const config = join(tmpRoot, `${name}.yml`);
  writeFileSync(
    config,
    `repo_url_schemes: [file]\nrepos:\n  - {owner: bench, name: ${name}, url: ${JSON.stringify(repoDir)}, poll_interval_seconds: 0}\nrunners: {slots: ${SLOTS}, writable: ${JSON.stringify(writable)}${opts.isolation === "none" ? ", isolation: none" : ""}}\n${hooks ? `hooks: ${JSON.stringify(hooks)}\n` : ""}`,
  );
  return startServerOn(data, config);
}
const startServerOn = (data, config) => startGantryServe({ gantry: GANTRY, data, config, env });
const api = apiClient(TOKEN);

const dispatch = (server, repo, file) =>
  api(server, "POST", `/repos/bench/${repo}/actions/workflows/${file}/dispatches`, {
    ref: "main",
    return_run_details: true,
  }).then((r) => r.workflow_run_id);

async function waitCompleted(server, repo, runId, everyMs) {
  for (;;) {
    const run = await api(server, "GET", `/repos/bench/${repo}/actions/runs/${runId}`);
    if (run.status === "completed") return run;
    await sleep(everyMs);
  }
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
  machine: { ...describeMachine(), pressureAtStart: pressure().text.trim() },
  options: {
    events: EVENTS,
    jobs: JOBS,
    slots: SLOTS,
    runs: RUNS,
    duration: DURATION,
    connections: CONNECTIONS,
    gantry: opts.gantry ? GANTRY : "bin/gantry.js",
    isolation: opts.isolation,
    peerEvents: PEER_EVENTS,
    peerJobs: PEER_JOBS,
  },
};

try {
  // -------------------------------------------------------------------------------------------
  // 1. Event → first step
  if (SECTIONS.has("1")) {
    const markers = join(tmpRoot, "markers");
    mkdirSync(markers);
    const repo = makeRepo("first", {
      "first.yml": `on: workflow_dispatch\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: date +%s%N > ${JSON.stringify(markers)}/$GITHUB_RUN_ID\n`,
    });
    const server = await startServer("first", repo, [markers]);
    log(`1. event → first step: ${EVENTS} dispatches, one at a time (${server.url}, pid ${server.pid})`);
    // One unmeasured event: the first clone fetch, the first job's lazy loads.
    const warm = await waitCompleted(server, "first", await dispatch(server, "first", "first.yml"), 20);
    if (warm.conclusion !== "success")
      throw new Error(`the first run ended ${warm.conclusion}: see ${server.url}`);
    const p0 = pressure();
    const latencies = [];
    const accepted = [];
    let failed = 0;
    for (let i = 0; i < EVENTS; i++) {
      const t0 = wallMs();
      const runId = await dispatch(server, "first", "first.yml");
      accepted.push(wallMs() - t0);
      const run = await waitCompleted(server, "first", runId, 10);
      if (run.conclusion !== "success") failed++;
      const marker = join(markers, String(runId));
      if (!existsSync(marker)) continue;
      latencies.push(Number(BigInt(readFileSync(marker, "utf8").trim()) / 1000n) / 1000 - t0);
    }
    results.eventToFirstStep = {
      how: "POST …/actions/workflows/first.yml/dispatches (return_run_details) → the step's `date +%s%N`",
      events: EVENTS,
      measured: latencies.length,
      failedRuns: failed,
      p50Ms: round(quantile(latencies, 0.5)),
      p90Ms: round(quantile(latencies, 0.9)),
      p99Ms: round(quantile(latencies, 0.99)),
      minMs: round(Math.min(...latencies)),
      maxMs: round(Math.max(...latencies)),
      dispatchAnsweredP50Ms: round(quantile(accepted, 0.5)),
      serverPeakRss: server.memory(),
      noise: pressureSince(p0),
    };
    log(`   ${JSON.stringify(results.eventToFirstStep)}`);
    await server.stop();
    // A forge's push webhook: GitHub's push payload, signed with the server's github_secret, POSTed to
    // /hooks/github after each commit to the repository the server clones from; the server fetches
    // the pushed commit and starts the `on: push` workflow.
    {
      const hookMarkers = join(tmpRoot, "webhook-markers");
      mkdirSync(hookMarkers);
      const secret = "bench-webhook-secret";
      const hooked = makeRepo("hooked", {
        "hooked.yml": `on: push\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: date +%s%N > ${JSON.stringify(hookMarkers)}/$GITHUB_SHA\n`,
      });
      const hookServer = await startServer("hooked", hooked, [hookMarkers], { github_secret: secret });
      log(`   and ${EVENTS} GitHub push webhooks, one at a time (${hookServer.url}, pid ${hookServer.pid})`);
      let n = 0;
      const deliverOnce = async () => {
        const before = git(hooked, "rev-parse", "HEAD").trim();
        writeFileSync(join(hooked, "n.txt"), String(++n));
        git(hooked, "add", "n.txt");
        git(hooked, "commit", "-q", "-m", `push ${n}`);
        const after = git(hooked, "rev-parse", "HEAD").trim();
        const delivery = githubPushDelivery({
          secret,
          owner: "bench",
          name: "hooked",
          cloneUrl: hooked,
          ref: "refs/heads/main",
          before,
          after,
          message: `push ${n}`,
        });
        const t0 = wallMs();
        const res = await fetch(`${hookServer.url}/hooks/github`, {
          method: "POST",
          headers: delivery.headers,
          body: delivery.body,
        });
        const answered = wallMs() - t0;
        if (res.status !== 202) throw new Error(`POST /hooks/github: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        const marker = join(hookMarkers, after);
        const deadline = Date.now() + 30_000;
        while (!existsSync(marker) || readFileSync(marker, "utf8").trim() === "") {
          if (Date.now() > deadline) return { answered };
          await sleep(2);
        }
        const ms = Number(BigInt(readFileSync(marker, "utf8").trim()) / 1000n) / 1000 - t0;
        // One at a time: the next delivery once this push's run has finished.
        let run;
        for (;;) {
          const runs = await api(hookServer, "GET", `/repos/bench/hooked/actions/runs?head_sha=${after}`);
          run = runs.workflow_runs[0];
          if (run?.status === "completed") break;
          await sleep(10);
        }
        return { answered, ms, conclusion: run.conclusion };
      };
      await deliverOnce(); // unmeasured: the first fetch into the server's clone, lazy loads
      const w0 = pressure();
      const hookLatencies = [];
      const hookAnswered = [];
      let missed = 0;
      let hookFailed = 0;
      for (let i = 0; i < EVENTS; i++) {
        const { answered, ms, conclusion } = await deliverOnce();
        hookAnswered.push(answered);
        if (ms === undefined) missed++;
        else hookLatencies.push(ms);
        if (conclusion !== undefined && conclusion !== "success") hookFailed++;
      }
      results.eventToFirstStep.webhook = {
        how: "a commit to the repository the server clones from, then GitHub's push webhook (signed JSON, X-Hub-Signature-256) POSTed to /hooks/github → the step's `date +%s%N`",
        events: EVENTS,
        measured: hookLatencies.length,
        missed,
        failedRuns: hookFailed,
        p50Ms: round(quantile(hookLatencies, 0.5)),
        p90Ms: round(quantile(hookLatencies, 0.9)),
        p99Ms: round(quantile(hookLatencies, 0.99)),
        minMs: round(Math.min(...hookLatencies)),
        maxMs: round(Math.max(...hookLatencies)),
        webhookAnsweredP50Ms: round(quantile(hookAnswered, 0.5)),
        serverPeakRss: hookServer.memory(),
        noise: pressureSince(w0),
      };
      log(`   webhook: ${JSON.stringify(results.eventToFirstStep.webhook)}`);
      await hookServer.stop();
    }
    // The same step in the same run without the server: `gantry run`, process spawn → the step.
    {
      const local = [];
      for (let i = 0; i < Math.min(20, EVENTS); i++) {
        rmSync(markers, { recursive: true, force: true });
        mkdirSync(markers);
        const t0 = wallMs();
        await gantryRun(repo, ["--event", "workflow_dispatch"]);
        const [file] = readdirSync(markers);
        if (file)
          local.push(Number(BigInt(readFileSync(join(markers, file), "utf8").trim()) / 1000n) / 1000 - t0);
      }
      results.eventToFirstStep.referenceGantryRun = {
        how: "node bin/gantry.js run --event workflow_dispatch in a checkout of the same repository: spawn → the step",
        runs: local.length,
        p50Ms: round(quantile(local, 0.5)),
        maxMs: round(Math.max(...local)),
      };
      log(`   reference: ${JSON.stringify(results.eventToFirstStep.referenceGantryRun)}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // 2. 1,000 queued one-step jobs on 8 slots
  if (SECTIONS.has("2")) {
    const legs = Array.from({ length: LEGS }, (_, i) => i + 1).join(", ");
    const repo = makeRepo("many", {
      "many.yml": `on: workflow_dispatch\njobs:\n  leg:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        i: [${legs}]\n    steps:\n      - run: "true"\n`,
    });
    const server = await startServer("many", repo);
    const runs = Math.ceil(JOBS / LEGS);
    log(
      `2. ${runs * LEGS} queued jobs (${runs} runs × ${LEGS} legs), ${SLOTS} slots (${server.url}, pid ${server.pid})`,
    );
    const memBefore = server.memory();
    const p0 = pressure();
    const t0 = wallMs();
    const ids = await Promise.all(Array.from({ length: runs }, () => dispatch(server, "many", "many.yml")));
    const queuedMs = wallMs() - t0;
    let peakRssSampled = 0;
    const finished = [];
    for (const id of ids) {
      for (;;) {
        peakRssSampled = Math.max(peakRssSampled, server.memory().rssMiB);
        const run = await api(server, "GET", `/repos/bench/many/actions/runs/${id}`);
        if (run.status === "completed") {
          finished.push(run);
          break;
        }
        await sleep(200);
      }
    }
    const seenMs = wallMs() - t0;
    const jobs = [];
    for (const id of ids) {
      jobs.push(...(await allJobs(api, server, `/repos/bench/many/actions/runs/${id}/jobs`)));
    }
    const lastCompleted = Math.max(...jobs.map((j) => Date.parse(j.completed_at)));
    const firstStarted = Math.min(...jobs.map((j) => Date.parse(j.started_at)));
    const firstQueued = Math.min(...finished.map((r) => Date.parse(r.created_at)));
    const spanMs = lastCompleted - firstQueued;
    results.queuedJobs = {
      jobs: jobs.length,
      succeeded: jobs.filter((j) => j.conclusion === "success").length,
      slots: SLOTS,
      runs,
      dispatchAllMs: round(queuedMs),
      firstQueuedToFirstStartMs: firstStarted - firstQueued,
      firstQueuedToLastCompletedMs: spanMs,
      jobsPerSecond: round((jobs.length / spanMs) * 1000, 1),
      msPerJobPerSlot: round((spanMs * SLOTS) / jobs.length, 1),
      wallToSeenCompletedMs: round(seenMs),
      serverRssBeforeMiB: memBefore.rssMiB,
      serverRssAfterMiB: server.memory().rssMiB,
      serverPeakRssMiB: server.memory().peakMiB,
      serverPeakRssSampledMiB: peakRssSampled,
      noise: pressureSince(p0),
    };
    log(`   ${JSON.stringify(results.queuedJobs)}`);
    await server.stop();
    // The same in the same run without the server: `gantry run` of one 250-leg matrix, 8 at once,
    // as it runs by default (no sandbox) and in the server's isolation (--isolation sandbox).
    for (const [field, extra] of [
      ["referenceGantryRun", []],
      ["referenceGantryRunSandbox", ["--isolation", "sandbox"]],
    ]) {
      const args = ["--event", "workflow_dispatch", "--max-jobs", String(SLOTS), ...extra];
      const t = performance.now();
      await gantryRun(repo, args);
      const ms = performance.now() - t;
      results.queuedJobs[field] = {
        how: `gantry run ${args.join(" ")}: the same ${LEGS}-leg matrix, process start → exit`,
        jobs: LEGS,
        wallMs: round(ms),
        jobsPerSecond: round((LEGS / ms) * 1000, 1),
      };
      log(`   reference: ${JSON.stringify(results.queuedJobs[field])}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // 3. The runs list with 10,000 runs stored
  if (SECTIONS.has("3")) {
    const repo = makeRepo("list", {
      "ci.yml": `on: [push, workflow_dispatch]\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n`,
    });
    const sha = git(repo, "rev-parse", "HEAD").trim();
    const data = join(tmpRoot, "list-data");
    // The real Store (src/store), bundled for Node; better-sqlite3 stays the installed one.
    const storeBundle = join(ROOT, "dist", "bench-store.mjs");
    const { build } = await import("esbuild");
    await build({
      entryPoints: [join(ROOT, "src", "store", "index.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      external: ["better-sqlite3"],
      outfile: storeBundle,
      logLevel: "warning",
    });
    const { openSqliteStore } = await import(pathToFileURL(storeBundle).href);
    const store = await openSqliteStore(join(data, "gantry.db"));
    const repoRow = await store.addRepo({
      owner: "bench",
      name: "list",
      url: repo,
      defaultBranch: "main",
      pollIntervalSeconds: 0,
    });
    log(`3. runs list: storing ${RUNS} runs …`);
    const s0 = performance.now();
    const branches = ["main", "main", "main", "feature/a", "feature/b"];
    const events = ["push", "push", "pull_request", "workflow_dispatch"];
    for (let i = 0; i < RUNS; i++) {
      const branch = branches[i % branches.length];
      const event = events[i % events.length];
      await store.createRun({
        repoId: repoRow.id,
        workflowName: "ci",
        workflowFile: ".github/workflows/ci.yml",
        event,
        ref: `refs/heads/${branch}`,
        headBranch: branch,
        headSha: sha,
        status: "completed",
        conclusion: i % 7 === 0 ? "failure" : "success",
        actor: "bench",
        github: { event_name: event, ref: `refs/heads/${branch}`, sha },
        inputs: {},
        problems: [],
      });
    }
    const storeMs = performance.now() - s0;
    await store.close();
    rmSync(storeBundle, { force: true });
    const config = join(tmpRoot, "list.yml");
    writeFileSync(
      config,
      `repo_url_schemes: [file]\nrepos:\n  - {owner: bench, name: list, url: ${JSON.stringify(repo)}, poll_interval_seconds: 0}\nrunners: {slots: ${SLOTS}}\n`,
    );
    const server = await startServerOn(data, config);
    log(
      `   stored in ${round(storeMs)} ms; autocannon, ${CONNECTIONS} connections × ${DURATION} s each (${server.url})`,
    );
    const base = `${server.url}/api/v1/repos/bench/list/actions/runs`;
    const deepPage = Math.floor(RUNS / 30) - 1;
    const scenarios = [
      ["first page (30 runs)", ""],
      ["filter: ?branch=feature/a&status=failure", "?branch=feature%2Fa&status=failure"],
      ["filter: ?event=push&per_page=100", "?event=push&per_page=100"],
      [`deep page: ?page=${deepPage}`, `?page=${deepPage}`],
    ];
    results.runsList = {
      runsStored: RUNS,
      storeMs: round(storeMs),
      connections: CONNECTIONS,
      durationS: DURATION,
      scenarios: [],
    };
    for (const [name, query] of scenarios) {
      const check = await fetch(`${base}${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = await check.json();
      const p0 = pressure();
      const r = await autocannon({
        url: `${base}${query}`,
        connections: CONNECTIONS,
        duration: DURATION,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const row = {
        name,
        status: check.status,
        totalCount: body.total_count,
        returned: body.workflow_runs?.length,
        responseKiB: round(r.throughput.average / r.requests.average / 1024, 1),
        requestsPerSecond: round(r.requests.average),
        latencyP50Ms: r.latency.p50,
        latencyP99Ms: r.latency.p99,
        latencyMaxMs: r.latency.max,
        non2xx: r.non2xx,
        errors: r.errors,
        noise: pressureSince(p0),
      };
      results.runsList.scenarios.push(row);
      log(`   ${JSON.stringify(row)}`);
    }
    results.runsList.serverPeakRss = server.memory();
    await server.stop();
  }

  // -------------------------------------------------------------------------------------------
  // 4. Push (seen by the post-receive hook) → first step
  if (SECTIONS.has("4")) {
    const markers = join(tmpRoot, "push-markers");
    mkdirSync(markers);
    const work = makeRepo("pushed", {
      "pushed.yml": `on: push\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: date +%s%N > ${JSON.stringify(markers)}/$GITHUB_SHA\n`,
    });
    const bare = join(tmpRoot, "pushed.git");
    git(tmpRoot, "clone", "-q", "--bare", work, bare);
    git(work, "remote", "add", "origin", bare);
    // The same pushes to a bare repository without a hook: what the hook adds to a `git push`.
    const plain = join(tmpRoot, "plain.git");
    git(tmpRoot, "clone", "-q", "--bare", work, plain);
    git(work, "remote", "add", "plain", plain);
    // The moment each push's ref is updated, the event itself (before any post-receive hook runs):
    // git's reference-transaction hook, in both repositories so that the hook's cost compares like
    // for like, writes the time its "committed" state is reached, named by the new commit.
    const refTimes = (dir) => {
      const stamps = join(tmpRoot, `${dir}-ref-times`);
      mkdirSync(stamps);
      const hook = join(tmpRoot, dir, "hooks", "reference-transaction");
      writeFileSync(
        hook,
        `#!/bin/sh\nwhile read -r _old new _ref; do\n  [ "$1" = committed ] && date +%s%N > ${JSON.stringify(stamps)}/"$new"\ndone\nexit 0\n`,
      );
      chmodSync(hook, 0o755);
      return stamps;
    };
    const refUpdated = refTimes("pushed.git");
    refTimes("plain.git");
    const server = await startServer("pushed", bare, [markers]);
    execFileSync(
      process.execPath,
      [GANTRY, "hook", "install", bare, "--server", server.url, "--token", TOKEN],
      {
        env,
        stdio: "ignore",
      },
    );
    log(`4. push → first step: ${EVENTS} pushes through the post-receive hook (${server.url})`);
    let n = 0;
    /** Commits, pushes and waits for the step's marker; the time from the push to the step. */
    const pushOnce = async () => {
      writeFileSync(join(work, "n.txt"), String(++n));
      git(work, "add", "n.txt");
      git(work, "commit", "-q", "-m", `push ${n}`);
      const sha = git(work, "rev-parse", "HEAD").trim();
      const t0 = wallMs();
      git(work, "push", "-q", "origin", "main");
      const pushed = wallMs() - t0;
      const marker = join(markers, sha);
      const deadline = Date.now() + 30_000;
      while (!existsSync(marker) || readFileSync(marker, "utf8").trim() === "") {
        if (Date.now() > deadline) return { pushed };
        await sleep(2);
      }
      const stepAt = Number(BigInt(readFileSync(marker, "utf8").trim()) / 1000n) / 1000;
      const ms = stepAt - t0;
      const stamp = join(refUpdated, sha);
      const fromRef = existsSync(stamp)
        ? stepAt - Number(BigInt(readFileSync(stamp, "utf8").trim()) / 1000n) / 1000
        : undefined;
      // The same commit to the repository without a hook, once the step has run (not measured above).
      const t1 = wallMs();
      git(work, "push", "-q", "plain", "main");
      return { pushed, ms, fromRef, plainPush: wallMs() - t1 };
    };
    await pushOnce(); // unmeasured: the first fetch into the server's clone, lazy loads
    const p0 = pressure();
    const latencies = [];
    const pushes = [];
    const plainPushes = [];
    const fromRefs = [];
    let missed = 0;
    for (let i = 0; i < EVENTS; i++) {
      const { pushed, ms, fromRef, plainPush } = await pushOnce();
      pushes.push(pushed);
      if (fromRef !== undefined) fromRefs.push(fromRef);
      if (plainPush !== undefined) plainPushes.push(plainPush);
      if (ms === undefined) missed++;
      else latencies.push(ms);
      // One at a time: the next push once this run has finished, as section 1 waits for its run.
      const runs = await api(server, "GET", "/repos/bench/pushed/actions/runs?status=in_progress");
      if (runs.total_count > 0) await sleep(20);
    }
    results.pushToFirstStep = {
      how: "git push to a bare repository with gantry's post-receive hook → the step's `date +%s%N` (the push's own time included)",
      events: EVENTS,
      measured: latencies.length,
      missed,
      p50Ms: round(quantile(latencies, 0.5)),
      p90Ms: round(quantile(latencies, 0.9)),
      p99Ms: round(quantile(latencies, 0.99)),
      minMs: round(Math.min(...latencies)),
      maxMs: round(Math.max(...latencies)),
      refUpdatedToFirstStep: {
        how: "the pushed ref updated in the bare repository (git's reference-transaction hook, state committed) → the step's `date +%s%N`: the event → first step, without git's own transfer",
        measured: fromRefs.length,
        p50Ms: round(quantile(fromRefs, 0.5)),
        p99Ms: round(quantile(fromRefs, 0.99)),
      },
      gitPushP50Ms: round(quantile(pushes, 0.5)),
      gitPushP99Ms: round(quantile(pushes, 0.99)),
      gitPushWithoutHookP50Ms: round(quantile(plainPushes, 0.5)),
      gitPushWithoutHookP99Ms: round(quantile(plainPushes, 0.99)),
      hookCostP50Ms: round(quantile(pushes, 0.5) - quantile(plainPushes, 0.5)),
      // The compiled hook (an ELF file) or the script's first line.
      hook: ((head) =>
        head.startsWith("\x7fELF") ? "compiled (post-receive-hook.c)" : head.split("\n", 1)[0])(
        readFileSync(join(bare, "hooks", "post-receive"), "latin1").slice(0, 200),
      ),
      serverPeakRss: server.memory(),
      noise: pressureSince(p0),
    };
    log(`   ${JSON.stringify(results.pushToFirstStep)}`);
    await server.stop();
  }

  // -------------------------------------------------------------------------------------------
  // 5. Buildbot, the same work
  if (SECTIONS.has("5")) {
    const why = ensureBuildbot(log);
    if (why) {
      log(`5. Buildbot: skipped, ${why}`);
      results.buildbot = { skipped: why };
    } else {
      const markers = join(tmpRoot, "buildbot-markers");
      mkdirSync(markers);
      const root = join(tmpRoot, "buildbot");
      mkdirSync(root);
      const started = wallMs();
      const bb = await startBuildbot({ root, slots: SLOTS, markers, env, log });
      const startMs = wallMs() - started;
      log(`5. Buildbot: master and ${SLOTS} workers up in ${round(startMs)} ms (PB port ${bb.pbPort})`);
      const markerMs = async (rev, t0) => {
        const marker = join(markers, rev);
        const deadline = Date.now() + 60_000;
        while (!existsSync(marker) || readFileSync(marker, "utf8").trim() === "") {
          if (Date.now() > deadline) return undefined;
          await sleep(2);
        }
        return Number(BigInt(readFileSync(marker, "utf8").trim()) / 1000n) / 1000 - t0;
      };
      /** Waits until `n` builds of `builder` have completed (one at a time, as sections 1 and 4). */
      const completedAtLeast = async (builder, n, everyMs) => {
        const deadline = Date.now() + 900_000;
        while (bb.completed(builder).count < n) {
          if (Date.now() > deadline)
            throw new Error(`buildbot: ${bb.completed(builder).count} of ${n} builds done after 15 min`);
          await sleep(everyMs);
        }
      };
      try {
        let n = 0;
        // One unmeasured change: the first build's lazy loads.
        await bb.send("first", `warm-${n}`);
        await markerMs(`warm-${n}`, wallMs());
        await completedAtLeast("first", ++n, 10);
        const p0 = pressure();
        const latencies = [];
        const accepted = [];
        let missed = 0;
        for (let i = 0; i < PEER_EVENTS; i++) {
          const rev = `change-${i}`;
          const t0 = wallMs();
          await bb.send("first", rev);
          accepted.push(wallMs() - t0);
          const ms = await markerMs(rev, t0);
          if (ms === undefined) missed++;
          else latencies.push(ms);
          await completedAtLeast("first", ++n, 10);
        }
        const noise = pressureSince(p0);
        // `buildbot sendchange`, a Python process per change (as a hook that runs it pays).
        const cli = [];
        const cliToStep = [];
        for (let i = 0; i < Math.min(20, PEER_EVENTS); i++) {
          const rev = `cli-${i}`;
          const t0 = wallMs();
          await bb.sendchangeCli("first", rev);
          cli.push(wallMs() - t0);
          const ms = await markerMs(rev, t0);
          if (ms !== undefined) cliToStep.push(ms);
          await completedAtLeast("first", ++n, 10);
        }
        // Throughput: PEER_JOBS changes at once, one build each, on SLOTS workers.
        const q0 = pressure();
        const t0 = wallMs();
        // One change after the other (each is a PB connection of its own; hundreds at once stall),
        // while the builds already run.
        for (let j = 0; j < PEER_JOBS; j++) await bb.send("many", `many-${j}`);
        const sentMs = wallMs() - t0;
        await completedAtLeast("many", PEER_JOBS, 50);
        const spanMs = wallMs() - t0;
        const done = bb.completed("many");
        results.buildbot = {
          how: "Buildbot 3.7 (Debian), one master + one worker process per slot on loopback; changes over PB to a PBChangeSource (as its git hook and `buildbot sendchange` send them) → the step's `date +%s%N`",
          version: execFileSync("buildbot", ["--version"], { env }).toString().split("\n")[0],
          slots: SLOTS,
          startMs: round(startMs),
          changeToFirstStep: {
            events: PEER_EVENTS,
            measured: latencies.length,
            missed,
            p50Ms: round(quantile(latencies, 0.5)),
            p90Ms: round(quantile(latencies, 0.9)),
            p99Ms: round(quantile(latencies, 0.99)),
            minMs: round(Math.min(...latencies)),
            maxMs: round(Math.max(...latencies)),
            changeAcceptedP50Ms: round(quantile(accepted, 0.5)),
            noise,
          },
          sendchangeCli: {
            runs: cli.length,
            processP50Ms: round(quantile(cli, 0.5)),
            toFirstStepP50Ms: round(quantile(cliToStep, 0.5)),
          },
          queuedBuilds: {
            builds: done.count,
            succeeded: done.succeeded,
            sendAllMs: round(sentMs),
            firstSendToLastCompletedMs: round(spanMs),
            buildsPerSecond: round((done.count / spanMs) * 1000, 1),
            noise: pressureSince(q0),
          },
          memory: bb.memory(),
        };
      } finally {
        await bb.stop();
      }
      const b = results.buildbot;
      b.ratios = {
        ...(results.eventToFirstStep && {
          gantryDispatchP50OverBuildbotP50: round(
            results.eventToFirstStep.p50Ms / b.changeToFirstStep.p50Ms,
            3,
          ),
          gantryDispatchP99OverBuildbotP99: round(
            results.eventToFirstStep.p99Ms / b.changeToFirstStep.p99Ms,
            3,
          ),
        }),
        ...(results.pushToFirstStep && {
          gantryPushP50OverBuildbotP50: round(results.pushToFirstStep.p50Ms / b.changeToFirstStep.p50Ms, 3),
        }),
        ...(results.queuedJobs && {
          gantryJobsPerSecondOverBuildbot: round(
            results.queuedJobs.jobsPerSecond / b.queuedBuilds.buildsPerSecond,
            3,
          ),
        }),
      };
      log(`   ${JSON.stringify(b)}`);
    }
  }
} finally {
  if (opts.keep) log(`kept ${tmpRoot}`);
  else {
    // After a failure a server may still be writing into its folders: the removal's own error
    // must not replace the one that stopped the bench.
    try {
      rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      log(`could not remove ${tmpRoot}: ${err.message}`);
    }
  }
}

results.machine.pressureAtEnd = pressure().text.trim();
writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
log(`wrote ${opts.out}`);
