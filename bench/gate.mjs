#!/usr/bin/env node
// What an environment's gate adds between a reviewer's approval and the job's first step
// (`npm run bench:gate`), issue 15. On the real `gantry serve` (bin/gantry.js, dist/ rebuilt
// first), each of --runs runs of one workflow has:
//   first   a job that writes the time (ms, the system's real-time clock) as its last step;
//   plain   needs first, no environment: writes the time as its first step;
//   gated   needs first, `environment: production` (a required reviewer): waits; writes the time as
//           its first step once approved.
// The bench waits until the gated job waits and the plain job has finished (nothing else runs),
// notes the time and approves through POST …/pending_deployments as the reviewer. Measured:
//   approval → first step   gated's first step − the moment before the approval was sent (the
//                           review's HTTP round trip, the gate waking, the environment's secrets,
//                           the deployment, the job's token, the pool and the workspace);
//   needs → first step      plain's first step − first's last step (the same run's handoff of a
//                           job without environment: job completed, next job scheduled, token,
//                           pool, workspace): the floor the gate is held against.
// p50/p99 of each and their ratio; it prints them and writes bench/gate-results.json. Nothing is
// asserted (the target: approval → first step p50 under 200 ms).
//
// Options: --runs N (30)  --no-build  --keep  --out FILE
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  apiClient,
  benchCommit,
  childEnv,
  describeMachine,
  log,
  makeGitRepo,
  noiseSince,
  round,
  startCpuReading,
  startGantryServe,
  stats,
  writeResults,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GANTRY = join(ROOT, "bin", "gantry.js");
const TOKEN = "bench-gate-admin-token";
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "30" },
    "no-build": { type: "boolean" },
    keep: { type: "boolean" },
    out: { type: "string", default: join(ROOT, "bench", "gate-results.json") },
  },
});
const RUNS = Number(values.runs);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tmpRoot = mkdtempSync(join(tmpdir(), "gantry-bench-gate-"));
const out = join(tmpRoot, "out");
mkdirSync(out);
const env = childEnv({ GANTRY_HOME: join(tmpRoot, "home"), GANTRY_ADMIN_TOKEN: TOKEN });
// Milliseconds since the epoch, from the same real-time clock as the bench's Date.now().
const stamp = (name) => `printf '%s' "$(( $(date +%s%N) / 1000000 ))" > ${out}/\${{ github.run_id }}-${name}`;
const WORKFLOW = `name: Gate
on: workflow_dispatch
jobs:
  first:
    runs-on: ubuntu-latest
    steps:
      - run: ${stamp("first")}
  plain:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - run: ${stamp("plain")}
  gated:
    needs: first
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: ${stamp("gated")}
`;

const results = {
  machine: describeMachine(),
  commit: benchCommit(ROOT),
  date: new Date().toISOString(),
  runs: RUNS,
};
let server;
try {
  if (!values["no-build"]) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
  const repo = makeGitRepo(join(tmpRoot, "app"), { ".github/workflows/gate.yml": WORKFLOW }, env);
  const config = join(tmpRoot, "config.yml");
  writeFileSync(
    config,
    `repo_url_schemes: [file]
repos:
  - { owner: acme, name: app, url: ${JSON.stringify(repo)}, poll_interval_seconds: 0 }
runners: { isolation: none }
`,
  );
  server = await startGantryServe({ gantry: GANTRY, data: join(tmpRoot, "data"), config, env });
  const admin = apiClient(TOKEN);
  const user = await admin(server, "POST", "/admin/users", { login: "ravi" });
  const made = await admin(server, "POST", "/admin/users/ravi/authorizations", {
    note: "bench",
    scopes: ["repo"],
  });
  await admin(server, "PUT", "/repos/acme/app/collaborators/ravi", { permission: "read" });
  const env_ = await admin(server, "PUT", "/repos/acme/app/environments/production", {
    reviewers: [{ type: "User", id: user.id }],
  });
  const reviewer = apiClient(made.token);

  const gate = [];
  const plain = [];
  const review = [];
  const cpu = startCpuReading();
  for (let i = 0; i < RUNS; i++) {
    const { workflow_run_id: id } = await admin(
      server,
      "POST",
      "/repos/acme/app/actions/workflows/gate.yml/dispatches",
      { ref: "main", return_run_details: true },
    );
    const pendingPath = `/repos/acme/app/actions/runs/${id}/pending_deployments`;
    // The gated job waits, and the plain one has run: nothing else is under way.
    for (;;) {
      const pending = await admin(server, "GET", pendingPath);
      if (pending.length > 0 && existsSync(join(out, `${id}-plain`))) break;
      await sleep(20);
    }
    const plainDone = async () =>
      (await admin(server, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).jobs.some(
        (j) => j.name === "plain" && j.status === "completed",
      );
    while (!(await plainDone())) await sleep(20);
    const t0 = Date.now();
    await reviewer(server, "POST", pendingPath, {
      environment_ids: [env_.id],
      state: "approved",
      comment: "bench",
    });
    review.push(Date.now() - t0);
    for (;;) {
      const run = await admin(server, "GET", `/repos/acme/app/actions/runs/${id}`);
      if (run.status === "completed") {
        if (run.conclusion !== "success") throw new Error(`run ${id} ended ${run.conclusion}`);
        break;
      }
      await sleep(50);
    }
    const read = (name) => Number(readFileSync(join(out, `${id}-${name}`), "utf8"));
    gate.push(read("gated") - t0);
    plain.push(read("plain") - read("first"));
    log(
      `run ${i + 1}/${RUNS}: approval → first step ${gate.at(-1)} ms; needs → first step ${plain.at(-1)} ms`,
    );
  }
  results.noise = noiseSince(cpu, { loadAverage: true });
  const pct = (xs, p) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  const summary = (xs) => ({ ...stats(xs), p50: pct(xs, 50), p99: pct(xs, 99) });
  results.approvalToFirstStepMs = summary(gate);
  results.needsToFirstStepMs = summary(plain);
  results.reviewRequestMs = summary(review);
  results.ratioP50 = round(results.approvalToFirstStepMs.p50 / results.needsToFirstStepMs.p50, 2);
  results.ratioP99 = round(results.approvalToFirstStepMs.p99 / results.needsToFirstStepMs.p99, 2);
} finally {
  await server?.stop();
  if (!values.keep) rmSync(tmpRoot, { recursive: true, force: true });
}

const row = (name, r) =>
  `${name.padEnd(40)} p50 ${String(r.p50).padStart(5)} ms  p99 ${String(r.p99).padStart(5)} ms`;
console.log(row("approval → gated job's first step", results.approvalToFirstStepMs));
console.log(row("needs → plain job's first step (floor)", results.needsToFirstStepMs));
console.log(row("POST …/pending_deployments round trip", results.reviewRequestMs));
console.log(
  `gate / floor: p50 ${results.ratioP50}, p99 ${results.ratioP99} (target: approval → first step p50 < 200 ms)`,
);
writeResults(values.out, results, ROOT);
