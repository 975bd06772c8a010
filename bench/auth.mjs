#!/usr/bin/env node
// What the role checks and the audit trail of issue 14 cost (`npm run bench:auth`). On loopback,
// against the real server (`node bin/gantry.js serve`) and a real git repository in a temp dir:
//   1. the runs list (`GET …/actions/runs`, --runs (10,000) runs stored through the Store API) under
//      autocannon, as the site admin (a site admin is admin everywhere: no role is looked up) and
//      as a user with the read role (each request looks the collaborator up in the store), the two
//      taking turns for --rounds rounds of --duration seconds, so both see the same load; with the
//      server process's own CPU time per request served (/proc), steadier than requests per second
//      on a machine whose load swings;
//   2. dispatches (`POST …/dispatches`, one at a time, each run waited for): the time to the answer,
//      whose route awaits one audit append (`workflows.created_workflow_run`, counted in the trail);
//   3. with the server stopped, on its own database and signing key, in this process (src/store,
//      src/identity and src/audit bundled with esbuild): audit appends one after another and all
//      at once (AuditTrail.append, as the routes call it), and the access decision alone
//      (decideRepoAccess) for the admin and the reader, next to the token lookup every request pays.
// There is no switch that turns the checks or the trail off, so "without" is taken from part 3:
// the decision's and the append's own time set against a request's and a dispatch's.
//
// Options: --runs N (10000)  --rounds N (20)  --duration S (1)  --connections N (10)
//          --dispatches N (50)  --appends N (2000)  --checks N (20000)  --no-build  --keep  --out FILE
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import {
  apiClient,
  benchCommit,
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
const ADMIN_TOKEN = "bench-admin-token";

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "10000" },
    rounds: { type: "string", default: "20" },
    duration: { type: "string", default: "1" },
    connections: { type: "string", default: "10" },
    dispatches: { type: "string", default: "50" },
    appends: { type: "string", default: "2000" },
    checks: { type: "string", default: "20000" },
    "no-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "auth-results.json") },
  },
});
const RUNS = Number(opts.runs);
const ROUNDS = Number(opts.rounds);
const DURATION = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const DISPATCHES = Number(opts.dispatches);
const APPENDS = Number(opts.appends);
const CHECKS = Number(opts.checks);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const median = (xs) => quantile(xs, 0.5);
const load1 = () => round(loadavg()[0], 2);
/** A process's CPU time so far (user + system), ms, from /proc/PID/stat (clock ticks of 10 ms). */
const serverCpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14 and 15)
};

if (!opts["no-build"]) {
  if (!existsSync(DIST) || newestMtime(join(ROOT, "src")) > statSync(DIST).mtimeMs) {
    log("building dist/ …");
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
}

const tmpRoot = mkdtempSync(join(tmpdir(), "gantry-authbench-"));
const env = childEnv({ GANTRY_HOME: join(tmpRoot, "gantry-home"), GANTRY_ADMIN_TOKEN: ADMIN_TOKEN });
const git = (cwd, ...args) =>
  execFileSync("git", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] }).toString();

const results = {
  date: new Date().toISOString(),
  command: "npm run bench:auth",
  commit: benchCommit(ROOT),
  machine: describeMachine(),
  options: {
    runs: RUNS,
    rounds: ROUNDS,
    duration: DURATION,
    connections: CONNECTIONS,
    dispatches: DISPATCHES,
    appends: APPENDS,
    checks: CHECKS,
  },
};

// src/store, src/identity and src/audit as one module for this process (the server's own code).
const bundle = join(ROOT, "dist", "bench-auth.mjs");
const { build } = await import("esbuild");
await build({
  stdin: {
    contents: [
      'export { openSqliteStore } from "./src/store/index.ts";',
      'export { decideRepoAccess, resolvePrincipal } from "./src/identity/index.ts";',
      'export { AuditTrail, openSigningKey } from "./src/audit/index.ts";',
    ].join("\n"),
    resolveDir: ROOT,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["better-sqlite3"],
  outfile: bundle,
  logLevel: "warning",
});
const { openSqliteStore, decideRepoAccess, resolvePrincipal, AuditTrail, openSigningKey } = await import(
  pathToFileURL(bundle).href
);

try {
  // -------------------------------------------------------------------------------------------
  // The repository (one workflow to dispatch) and RUNS completed runs in the server's database.
  const repo = join(tmpRoot, "repo");
  mkdirSync(join(repo, ".github", "workflows"), { recursive: true });
  writeFileSync(
    join(repo, ".github", "workflows", "d.yml"),
    'on: workflow_dispatch\njobs:\n  one:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n',
  );
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", ".");
  git(repo, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "workflow");
  const sha = git(repo, "rev-parse", "HEAD").trim();

  const data = join(tmpRoot, "data");
  mkdirSync(data);
  {
    const store = await openSqliteStore(join(data, "gantry.db"));
    const row = await store.addRepo({
      owner: "bench",
      name: "list",
      url: repo,
      defaultBranch: "main",
      pollIntervalSeconds: 0,
    });
    log(`storing ${RUNS} runs …`);
    const branches = ["main", "main", "main", "feature/a", "feature/b"];
    const events = ["push", "push", "pull_request", "workflow_dispatch"];
    for (let i = 0; i < RUNS; i++) {
      const branch = branches[i % branches.length];
      const event = events[i % events.length];
      await store.createRun({
        repoId: row.id,
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
    await store.close();
  }
  const config = join(tmpRoot, "gantry.yml");
  writeFileSync(
    config,
    `repo_url_schemes: [file]\nrepos:\n  - {owner: bench, name: list, url: ${JSON.stringify(repo)}, poll_interval_seconds: 0}\nrunners: {slots: 1}\n`,
  );
  const server = await startGantryServe({ gantry: GANTRY, data, config, env });
  log(`server ${server.url} (pid ${server.pid}); load ${load1()}`);
  const admin = apiClient(ADMIN_TOKEN);

  // A user with the read role on the repository, and a token of theirs with the repo scope.
  await admin(server, "POST", "/admin/users", { login: "reader" });
  const { token: READER_TOKEN } = await admin(server, "POST", "/admin/users/reader/authorizations", {
    note: "bench",
    scopes: ["repo"],
  });
  await admin(server, "PUT", "/repos/bench/list/collaborators/reader", { permission: "read" });
  const reader = apiClient(READER_TOKEN);
  const listPath = "/repos/bench/list/actions/runs";
  const seen = await reader(server, "GET", listPath);
  if (seen.total_count !== RUNS) throw new Error(`the reader sees ${seen.total_count} runs, not ${RUNS}`);
  // The role is read: a dispatch is refused (403), so the checks are on.
  const refused = await fetch(`${server.url}/api/v1/repos/bench/list/actions/workflows/d.yml/dispatches`, {
    method: "POST",
    headers: { authorization: `Bearer ${READER_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ ref: "main" }),
  });
  if (refused.status !== 403) throw new Error(`a reader's dispatch answered ${refused.status}, not 403`);

  // -------------------------------------------------------------------------------------------
  // 1. The runs list: the admin and the reader in turns.
  log(`1. runs list: ${ROUNDS} rounds × (admin, reader), ${CONNECTIONS} connections × ${DURATION} s each`);
  const cpu1 = startCpuReading();
  const load1Start = load1();
  const callers = { admin: ADMIN_TOKEN, reader: READER_TOKEN };
  const rows = { admin: [], reader: [] };
  // Unmeasured: each caller once, so the server's code is compiled before the rounds.
  for (const token of Object.values(callers)) {
    await autocannon({
      url: `${server.url}/api/v1${listPath}`,
      connections: CONNECTIONS,
      duration: 2,
      headers: { authorization: `Bearer ${token}` },
    });
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const who of r % 2 === 0 ? ["admin", "reader"] : ["reader", "admin"]) {
      const cpu0 = serverCpuMs(server.pid);
      const out = await autocannon({
        url: `${server.url}/api/v1${listPath}`,
        connections: CONNECTIONS,
        duration: DURATION,
        headers: { authorization: `Bearer ${callers[who]}` },
      });
      if (out.non2xx > 0 || out.errors > 0)
        throw new Error(`${who}: ${out.non2xx} non-2xx, ${out.errors} errors`);
      const cpuMs = serverCpuMs(server.pid) - cpu0;
      rows[who].push({
        requestsPerSecond: round(out.requests.average),
        requests: out.requests.total,
        // the server's own CPU time (user + system, /proc, 10 ms ticks) per request served
        serverCpuUsPerRequest: round((cpuMs / out.requests.total) * 1000, 1),
        p50Ms: out.latency.p50,
        p99Ms: out.latency.p99,
        load: load1(),
      });
      log(
        `   ${who}: ${round(out.requests.average)} requests/s, p50 ${out.latency.p50} ms, p99 ${out.latency.p99} ms, ` +
          `server CPU ${rows[who].at(-1).serverCpuUsPerRequest} µs a request`,
      );
    }
  }
  const rps = (who) => rows[who].map((x) => x.requestsPerSecond);
  results.runsList = {
    request: `GET /api/v1${listPath} (first page, 30 of ${RUNS} runs)`,
    admin: { medianRequestsPerSecond: round(median(rps("admin"))), rounds: rows.admin },
    reader: { medianRequestsPerSecond: round(median(rps("reader"))), rounds: rows.reader },
    serverCpuUsPerRequest: {
      admin: round(median(rows.admin.map((x) => x.serverCpuUsPerRequest)), 1),
      reader: round(median(rows.reader.map((x) => x.serverCpuUsPerRequest)), 1),
    },
    readerToAdminByRound: rows.reader.map((x, i) =>
      round(x.requestsPerSecond / rows.admin[i].requestsPerSecond, 3),
    ),
    noise: cpu1 && noiseSince(cpu1),
    load: [load1Start, load1()],
  };
  results.runsList.readerToAdmin = round(median(results.runsList.readerToAdminByRound), 3);

  // -------------------------------------------------------------------------------------------
  // 2. Dispatches, each recorded in the audit trail.
  log(`2. ${DISPATCHES} dispatches, one at a time`);
  const auditCount = async () =>
    (await admin(server, "GET", "/audit-log?action=workflows.created_workflow_run&per_page=100")).length;
  const dispatchOnce = async () => {
    const t0 = performance.now();
    const { workflow_run_id: id } = await admin(
      server,
      "POST",
      "/repos/bench/list/actions/workflows/d.yml/dispatches",
      {
        ref: "main",
        return_run_details: true,
      },
    );
    const ms = performance.now() - t0;
    for (;;) {
      const run = await admin(server, "GET", `/repos/bench/list/actions/runs/${id}`);
      if (run.status === "completed") break;
      await sleep(10);
    }
    return ms;
  };
  await dispatchOnce(); // unmeasured: the first fetch into the server's clone
  const before = await auditCount();
  const load2Start = load1();
  const answered = [];
  for (let i = 0; i < DISPATCHES; i++) answered.push(await dispatchOnce());
  const recorded = (await auditCount()) - before;
  results.dispatch = {
    request: "POST …/actions/workflows/d.yml/dispatches (return_run_details), the run then waited for",
    answeredMs: {
      p50: round(median(answered)),
      p90: round(quantile(answered, 0.9)),
      min: round(Math.min(...answered)),
    },
    auditEntriesRecorded: recorded,
    load: [load2Start, load1()],
  };
  log(
    `   answered p50 ${results.dispatch.answeredMs.p50} ms; ${recorded} audit entries for ${DISPATCHES} dispatches`,
  );
  results.serverPeakRss = server.memory();
  await server.stop();

  // -------------------------------------------------------------------------------------------
  // 3. In this process, on the server's database: appends, and the access decision alone.
  const store = await openSqliteStore(join(data, "gantry.db"));
  const trail = new AuditTrail(store, openSigningKey(join(data, "audit-signing.key")));
  const details = (i) => ({
    event: "workflow_dispatch",
    workflow: "d.yml",
    ref: "main",
    run_id: 100000 + i,
    inputs: [],
  });
  const entry = (i) => ({
    action: "workflows.created_workflow_run",
    actor: "admin",
    actorId: 1,
    tokenId: 1,
    address: "127.0.0.1",
    repo: "bench/list",
    details: details(i),
  });
  for (let i = 0; i < 50; i++) await trail.append(entry(i)); // warm-up
  const load3Start = load1();
  const each = [];
  const s0 = performance.now();
  for (let i = 0; i < APPENDS; i++) {
    const t = performance.now();
    await trail.append(entry(i));
    each.push(performance.now() - t);
  }
  const sequentialMs = performance.now() - s0;
  const b0 = performance.now();
  await Promise.all(Array.from({ length: APPENDS }, (_, i) => trail.append(entry(APPENDS + i))));
  const burstMs = performance.now() - b0;
  const head = await store.auditHead();
  results.audit = {
    how: "AuditTrail.append on the server's database after it stopped (its signing key), a dispatch's entry",
    sequential: {
      appendsPerSecond: round((APPENDS / sequentialMs) * 1000),
      meanMs: round(sequentialMs / APPENDS, 3),
      p50Ms: round(median(each), 3),
      p99Ms: round(quantile(each, 0.99), 3),
    },
    allAtOnce: { appendsPerSecond: round((APPENDS / burstMs) * 1000) },
    entriesInTrail: head?.seq,
    load: [load3Start, load1()],
  };
  log(
    `3. audit: ${results.audit.sequential.appendsPerSecond} appends/s one after another (p50 ${results.audit.sequential.p50Ms} ms), ` +
      `${results.audit.allAtOnce.appendsPerSecond}/s all at once; ${head?.seq} entries in the trail`,
  );

  const repoRow = await store.getRepo("bench", "list");
  /** µs a call: this process's CPU time (user + system), steadier under load than the wall time. */
  const timeCalls = async (fn) => {
    for (let i = 0; i < 200; i++) await fn();
    const c0 = process.cpuUsage();
    for (let i = 0; i < CHECKS; i++) await fn();
    const c = process.cpuUsage(c0);
    return round((c.user + c.system) / CHECKS, 2);
  };
  const adminPrincipal = await resolvePrincipal(store, ADMIN_TOKEN);
  const readerPrincipal = await resolvePrincipal(store, READER_TOKEN);
  const need = { role: "read", permission: "actions" };
  const decided = await decideRepoAccess(store, readerPrincipal, repoRow, need);
  if (decided.decision !== "allowed") throw new Error(`the reader was ${decided.decision}`);
  results.checks = {
    how: "CPU µs a call, in this process, on the server's database",
    resolvePrincipalUs: {
      admin: await timeCalls(() => resolvePrincipal(store, ADMIN_TOKEN)),
      reader: await timeCalls(() => resolvePrincipal(store, READER_TOKEN)),
    },
    decideRepoAccessUs: {
      admin: await timeCalls(() => decideRepoAccess(store, adminPrincipal, repoRow, need)),
      reader: await timeCalls(() => decideRepoAccess(store, readerPrincipal, repoRow, need)),
    },
    load: load1(),
  };
  await store.close();

  // The shares: a check's time against the server's CPU time for a runs-list request (the admin's,
  // median of rounds), and an append's against a dispatch's answer.
  const requestUs = results.runsList.serverCpuUsPerRequest.admin;
  results.shares = {
    readerCpuOverAdminPct: round(
      (results.runsList.serverCpuUsPerRequest.reader / results.runsList.serverCpuUsPerRequest.admin - 1) *
        100,
      2,
    ),
    readerDecisionOfRequestPct: round((results.checks.decideRepoAccessUs.reader / requestUs) * 100, 2),
    adminDecisionOfRequestPct: round((results.checks.decideRepoAccessUs.admin / requestUs) * 100, 2),
    auditAppendOfDispatchPct: round(
      (results.audit.sequential.p50Ms / results.dispatch.answeredMs.p50) * 100,
      2,
    ),
    // the mean append (the slow ones included: the database's own writes now and then)
    auditMeanAppendOfDispatchPct: round(
      (results.audit.sequential.meanMs / results.dispatch.answeredMs.p50) * 100,
      2,
    ),
    targetAuditOfDispatchPct: 5,
  };
  log(`checks ${JSON.stringify(results.checks)}\nshares ${JSON.stringify(results.shares)}`);
  results.machine.loadAverageAtEnd = loadavg().map((x) => round(x, 2));
} finally {
  rmSync(bundle, { force: true });
  if (opts.keep) log(`kept ${tmpRoot}`);
  else {
    try {
      rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      log(`could not remove ${tmpRoot}: ${err.message}`);
    }
  }
}

writeResults(opts.out, results, ROOT);
const l = results.runsList;
process.stdout.write(
  `\nruns list: admin ${l.admin.medianRequestsPerSecond} requests/s, reader ${l.reader.medianRequestsPerSecond} (reader/admin ${l.readerToAdmin}); ` +
    `server CPU a request: admin ${l.serverCpuUsPerRequest.admin} µs, reader ${l.serverCpuUsPerRequest.reader} µs; ` +
    `the reader's access decision ${results.checks.decideRepoAccessUs.reader} µs = ${results.shares.readerDecisionOfRequestPct} % of the server's CPU a request\n` +
    `audit: ${results.audit.sequential.appendsPerSecond} appends/s (p50 ${results.audit.sequential.p50Ms} ms) = ` +
    `${results.shares.auditAppendOfDispatchPct} % (the mean append: ${results.shares.auditMeanAppendOfDispatchPct} %) of a dispatch's answer (p50 ${results.dispatch.answeredMs.p50} ms; target < 5 %)\n` +
    `load ${results.machine.loadAverageAtStart} → ${results.machine.loadAverageAtEnd}; results in ${opts.out}\n`,
);
