#!/usr/bin/env node
// The audit trail's cost (`npm run bench:audit`), issue 14's target: the trail adds under 5 % to a
// dispatch. Measures, with the real code (src/audit over src/store, bundled with esbuild) on a
// SQLite file as the server keeps it (WAL, synchronous NORMAL):
//   1. appends one at a time (as requests make them): per-append latency p50/p99, appends per second;
//   2. appends 10 at a time in flight (several requests at once): appends per second;
//   3. a checkpoint's signature, and an export of the whole trail verified (entries per second);
//   4. the real server (`gantry serve`): POST …/dispatches answered (return_run_details), one at a
//      time, p50; an append's mean (and p50) as a share of it.
// It prints the figures and writes them to bench/audit-results.json. Nothing is asserted.
//
// Options: --appends N (2000)  --dispatches N (100)  --no-build  --keep  --out FILE
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  apiClient,
  benchCommit,
  childEnv,
  describeMachine,
  log,
  makeGitRepo,
  round,
  startGantryServe,
  writeResults,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GANTRY = join(ROOT, "bin", "gantry.js");
const { values } = parseArgs({
  options: {
    appends: { type: "string", default: "2000" },
    dispatches: { type: "string", default: "100" },
    "no-build": { type: "boolean" },
    keep: { type: "boolean" },
    out: { type: "string", default: join(ROOT, "bench", "audit-results.json") },
  },
});
const APPENDS = Number(values.appends);
const DISPATCHES = Number(values.dispatches);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function bundle(entry, name) {
  const { build } = await import("esbuild");
  const outfile = join(ROOT, "dist", name);
  await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["better-sqlite3"],
    outfile,
    logLevel: "warning",
  });
  return import(pathToFileURL(outfile).href);
}

const tmpRoot = mkdtempSync(join(tmpdir(), "gantry-bench-audit-"));
const results = { machine: describeMachine(), commit: benchCommit(ROOT), date: new Date().toISOString() };
try {
  if (!values["no-build"]) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
  const { openSqliteStore } = await bundle("src/store/index.ts", "bench-store.mjs");
  const { AuditTrail, openSigningKey, verifyExport } = await bundle("src/audit/index.ts", "bench-audit.mjs");
  const store = await openSqliteStore(join(tmpRoot, "data", "gantry.db"));
  const trail = new AuditTrail(store, openSigningKey(join(tmpRoot, "audit-signing.key")));
  const entry = (i) => ({
    action: "workflows.created_workflow_run",
    actor: "admin",
    actorId: 1,
    tokenId: 1,
    repo: "bench/app",
    address: "127.0.0.1",
    details: { event: "workflow_dispatch", workflow: ".github/workflows/ci.yml", ref: "main", run_id: i },
  });

  // 1. One at a time.
  for (let i = 0; i < 50; i++) await trail.append(entry(i)); // warm up
  const latencies = [];
  const t0 = performance.now();
  for (let i = 0; i < APPENDS; i++) {
    const s = performance.now();
    await trail.append(entry(i));
    latencies.push(performance.now() - s);
  }
  const sequentialMs = performance.now() - t0;
  results.appendOneAtATime = {
    appends: APPENDS,
    p50Ms: round(quantile(latencies, 0.5), 3),
    p99Ms: round(quantile(latencies, 0.99), 3),
    meanMs: round(sequentialMs / APPENDS, 3),
    perSecond: Math.round(APPENDS / (sequentialMs / 1000)),
  };
  log(`1. ${APPENDS} appends one at a time: ${JSON.stringify(results.appendOneAtATime)}`);

  // 2. Ten in flight.
  const t1 = performance.now();
  for (let i = 0; i < APPENDS; i += 10)
    await Promise.all(Array.from({ length: 10 }, (_, k) => trail.append(entry(i + k))));
  results.appendTenInFlight = {
    appends: APPENDS,
    perSecond: Math.round(APPENDS / ((performance.now() - t1) / 1000)),
  };
  log(`2. ${APPENDS} appends, 10 in flight: ${JSON.stringify(results.appendTenInFlight)}`);

  // 3. A checkpoint; the whole trail exported and verified.
  const c0 = performance.now();
  await trail.checkpoint();
  const checkpointMs = performance.now() - c0;
  const e0 = performance.now();
  const lines = [];
  for await (const line of trail.exportLines()) lines.push(line);
  const exportMs = performance.now() - e0;
  const v0 = performance.now();
  const verified = verifyExport(`${lines.join("\n")}\n`, [trail.key.publicKey]);
  const verifyMs = performance.now() - v0;
  if (!verified.ok) throw new Error(`the bench's own export did not verify: ${verified.problem.message}`);
  results.checkpointAndExport = {
    entries: verified.entries,
    checkpointMs: round(checkpointMs, 2),
    exportMs: round(exportMs),
    exportEntriesPerSecond: Math.round(verified.entries / (exportMs / 1000)),
    verifyMs: round(verifyMs),
    verifyEntriesPerSecond: Math.round(verified.entries / (verifyMs / 1000)),
  };
  log(`3. checkpoint, export and verify: ${JSON.stringify(results.checkpointAndExport)}`);
  await store.close();

  // 4. The real server: a dispatch answered, against one append.
  const token = "bench-audit-token";
  const repo = makeGitRepo(
    join(tmpRoot, "repo"),
    {
      ".github/workflows/ci.yml":
        'on: workflow_dispatch\njobs:\n  j:\n    if: false\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n',
    },
    childEnv(),
  );
  const config = join(tmpRoot, "config.yml");
  execFileSync("sh", [
    "-c",
    `printf '%s\\n' 'repo_url_schemes: [file]' 'repos:' '  - { owner: bench, name: app, url: ${repo}, poll_interval_seconds: 0 }' > ${config}`,
  ]);
  const server = await startGantryServe({
    gantry: GANTRY,
    data: join(tmpRoot, "serve-data"),
    config,
    env: childEnv({ GANTRY_ADMIN_TOKEN: token }),
  });
  const api = apiClient(token);
  const dispatch = () =>
    api(server, "POST", "/repos/bench/app/actions/workflows/ci.yml/dispatches", {
      ref: "main",
      return_run_details: true,
    });
  for (let i = 0; i < 5; i++) await dispatch(); // warm up
  const answered = [];
  for (let i = 0; i < DISPATCHES; i++) {
    const s = performance.now();
    await dispatch();
    answered.push(performance.now() - s);
  }
  await server.stop();
  const dispatchP50 = quantile(answered, 0.5);
  results.dispatch = {
    dispatches: DISPATCHES,
    answeredP50Ms: round(dispatchP50, 2),
    answeredP99Ms: round(quantile(answered, 0.99), 2),
    appendP50Ms: results.appendOneAtATime.p50Ms,
    appendMeanMs: results.appendOneAtATime.meanMs,
    // The mean, with the tail of the WAL's fsyncs in it, is the honest share; the p50 beside it.
    appendShareOfDispatchPercent: round((100 * results.appendOneAtATime.meanMs) / dispatchP50, 2),
    appendP50ShareOfDispatchPercent: round((100 * results.appendOneAtATime.p50Ms) / dispatchP50, 3),
  };
  log(`4. dispatches answered: ${JSON.stringify(results.dispatch)}`);
  writeResults(values.out, results, ROOT);
  log(`wrote ${values.out}`);
} finally {
  if (!values.keep) rmSync(tmpRoot, { recursive: true, force: true });
}
