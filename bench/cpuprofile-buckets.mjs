#!/usr/bin/env node
// Where `gantry serve`'s main thread spends its busy time per job, from V8 CPU profiles
// (`node bench/serve-ab.mjs --sections 2 --profile DIR` writes one per server): each sample goes
// to the first bucket below that any frame on its stack names (so a store query made from the
// runner counts as the store), else to "the rest". Startup (module loading, migrations, the
// OpenAPI document) is a bucket of its own and left out of the shares. Several files (or a folder
// of them) are added up; --jobs divides by the jobs they ran.
//
//   node bench/cpuprofile-buckets.mjs FILE|DIR… --jobs N
//
// The profiler samples wall time on the thread: under load a descheduled thread's samples land on
// what it was running, and system calls grow most, so compare two builds' shares in the same run
// (serve-ab's base and this), not the profiled milliseconds with the /proc CPU time.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { jobs: { type: "string", default: "1" } },
});
const JOBS = Number(opts.jobs);
const files = positionals.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => join(p, f))
    : [p],
);
if (files.length === 0 || !(JOBS > 0)) {
  process.stderr.write("usage: node bench/cpuprofile-buckets.mjs FILE|DIR… --jobs N\n");
  process.exit(2);
}

const STARTUP = "startup (module loading, migrations, OpenAPI, server start)";
/** In order: the first whose pattern names a frame of the sample's stack takes it. */
const BUCKETS = [
  [
    STARTUP,
    /^(startServer|loadAndTranslate|#migrateUp|openSqliteStore|createApp|openApiDocument|compileSourceTextModule|executeUserEntryPoint|main|getModuleJobForImport|Module\._load|requireBuiltin|compileForInternalLoader|prepareMainThreadExecution)$/,
  ],
  [
    "HTTP API (clients' requests; in the bench its polling)",
    /^(parserOnHeadersComplete|responseViaResponseObject|resolvePrincipal|parserOnIncoming)$/,
  ],
  [
    "store (Kysely and SQLite)",
    /^(executeQuery|provideConnection|commitTransaction|beginTransaction|compileQuery|transformQuery|executeTakeFirst|nextValue|nextValues|putJob|updateJob|claimJob|addToken|revokeToken|putSteps|overwriteSteps|getJob|getRun|findToken|listHooks|listSteps)$/,
  ],
  [
    "job folders and files (mkdir, event.json, the script, file-command files, ledger)",
    /^(mkdirSync|rmSync|writeFileSync|readJobFile|readFiles|giveToJob|prepareJobTools|makeJobFolders|forget|symlinkSync|chownSync|discardDir|appendFileSync)$/,
  ],
  [
    "sandbox keeper (start, end, mount list)",
    /^(endKeeper|startKeeper|takeKeeper|mountArgs|sandboxProblem)$/,
  ],
  ["log files (open, write, close)", /^(append|openLog|closeSync|writeSync)$/],
  [
    "child processes (spawn helper messages, kills)",
    /^(spawnProcess|target\.send|writeChannelMessage|parseChannelMessages|killProcessGroups|runProcess)$/,
  ],
  ["masking and the OIDC grant", /^(register|maskForms|mask|searchEach|grant)$/],
  ["expressions (if:, env, outputs)", /^(evaluateCondition|evaluateExpression|evaluateToken)$/],
  ["live events and SSE fan-out", /^(publish|deliver)$/],
];
const REST = "the rest (engine, runner, recorder, timers)";
const GC = "garbage collection";

const spent = new Map();
let busy = 0;
for (const file of files) {
  const p = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  for (let i = 0; i < p.samples.length; i++) {
    const ms = p.timeDeltas[i] / 1000;
    const names = [];
    for (let id = p.samples[i]; id !== undefined; id = parent.get(id))
      names.push(byId.get(id).callFrame.functionName);
    if (names[0] === "(idle)") continue;
    busy += ms;
    const bucket =
      names[0] === "(garbage collector)"
        ? GC
        : (BUCKETS.find(([, re]) => names.some((n) => re.test(n)))?.[0] ?? REST);
    spent.set(bucket, (spent.get(bucket) ?? 0) + ms);
  }
}
const working = busy - (spent.get(STARTUP) ?? 0);
console.log(
  `${files.length} profile(s): ${Math.round(busy)} ms busy, ${Math.round(working)} ms without startup = ${(working / JOBS).toFixed(2)} ms a job (profiled)`,
);
for (const [bucket, ms] of [...spent].sort((a, b) => b[1] - a[1])) {
  const share = bucket === STARTUP ? "     " : `${((100 * ms) / working).toFixed(1).padStart(5)}`;
  console.log(
    `${String(Math.round(ms)).padStart(8)} ms ${(ms / JOBS).toFixed(2).padStart(7)} ms/job ${share} %  ${bucket}`,
  );
}
