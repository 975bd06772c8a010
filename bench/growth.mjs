#!/usr/bin/env node
// The server as it grows (`npm run bench:growth`). Starts the real server (`node bin/gantry.js
// serve --data DIR --port 0`) on loopback against real git repositories in temp dirs, and measures:
//   jobs:   --jobs (10,000) one-step jobs run through one server (matrices of 250 legs, dispatched
//           in waves of --wave runs, 8 slots): the server's resident set size after each wave and
//           its peak (VmHWM in /proc/PID/status), so a leak shows as a slope per 1,000 jobs;
//   stored: the same server's data with --stored (10,000 and 100,000) runs stored (each with one
//           job and one step, completed). They are written through gantry's Store (src/store,
//           bundled with esbuild, the SQLite file the server opens) by this process while no server
//           runs: not 100,000 real runs. At each size a fresh server starts on that data and:
//           - its RSS after start, and its peak after everything below;
//           - autocannon (--connections, --duration s each) against the runs list's first page
//             (GET /api/v1/repos/{o}/{r}/actions/runs), two filtered lists (?branch=…&status=…,
//             ?event=push&per_page=100), its last page (?page=N, the deepest OFFSET), a run and
//             its jobs;
//           - the web UI's runs page and run page as the browser loads them (the HTML and the API
//             calls the page makes, in parallel; --connections pages at a time): pages per second
//             and p50/p99 of the whole page;
//           - --sse-clients (50) clients on the UI's live stream (GET /api/v1/events?logs=0):
//             connect p50/p99; with them connected, the runs list again, and --sse-runs one-step
//             runs dispatched one at a time: dispatch → run:queued at every client, and the spread
//             of run:completed's arrival over the clients (the fan-out).
// The machine's load (/proc/loadavg, PSI) is recorded for every figure. Ratios: 100,000 ÷ 10,000
// stored runs (flat is 1×), and each p99 ÷ its target (list p99 50 ms, peak 250 MiB).
// It prints the figures and writes bench/growth-results.json (also after each wave and each size,
// marked partial, so a run stopped part-way keeps what it measured). Nothing is asserted.
//
// Options: --jobs N (10000)  --wave N (4 runs of 250 legs)  --slots N (8)  --stored 10000,100000
//          --duration S (10)  --connections N (10)  --sse-clients N (50)  --sse-runs N (20)
//          --sections jobs,stored  --isolation sandbox|none (the jobs', sandbox by default)
//          --profile DIR (the servers run with --cpu-prof and --heap-prof into DIR)
//          --node-args "ARGS" (more options for the servers' node, e.g. "--trace-gc --import F")
//          --server-log DIR (each server's stdout and stderr, as DIR/<name>.log, once it stops)
//          --no-build  --keep  --out FILE
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import {
  allJobs,
  apiClient,
  benchCommit,
  benchDir,
  childEnv,
  describeMachine,
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
const TOKEN = "bench-growth-token";
const LEGS = 250; // GitHub caps a matrix at 256 legs
const TARGET_PEAK_MIB = 250;
const TARGET_LIST_P99_MS = 50;

const { values: opts } = parseArgs({
  options: {
    jobs: { type: "string", default: "10000" },
    wave: { type: "string", default: "4" },
    slots: { type: "string", default: "8" },
    stored: { type: "string", default: "10000,100000" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    "sse-clients": { type: "string", default: "50" },
    "sse-runs": { type: "string", default: "20" },
    sections: { type: "string", default: "jobs,stored" },
    isolation: { type: "string", default: "sandbox" },
    profile: { type: "string" },
    "node-args": { type: "string", default: "" },
    "server-log": { type: "string" },
    "no-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "growth-results.json") },
  },
});
if (!["sandbox", "none"].includes(opts.isolation)) throw new Error("--isolation: sandbox or none");
const JOBS = Number(opts.jobs);
const WAVE = Number(opts.wave);
const SLOTS = Number(opts.slots);
const STORED = opts.stored
  .split(",")
  .map((x) => Number(x.trim()))
  .sort((a, b) => a - b);
const DURATION = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const SSE_CLIENTS = Number(opts["sse-clients"]);
const SSE_RUNS = Number(opts["sse-runs"]);
const SECTIONS = new Set(opts.sections.split(",").map((x) => x.trim()));
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

const tmpRoot = benchDir("gantry-growthbench-");
const env = childEnv({ GANTRY_HOME: join(tmpRoot, "gantry-home"), GANTRY_ADMIN_TOKEN: TOKEN });
const api = apiClient(TOKEN);
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

/** `gantry serve` on `data` with one repository; with --profile, CPU and heap profiles into DIR/name. */
async function startServer(name, repoDir, data) {
  const config = join(tmpRoot, `${name}.yml`);
  writeFileSync(
    config,
    `repo_url_schemes: [file]\nrepos:\n  - {owner: bench, name: g, url: ${JSON.stringify(repoDir)}, poll_interval_seconds: 0}\nrunners: {slots: ${SLOTS}${opts.isolation === "none" ? ", isolation: none" : ""}}\n`,
  );
  const nodeArgs = opts["node-args"].split(/\s+/).filter(Boolean);
  if (PROFILE) {
    const dir = join(PROFILE, name);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push("--cpu-prof", "--cpu-prof-dir", dir, "--heap-prof", "--heap-prof-dir", dir);
  }
  const server = await startGantryServe({ gantry: GANTRY, data, config, env, nodeArgs });
  if (!opts["server-log"]) return server;
  const stop = server.stop;
  server.stop = async () => {
    await stop();
    mkdirSync(opts["server-log"], { recursive: true });
    writeFileSync(join(opts["server-log"], `${name}.log`), server.stdout() + server.stderr());
  };
  return server;
}

const dispatch = (server, file) =>
  api(server, "POST", `/repos/bench/g/actions/workflows/${file}/dispatches`, {
    ref: "main",
    return_run_details: true,
  }).then((r) => r.workflow_run_id);

async function waitCompleted(server, runId, everyMs) {
  for (;;) {
    const run = await api(server, "GET", `/repos/bench/g/actions/runs/${runId}`);
    if (run.status === "completed") return run;
    await sleep(everyMs);
  }
}

/** autocannon against one URL: requests/s and latency quantiles (ms). */
async function cannon(name, url) {
  const check = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await check.text();
  if (!check.ok) throw new Error(`${name}: ${check.status} ${text.slice(0, 300)}`);
  const n0 = startCpuReading();
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const row = {
    name,
    responseKiB: round(Buffer.byteLength(text) / 1024, 1),
    requestsPerSecond: round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    noise: noise(n0),
  };
  log(`   ${JSON.stringify(row)}`);
  return row;
}

/**
 * A page of the web UI as the browser loads it: its requests (paths on the server, the API's with
 * the token) in parallel, --connections pages at a time for --duration s; pages per second and
 * p50/p99 of a whole page (its slowest request).
 */
async function pageLoads(name, server, paths) {
  for (const p of paths) {
    const res = await fetch(`${server.url}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${name}: ${p} answered ${res.status}`);
  }
  const n0 = startCpuReading();
  const times = [];
  let failures = 0;
  const end = performance.now() + DURATION * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const answers = await Promise.all(
          paths.map(async (p) => {
            const res = await fetch(`${server.url}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
            await res.arrayBuffer();
            return res.ok;
          }),
        );
        if (answers.every(Boolean)) times.push(performance.now() - t);
        else failures++;
      }
    }),
  );
  const row = {
    name,
    requests: paths,
    pagesPerSecond: round((times.length / (performance.now() - t0)) * 1000),
    p50Ms: round(quantile(times, 0.5)),
    p99Ms: round(quantile(times, 0.99)),
    maxMs: round(Math.max(...times)),
    failures,
    noise: noise(n0),
  };
  log(`   ${JSON.stringify(row)}`);
  return row;
}

/**
 * One client of the live stream: resolves once the answer's headers are in (with the time it took);
 * `onEvent(type, data, atMs)` for every event; `close()` ends it.
 */
function sseClient(server, path, onEvent) {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const req = request(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" },
    });
    req.on("error", fail);
    req.on("response", (res) => {
      if (res.statusCode !== 200) return fail(new Error(`${path}: ${res.statusCode}`));
      const connectMs = performance.now() - t0;
      let buffer = "";
      let type = "message";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        const at = performance.now();
        buffer += chunk;
        let nl = buffer.indexOf("\n");
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.startsWith("event:")) type = line.slice(6).trim();
          else if (line.startsWith("data:")) onEvent(type, line.slice(5).trim(), at);
          else if (line === "") type = "message";
          nl = buffer.indexOf("\n");
        }
      });
      res.on("error", () => {});
      done({ connectMs, close: () => req.destroy() });
    });
    req.end();
  });
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
    jobs: JOBS,
    wave: WAVE,
    slots: SLOTS,
    stored: STORED,
    duration: DURATION,
    connections: CONNECTIONS,
    sseClients: SSE_CLIENTS,
    sseRuns: SSE_RUNS,
    isolation: opts.isolation,
    profile: PROFILE ?? null,
    nodeArgs: opts["node-args"],
  },
  targets: { peakRssMiB: TARGET_PEAK_MIB, listP99Ms: TARGET_LIST_P99_MS },
};

/** Writes what is measured so far: a run stopped part-way keeps the sections it finished. */
const save = () => writeResults(opts.out, { ...results, partial: true }, ROOT);

const ONE_STEP = `on: workflow_dispatch\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n`;
const legs = Array.from({ length: LEGS }, (_, i) => i + 1).join(", ");
const MATRIX = `on: workflow_dispatch\njobs:\n  leg:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        i: [${legs}]\n    steps:\n      - run: "true"\n`;

try {
  const repo = makeRepo("repo", { "ci.yml": ONE_STEP, "many.yml": MATRIX });
  const sha = git(repo, "rev-parse", "HEAD").trim();

  // -------------------------------------------------------------------------------------------
  // Jobs: --jobs one-step jobs through one server, in waves; RSS after each wave.
  if (SECTIONS.has("jobs")) {
    const server = await startServer("jobs", repo, join(tmpRoot, "jobs-data"));
    const runs = Math.ceil(JOBS / LEGS);
    log(
      `jobs: ${runs * LEGS} one-step jobs (${runs} runs × ${LEGS} legs, waves of ${WAVE} runs), ${SLOTS} slots`,
    );
    const warm = await waitCompleted(server, await dispatch(server, "ci.yml"), 50);
    if (warm.conclusion !== "success") throw new Error(`the first run ended ${warm.conclusion}`);
    const atStart = server.memory();
    const n0 = startCpuReading();
    const t0 = performance.now();
    const curve = [];
    let done = 0;
    let failedJobs = 0;
    while (done < runs) {
      const n = Math.min(WAVE, runs - done);
      const ids = await Promise.all(Array.from({ length: n }, () => dispatch(server, "many.yml")));
      let peakSampled = 0;
      for (const id of ids) {
        for (;;) {
          peakSampled = Math.max(peakSampled, server.memory().rssMiB);
          const run = await api(server, "GET", `/repos/bench/g/actions/runs/${id}`);
          if (run.status === "completed") {
            if (run.conclusion !== "success") {
              const jobs = await allJobs(api, server, `/repos/bench/g/actions/runs/${id}/jobs`);
              failedJobs += jobs.filter((j) => j.conclusion !== "success").length;
            }
            break;
          }
          await sleep(500);
        }
      }
      done += n;
      const m = server.memory();
      const point = {
        jobs: done * LEGS,
        rssMiB: m.rssMiB,
        peakMiB: m.peakMiB,
        waveRssSampledMaxMiB: peakSampled,
        seconds: round((performance.now() - t0) / 1000),
        loadavg: loadNow(),
      };
      curve.push(point);
      log(`   ${JSON.stringify(point)}`);
      results.jobs = { jobs: done * LEGS, curve };
      save();
    }
    const seconds = (performance.now() - t0) / 1000;
    const end = server.memory();
    const first = curve[0];
    const last = curve[curve.length - 1];
    results.jobs = {
      jobs: runs * LEGS,
      failedRunsJobs: failedJobs,
      seconds: round(seconds),
      jobsPerSecond: round((runs * LEGS) / seconds, 1),
      rssAfterStartMiB: atStart.rssMiB,
      peakRssMiB: end.peakMiB,
      rssAtEndMiB: end.rssMiB,
      rssSlopeMiBPer1000Jobs:
        curve.length > 1 ? round(((last.rssMiB - first.rssMiB) / (last.jobs - first.jobs)) * 1000, 2) : null,
      peakOverTarget: round(end.peakMiB / TARGET_PEAK_MIB, 2),
      curve,
      noise: noise(n0),
    };
    log(`   ${JSON.stringify({ ...results.jobs, curve: undefined })}`);
    await server.stop();
    save();
  }

  // -------------------------------------------------------------------------------------------
  // Stored runs: the store filled to each size, then a fresh server on it.
  if (SECTIONS.has("stored")) {
    const data = join(tmpRoot, "stored-data");
    const storeBundle = join(ROOT, "dist", "bench-growth-store.mjs");
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
    rmSync(storeBundle, { force: true });
    let stored = 0;
    results.stored = [];
    const branches = ["main", "main", "main", "feature/a", "feature/b"];
    const events = ["push", "push", "pull_request", "workflow_dispatch"];
    let repoId;
    for (const size of STORED) {
      // Fill the store to `size` runs (one job and one step each), no server running.
      const store = await openSqliteStore(join(data, "gantry.db"));
      repoId ??= (
        await store.addRepo({
          owner: "bench",
          name: "g",
          url: repo,
          defaultBranch: "main",
          pollIntervalSeconds: 0,
        })
      ).id;
      const s0 = performance.now();
      const startedAt = new Date().toISOString();
      for (; stored < size; stored++) {
        const branch = branches[stored % branches.length];
        const event = events[stored % events.length];
        const conclusion = stored % 7 === 0 ? "failure" : "success";
        const run = await store.createRun({
          repoId,
          workflowName: "ci",
          workflowFile: ".github/workflows/ci.yml",
          event,
          ref: `refs/heads/${branch}`,
          headBranch: branch,
          headSha: sha,
          status: "completed",
          conclusion,
          actor: "bench",
          github: { event_name: event, ref: `refs/heads/${branch}`, sha },
          inputs: {},
          problems: [],
          displayTitle: `run ${stored}`,
        });
        const job = await store.putJob({
          runId: run.id,
          runAttempt: 1,
          key: "j",
          name: "j",
          status: "completed",
          conclusion,
          startedAt,
          completedAt: startedAt,
        });
        await store.putSteps(job.id, [
          {
            jobId: job.id,
            number: 1,
            stepId: "__run",
            name: 'Run "true"',
            status: "completed",
            outcome: conclusion,
            conclusion,
            outputs: {},
            startedAt,
            completedAt: startedAt,
          },
        ]);
      }
      const seedMs = performance.now() - s0;
      await store.close();
      const sample = Math.floor(size / 2);
      const server = await startServer(`stored-${size}`, repo, data);
      // Let the start settle (its first reads), then take the RSS after start.
      await sleep(1000);
      const atStart = server.memory();
      log(
        `stored: ${size} runs (seeded in ${round(seedMs / 1000, 1)} s); server ${server.url}, RSS ${atStart.rssMiB} MiB`,
      );
      const api1 = `${server.url}/api/v1/repos/bench/g/actions`;
      const entry = {
        runsStored: size,
        seedSeconds: round(seedMs / 1000, 1),
        rssAfterStartMiB: atStart.rssMiB,
        requests: [],
        pages: [],
      };
      entry.requests.push(await cannon("runs list, first page", `${api1}/runs`));
      entry.requests.push(
        await cannon(
          "runs list, ?branch=feature/a&status=failure",
          `${api1}/runs?branch=feature%2Fa&status=failure`,
        ),
      );
      entry.requests.push(
        await cannon("runs list, ?event=push&per_page=100", `${api1}/runs?event=push&per_page=100`),
      );
      const lastPage = Math.ceil(size / 30);
      entry.requests.push(
        await cannon(`runs list, last page (?page=${lastPage})`, `${api1}/runs?page=${lastPage}`),
      );
      entry.requests.push(await cannon(`a run (GET …/runs/${sample})`, `${api1}/runs/${sample}`));
      entry.requests.push(
        await cannon(`its jobs (GET …/runs/${sample}/jobs)`, `${api1}/runs/${sample}/jobs`),
      );
      entry.pages.push(
        await pageLoads("web UI: runs page", server, [
          "/runs?repo=bench%2Fg",
          "/api/v1/repos",
          "/api/v1/repos/bench/g/actions/runs?per_page=30&page=1",
          "/api/v1/repos/bench/g/actions/workflows",
        ]),
      );
      entry.pages.push(
        await pageLoads("web UI: run page", server, [
          `/bench/g/runs/${sample}`,
          `/api/v1/repos/bench/g/actions/runs/${sample}`,
          `/api/v1/repos/bench/g/actions/runs/${sample}/attempts/1/jobs`,
          `/api/v1/repos/bench/g/actions/runs/${sample}/graph`,
        ]),
      );
      // SSE: --sse-clients on the UI's stream.
      {
        const n0 = startCpuReading();
        const arrivals = new Map(); // runId → { queued: [], completed: [] } (ms, performance.now())
        const on = (type, data, at) => {
          if (type !== "run:queued" && type !== "run:completed") return;
          let e;
          try {
            e = JSON.parse(data);
          } catch {
            return;
          }
          const a = arrivals.get(e.runId) ?? { queued: [], completed: [] };
          arrivals.set(e.runId, a);
          a[type === "run:queued" ? "queued" : "completed"].push(at);
        };
        const c0 = performance.now();
        const clients = await Promise.all(
          Array.from({ length: SSE_CLIENTS }, () => sseClient(server, "/api/v1/events?logs=0", on)),
        );
        const connectAllMs = performance.now() - c0;
        const connects = clients.map((c) => c.connectMs);
        const sse = {
          clients: SSE_CLIENTS,
          connectP50Ms: round(quantile(connects, 0.5)),
          connectP99Ms: round(quantile(connects, 0.99)),
          connectsPerSecond: round((SSE_CLIENTS / connectAllMs) * 1000),
        };
        log(`   SSE: ${JSON.stringify(sse)}`);
        sse.listWhileConnected = await cannon(
          `runs list, first page, ${SSE_CLIENTS} SSE clients connected`,
          `${api1}/runs`,
        );
        const toQueued = [];
        const spread = [];
        let missing = 0;
        const d0 = performance.now();
        for (let i = 0; i < SSE_RUNS; i++) {
          const t = performance.now();
          const id = await dispatch(server, "ci.yml");
          await waitCompleted(server, id, 20);
          const until = performance.now() + 5000;
          while ((arrivals.get(id)?.completed.length ?? 0) < SSE_CLIENTS && performance.now() < until)
            await sleep(5);
          const a = arrivals.get(id) ?? { queued: [], completed: [] };
          missing += SSE_CLIENTS - a.completed.length;
          for (const q of a.queued) toQueued.push(q - t);
          if (a.completed.length) spread.push(Math.max(...a.completed) - Math.min(...a.completed));
        }
        Object.assign(sse, {
          runs: SSE_RUNS,
          runsPerSecond: round((SSE_RUNS / (performance.now() - d0)) * 1000, 2),
          dispatchToQueuedAtClientsP50Ms: round(quantile(toQueued, 0.5)),
          dispatchToQueuedAtClientsP99Ms: round(quantile(toQueued, 0.99)),
          completedFanOutSpreadP50Ms: round(quantile(spread, 0.5)),
          completedFanOutSpreadP99Ms: round(quantile(spread, 0.99)),
          eventsMissing: missing,
          rssWithClientsMiB: server.memory().rssMiB,
          noise: noise(n0),
        });
        for (const c of clients) c.close();
        entry.sse = sse;
        log(`   SSE: ${JSON.stringify(sse)}`);
      }
      stored += SSE_RUNS; // the runs dispatched above are stored too
      const m = server.memory();
      entry.peakRssMiB = m.peakMiB;
      entry.rssAtEndMiB = m.rssMiB;
      entry.peakOverTarget = round(m.peakMiB / TARGET_PEAK_MIB, 2);
      entry.listP99OverTarget = round(entry.requests[0].p99Ms / TARGET_LIST_P99_MS, 2);
      entry.loadavgAtEnd = loadNow();
      await server.stop();
      results.stored.push(entry);
      save();
      log(`   ${JSON.stringify({ peakRssMiB: entry.peakRssMiB, rssAtEndMiB: entry.rssAtEndMiB })}`);
    }
    // Flat in the number of stored runs: the largest size ÷ the smallest.
    if (results.stored.length > 1) {
      const [a, b] = [results.stored[0], results.stored[results.stored.length - 1]];
      const ratio = (f) => round(f(b) / f(a), 2);
      results.storedRatios = {
        of: `${b.runsStored} ÷ ${a.runsStored} runs stored`,
        rssAfterStart: ratio((e) => e.rssAfterStartMiB),
        peakRss: ratio((e) => e.peakRssMiB),
        ...Object.fromEntries(
          a.requests.map((r, i) => [
            `${r.name.replace(/ \(.*\)$/, "")}: p99`,
            ratio((e) => e.requests[i].p99Ms),
          ]),
        ),
        ...Object.fromEntries(a.pages.map((p, i) => [`${p.name}: p99`, ratio((e) => e.pages[i].p99Ms)])),
        sseConnectP99: ratio((e) => e.sse.connectP99Ms),
      };
      log(`   ${JSON.stringify(results.storedRatios)}`);
    }
  }
} finally {
  if (opts.keep) log(`kept ${tmpRoot}`);
  else {
    try {
      rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      log(`could not remove ${tmpRoot}: ${err.message}`);
    }
  }
}

results.machine.loadavgAtEnd = loadNow();
results.machine.loadAverage1mAtEnd = round(loadavg()[0], 2);
writeResults(opts.out, results, ROOT);
log(`wrote ${opts.out}`);
