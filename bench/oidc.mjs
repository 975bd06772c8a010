#!/usr/bin/env node
// The OIDC ID token endpoint's requests per second (`npm run bench:oidc`), issue 15. On the real
// `gantry serve` (bin/gantry.js, dist/ rebuilt first), a job granted `id-token: write` hands its
// ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN to the bench and waits; autocannon then asks, for
// --duration seconds with --connections connections each:
//   1. GET /.well-known/jwks: the same server, route and JSON answer without a signature (the floor
//      of the HTTP stack);
//   2. GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=bench with the job's bearer: a signed ID token
//      each (the request token's hash looked up, the job's GITHUB_TOKEN checked in the store, the
//      claims signed RS256);
// and, in this process, RS256 signatures of the same claims per second with node:crypto (one
// thread: the floor of the signing). One answer is verified with jose against the JWKS. It prints
// the figures and writes bench/oidc-results.json. Nothing is asserted.
//
// Options: --duration S (10)  --connections N (10)  --no-build  --keep  --out FILE
import { execFileSync } from "node:child_process";
import { createSign, generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { createRemoteJWKSet, jwtVerify } from "jose";
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
  writeResults,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GANTRY = join(ROOT, "bin", "gantry.js");
const TOKEN = "bench-oidc-admin-token";
const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    "no-build": { type: "boolean" },
    keep: { type: "boolean" },
    out: { type: "string", default: join(ROOT, "bench", "oidc-results.json") },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tmpRoot = mkdtempSync(join(tmpdir(), "gantry-bench-oidc-"));
const out = join(tmpRoot, "out");
mkdirSync(out);
const env = childEnv({ GANTRY_HOME: join(tmpRoot, "home"), GANTRY_ADMIN_TOKEN: TOKEN });
const WORKFLOW = `name: OIDC
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - run: |
          printf '{"url":"%s","token":"%s"}' "$ACTIONS_ID_TOKEN_REQUEST_URL" "$ACTIONS_ID_TOKEN_REQUEST_TOKEN" > ${out}/request.tmp
          mv ${out}/request.tmp ${out}/request.json
          while [ ! -e ${out}/stop ]; do sleep 0.2; done
`;

/** autocannon against one URL: requests per second and latency, non-2xx answers counted. */
async function cannon(title, url, headers = {}) {
  log(`== ${title}: ${CONNECTIONS} connections, ${DURATION} s`);
  const cpu = startCpuReading();
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION });
  return {
    requestsPerSecond: round(r.requests.average, 0),
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, mean: round(r.latency.mean, 2) },
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    noise: noiseSince(cpu, { loadAverage: true }),
  };
}

/** RS256 signatures per second of these claims in this process, for `seconds`. */
function signaturesPerSecond(claims, seconds) {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const head = Buffer.from(JSON.stringify({ typ: "JWT", alg: "RS256", kid: "k" })).toString("base64url");
  const input = `${head}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    createSign("RSA-SHA256").update(input).sign(privateKey);
    n++;
  }
  return round(n / ((performance.now() - t0) / 1000), 0);
}

const results = {
  machine: describeMachine(),
  commit: benchCommit(ROOT),
  date: new Date().toISOString(),
  duration: DURATION,
  connections: CONNECTIONS,
};
let server;
try {
  if (!values["no-build"]) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
  const repo = makeGitRepo(join(tmpRoot, "app"), { ".github/workflows/oidc.yml": WORKFLOW }, env);
  const config = join(tmpRoot, "config.yml");
  writeFileSync(
    config,
    `repo_url_schemes: [file]
repos:
  - { owner: acme, name: app, url: ${JSON.stringify(repo)}, poll_interval_seconds: 0 }
runners: { isolation: none }
limits: { auth_failures_per_minute: 100000 }
`,
  );
  server = await startGantryServe({ gantry: GANTRY, data: join(tmpRoot, "data"), config, env });
  const api = apiClient(TOKEN);
  const dispatched = await api(server, "POST", "/repos/acme/app/actions/workflows/oidc.yml/dispatches", {
    ref: "main",
    return_run_details: true,
  });
  const requestFile = join(out, "request.json");
  while (!existsSync(requestFile)) await sleep(100);
  const request = JSON.parse(readFileSync(requestFile, "utf8"));
  if (!request.token) throw new Error(`the job got no request token: ${readFileSync(requestFile, "utf8")}`);
  const tokenUrl = `${request.url}&audience=bench`;
  const bearer = { authorization: `Bearer ${request.token}` };

  // One answer, verified as a relying party would, before the figures count.
  const sample = await (await fetch(tokenUrl, { headers: bearer })).json();
  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks`));
  const { payload } = await jwtVerify(sample.value, jwks, { audience: "bench" });
  log(`a token verified: sub ${payload.sub}, ${sample.value.length} characters`);
  results.tokenCharacters = sample.value.length;

  results.jwks = await cannon("GET /.well-known/jwks", `${server.url}/.well-known/jwks`);
  results.token = await cannon("GET the ID token endpoint", tokenUrl, bearer);
  log(`== RS256 signatures in this process, ${DURATION} s`);
  results.signaturesPerSecond = signaturesPerSecond(payload, DURATION);
  results.tokenShareOfJwks = round(results.token.requestsPerSecond / results.jwks.requestsPerSecond, 2);
  results.tokenShareOfSigning = round(results.token.requestsPerSecond / results.signaturesPerSecond, 2);

  writeFileSync(join(out, "stop"), "");
  const runId = dispatched.workflow_run_id;
  for (;;) {
    const run = await api(server, "GET", `/repos/acme/app/actions/runs/${runId}`);
    if (run.status === "completed") break;
    await sleep(200);
  }
  // The job has ended: its request token is refused.
  results.afterJobStatus = (await fetch(tokenUrl, { headers: bearer })).status;
} finally {
  await server?.stop();
  if (!values.keep) rmSync(tmpRoot, { recursive: true, force: true });
}

const row = (name, r) =>
  `${name.padEnd(34)} ${String(r.requestsPerSecond).padStart(7)} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  non-2xx ${r.non2xx}`;
console.log(row("GET /.well-known/jwks", results.jwks));
console.log(row("GET ID token (signed, RS256)", results.token));
console.log(
  `${"RS256 signatures, one thread".padEnd(34)} ${String(results.signaturesPerSecond).padStart(7)} /s`,
);
console.log(
  `token endpoint / jwks ${results.tokenShareOfJwks}, / signing ${results.tokenShareOfSigning}; after the job: ${results.afterJobStatus}`,
);
writeResults(values.out, results, ROOT);
