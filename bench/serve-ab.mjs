#!/usr/bin/env node
// `gantry serve` A/B in one run: this checkout's build beside another (`--base`, an older commit
// built outside the repository), on the same machine at the same time, so a change's effect is a
// difference taken under the same load. Both servers run on loopback against real git
// repositories in temp dirs (as bench/serve.mjs does), jobs in the server's default isolation.
//
//   1. event → first step: a workflow_dispatch POSTed to each server in turn (the order swapped
//      every round), to its one step's `date +%s%N`; the dispatch's answer; and the CPU time the
//      server used for the event (its own, and its waited-for children's: git, bubblewrap, the
//      step), from /proc, which load distorts far less than wall time;
//   2. one-step jobs on --slots slots: --jobs legs of a matrix dispatched at once to a fresh server
//      of each build in turn (--rounds times): jobs/s from the run's created_at to the last job's
//      completed_at, and the server's CPU per job (own and children's); `gantry run --max-jobs
//      SLOTS` of the same matrix as the reference;
//   3. push → first step: a `git push` through each build's own post-receive hook (`gantry hook
//      install`), to each server in turn, and the server's CPU per push; also from the moment the
//      pushed ref is updated (git's reference-transaction hook), which leaves git's transfer out;
//      the hook's own cost (the same commits pushed to a repository without hooks: the difference
//      of the medians); and each build's hook alone, run as git runs it against a listener that
//      answers at once (its wall time; its CPU and page faults from `perf stat`; `/bin/true` beside);
//   4. webhook → first step: a commit to the repository each server clones from, then GitHub's
//      signed push payload POSTed to its /hooks/github, to each server in turn (on request).
//
// Options: --base FILE (another build's bin/gantry.js; without it only this one)  --events N (40)
//          --jobs N (250)  --slots N (8)  --rounds N (1, section 2)  --steps N (1: `run:` steps per job, section 2)  --sections 1,2 (3 and 4 too on request)
//          --isolation sandbox|none  --profile DIR (servers run with --cpu-prof into DIR/<build>-<section>)
//          --no-build  --keep  --out FILE
// Its repositories and servers' data go in a new folder under $GANTRY_BENCH_DIR, else /var/tmp (not /tmp:
// see benchDir in bench/measure.mjs).
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  allJobs,
  apiClient,
  benchCommit,
  benchDir,
  CLK_TCK,
  childEnv,
  describeMachine,
  githubPushDelivery,
  log,
  newestMtime,
  noiseSince,
  round,
  startCpuReading,
  startGantryServe,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist", "gantry.js");
const TOKEN = "bench-admin-token";

const { values: opts } = parseArgs({
  options: {
    base: { type: "string" },
    events: { type: "string", default: "40" },
    jobs: { type: "string", default: "250" },
    slots: { type: "string", default: "8" },
    rounds: { type: "string", default: "1" },
    steps: { type: "string", default: "1" },
    sections: { type: "string", default: "1,2" },
    isolation: { type: "string", default: "sandbox" },
    profile: { type: "string" },
    "no-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "serve-ab-results.json") },
  },
});
if (!["sandbox", "none"].includes(opts.isolation)) throw new Error("--isolation: sandbox or none");
const EVENTS = Number(opts.events);
const JOBS = Number(opts.jobs);
const SLOTS = Number(opts.slots);
const ROUNDS = Number(opts.rounds);
const STEPS = Number(opts.steps);
const SECTIONS = new Set(opts.sections.split(",").map((x) => x.trim()));
const LEGS = 250;
const BUILDS = [{ label: "this", gantry: join(ROOT, "bin", "gantry.js") }];
if (opts.base) BUILDS.push({ label: "base", gantry: resolve(opts.base) });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const wallOffsetMs = (() => {
  const start = Date.now();
  let now = Date.now();
  while (now === start) now = Date.now();
  return now - performance.now();
})();
const wallMs = () => wallOffsetMs + performance.now();

/** CPU ms of one process: its own (user + system) and its waited-for children's. */
function oneCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ms = (i) => (Number(f[i]) * 1000) / CLK_TCK;
  return { own: ms(11) + ms(12), children: ms(13) + ms(14) };
}

/**
 * CPU ms of the server: its own, and its children's: those it waited for, and the live ones (its
 * spawn helper, whose own children's time the server's figures see only once the helper exits)
 * with theirs. A child that lives through the measure counts its whole time in both readings,
 * so the difference is its time in between.
 */
function processCpu(pid) {
  const total = oneCpu(pid);
  let live = "";
  try {
    live = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
  } catch {
    // no such file: the live children are not counted
  }
  for (const child of live.split(" ").filter(Boolean)) {
    try {
      const c = oneCpu(child);
      total.children += c.own + c.children;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * All the CPU of a server's process tree, from a cgroup v1 `cpuacct` group of its own (when this
 * process may make one: root on a host that mounts it): /proc's figures lose the time of the
 * processes a server's children leave to init (a sandbox's namespace init, killed by its pid, is
 * reaped by PID 1), this does not. The server and its children at the time (the spawn helper) are
 * moved in; whatever they start later is in it from its fork. Undefined where it cannot be made.
 */
const CPUACCT = "/sys/fs/cgroup/cpuacct";
/** The groups to remove at the end (a stopped server's folder removal can outlive it by seconds). */
const groups = [];
async function removeGroups() {
  for (let i = 0; i < 600 && groups.length > 0; i++) {
    for (const dir of [...groups]) {
      try {
        rmdirSync(dir);
        groups.splice(groups.indexOf(dir), 1);
      } catch {
        // processes still in it
      }
    }
    if (groups.length > 0) await sleep(100);
  }
}
function treeCpu(pid) {
  const dir = join(CPUACCT, `gantry-serveab-${process.pid}-${pid}`);
  try {
    mkdirSync(dir);
    const pids = [String(pid)];
    for (let i = 0; i < pids.length; i++) {
      try {
        pids.push(
          ...readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, "utf8").split(" ").filter(Boolean),
        );
      } catch {
        // gone meanwhile
      }
    }
    for (const p of pids) writeFileSync(join(dir, "cgroup.procs"), p);
  } catch {
    return undefined;
  }
  return {
    ms: () => Number(readFileSync(join(dir, "cpuacct.usage"), "utf8")) / 1e6,
    /** Removed once its processes have gone (a group with processes cannot be): at the bench's end. */
    remove: () => groups.push(dir),
  };
}

if (!opts["no-build"]) {
  if (!existsSync(DIST) || newestMtime(join(ROOT, "src")) > statSync(DIST).mtimeMs) {
    log("building dist/ …");
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
}

const tmpRoot = benchDir("gantry-serveab-");
const env = childEnv({ GANTRY_HOME: join(tmpRoot, "gantry-home"), GANTRY_ADMIN_TOKEN: TOKEN });
const git = (cwd, ...args) =>
  execFileSync("git", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] }).toString();
const api = apiClient(TOKEN);

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

async function startServer(build, name, repoDir, writable, section, hooks = undefined) {
  const data = join(tmpRoot, `${name}-data`);
  const config = join(tmpRoot, `${name}.yml`);
  writeFileSync(
    config,
    `repo_url_schemes: [file]\nrepos:\n  - {owner: bench, name: ${name}, url: ${JSON.stringify(repoDir)}, poll_interval_seconds: 0}\nrunners: {slots: ${SLOTS}, writable: ${JSON.stringify(writable)}${opts.isolation === "none" ? ", isolation: none" : ""}}\n${hooks ? `hooks: ${JSON.stringify(hooks)}\n` : ""}`,
  );
  const nodeArgs = opts.profile
    ? ["--cpu-prof", "--cpu-prof-dir", join(resolve(opts.profile), `${build.label}-${section}`)]
    : [];
  const server = await startGantryServe({ gantry: build.gantry, data, config, env, nodeArgs });
  return { ...server, name };
}

const dispatch = (server, file) =>
  api(server, "POST", `/repos/bench/${server.name}/actions/workflows/${file}/dispatches`, {
    ref: "main",
    return_run_details: true,
  }).then((r) => r.workflow_run_id);

async function waitCompleted(server, runId, everyMs) {
  for (;;) {
    const run = await api(server, "GET", `/repos/bench/${server.name}/actions/runs/${runId}`);
    if (run.status === "completed") return run;
    await sleep(everyMs);
  }
}

const results = {
  date: new Date().toISOString(),
  commit: benchCommit(ROOT),
  machine: describeMachine(),
  options: {
    events: EVENTS,
    jobs: JOBS,
    slots: SLOTS,
    rounds: ROUNDS,
    steps: STEPS,
    isolation: opts.isolation,
    base: opts.base ?? null,
  },
};

/**
 * `once` EVENTS times on each lane, the lanes in turn (which goes first alternating round by round);
 * each result ({ ms, own, children, … }; none for an event that was missed) kept in the lane's `results`.
 */
async function inTurn(lanes, once) {
  for (let i = 0; i < EVENTS; i++)
    for (const lane of i % 2 === 0 ? lanes : [...lanes].reverse()) {
      const r = await once(lane);
      if (r) lane.results.push(r);
    }
}

/**
 * Each build's post-receive hook alone (as `gantry hook install` writes it for a server on this
 * host), run as git runs it, fed one ref line, against a listener that answers 202 at once: the
 * hook's wall time from its spawn to its exit, then in as many runs its CPU and page faults
 * (`perf stat`, which counts the hook and what it starts), beside the floor of `/bin/true` fed the
 * same. 5 × --events runs of each, the builds in turn.
 */
async function hookAlone() {
  const { createServer } = await import("node:net");
  const listener = createServer((socket) => {
    socket.on("error", () => {});
    let got = "";
    socket.on("data", (chunk) => {
      got += chunk.toString("latin1");
      const end = got.indexOf("\r\n\r\n");
      if (end >= 0 && got.length >= end + 4 + Number(/content-length: (\d+)/i.exec(got)?.[1] ?? 0))
        socket.end("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    });
  });
  await new Promise((done) => listener.listen(0, "127.0.0.1", done));
  const url = `http://127.0.0.1:${listener.address().port}`;
  const line = `${"0".repeat(40)} ${"1".repeat(40)} refs/heads/main\n`;
  const perf = (() => {
    try {
      execFileSync("perf", ["stat", "-x,", "-e", "task-clock", "--", "true"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  const lanes = BUILDS.map((build) => {
    const bare = join(tmpRoot, `hook-alone-${build.label}.git`);
    git(tmpRoot, "init", "-q", "--bare", bare);
    execFileSync(
      process.execPath,
      [build.gantry, "hook", "install", bare, "--server", url, "--token", TOKEN],
      {
        env,
        stdio: "ignore",
      },
    );
    const hook = join(bare, "hooks", "post-receive");
    const kind = readFileSync(hook).subarray(0, 2).toString("latin1") === "#!" ? "script" : "compiled";
    return { build, bare, hook, kind, wall: [], cpu: [], faults: [] };
  });
  lanes.push({
    build: { label: "floor" },
    bare: tmpRoot,
    hook: "/bin/true",
    kind: "/bin/true",
    wall: [],
    cpu: [],
    faults: [],
  });
  const once = (lane, counted) =>
    new Promise((done, fail) => {
      const t0 = wallMs();
      const argv = counted ? ["stat", "-x,", "-e", "task-clock,page-faults", "--", lane.hook] : [];
      const child = spawn(counted ? "perf" : lane.hook, argv, {
        cwd: lane.bare,
        env: { ...env, GIT_DIR: "." },
        stdio: ["pipe", "ignore", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (c) => {
        err += c;
      });
      child.on("error", fail);
      child.on("close", () => {
        if (!counted) lane.wall.push(wallMs() - t0);
        const clock = /^([\d.]+),msec,task-clock/m.exec(err);
        const faults = /^(\d+),,page-faults/m.exec(err);
        if (clock) lane.cpu.push(Number(clock[1]));
        if (faults) lane.faults.push(Number(faults[1]));
        done();
      });
      child.stdin.on("error", () => {}); // /bin/true reads nothing
      child.stdin.end(line);
    });
  for (const lane of lanes) await once(lane, false); // unmeasured
  for (const lane of lanes) Object.assign(lane, { wall: [], cpu: [], faults: [] });
  for (const counted of perf ? [false, true] : [false])
    for (let i = 0; i < EVENTS * 5; i++)
      for (const lane of i % 2 === 0 ? lanes : [...lanes].reverse()) await once(lane, counted);
  await new Promise((done) => listener.close(done));
  const figures = { runs: EVENTS * 5, perf };
  for (const lane of lanes)
    figures[lane.build.label] = {
      hook: lane.kind,
      wallP50Ms: round(quantile(lane.wall, 0.5)),
      wallP99Ms: round(quantile(lane.wall, 0.99)),
      cpuP50Ms: lane.cpu.length ? round(quantile(lane.cpu, 0.5)) : undefined,
      pageFaultsP50: lane.faults.length ? quantile(lane.faults, 0.5) : undefined,
    };
  return figures;
}

/** A lane's latency quantiles and its server's CPU per event (its own, its children's), from its results. */
function laneFigures(lane) {
  const ms = lane.results.map((r) => r.ms);
  const mean = (key) => round(lane.results.reduce((sum, r) => sum + r[key], 0) / lane.results.length);
  return {
    measured: ms.length,
    p50Ms: round(quantile(ms, 0.5)),
    p90Ms: round(quantile(ms, 0.9)),
    p99Ms: round(quantile(ms, 0.99)),
    minMs: round(Math.min(...ms)),
    serverCpuMsPerEvent: mean("own"),
    childrenCpuMsPerEvent: mean("children"),
  };
}

try {
  if (SECTIONS.has("1")) {
    const noise0 = startCpuReading();
    const load0 = loadavg()[0];
    const lanes = [];
    for (const build of BUILDS) {
      const markers = join(tmpRoot, `markers-${build.label}`);
      mkdirSync(markers);
      const name = `first-${build.label}`;
      const repo = makeRepo(name, {
        "first.yml": `on: workflow_dispatch\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: date +%s%N > ${JSON.stringify(markers)}/$GITHUB_RUN_ID\n`,
      });
      const server = await startServer(build, name, repo, [markers], "1");
      const warm = await waitCompleted(server, await dispatch(server, "first.yml"), 20);
      if (warm.conclusion !== "success")
        throw new Error(`${build.label}: the first run ended ${warm.conclusion}`);
      lanes.push({ build, server, markers, latencies: [], answered: [], cpuOwn: [], cpuChildren: [] });
    }
    log(
      `1. event → first step: ${EVENTS} dispatches to each of ${lanes.map((l) => l.build.label).join(", ")}, in turn`,
    );
    for (let i = 0; i < EVENTS; i++) {
      const order = i % 2 === 0 ? lanes : [...lanes].reverse();
      for (const lane of order) {
        const { server } = lane;
        const c0 = processCpu(server.pid);
        const t0 = wallMs();
        const runId = await dispatch(server, "first.yml");
        lane.answered.push(wallMs() - t0);
        await waitCompleted(server, runId, 10);
        const c1 = processCpu(server.pid);
        lane.cpuOwn.push(c1.own - c0.own);
        lane.cpuChildren.push(c1.children - c0.children);
        const marker = join(lane.markers, String(runId));
        if (existsSync(marker))
          lane.latencies.push(Number(BigInt(readFileSync(marker, "utf8").trim()) / 1000n) / 1000 - t0);
      }
    }
    results.eventToFirstStep = {
      loadAverage: [round(load0, 2), round(loadavg()[0], 2)],
      noise: noiseSince(noise0),
    };
    for (const lane of lanes) {
      const sum = (xs) => xs.reduce((a, b) => a + b, 0);
      results.eventToFirstStep[lane.build.label] = {
        measured: lane.latencies.length,
        p50Ms: round(quantile(lane.latencies, 0.5)),
        p90Ms: round(quantile(lane.latencies, 0.9)),
        p99Ms: round(quantile(lane.latencies, 0.99)),
        minMs: round(Math.min(...lane.latencies)),
        answeredP50Ms: round(quantile(lane.answered, 0.5)),
        answeredP99Ms: round(quantile(lane.answered, 0.99)),
        serverCpuMsPerEvent: round(sum(lane.cpuOwn) / EVENTS),
        childrenCpuMsPerEvent: round(sum(lane.cpuChildren) / EVENTS),
      };
      await lane.server.stop();
    }
    log(`   ${JSON.stringify(results.eventToFirstStep)}`);
  }

  if (SECTIONS.has("3")) {
    // A push through each build's own post-receive hook (`gantry hook install`), in turn.
    const noise0 = startCpuReading();
    const load0 = loadavg()[0];
    const lanes = [];
    for (const build of BUILDS) {
      const markers = join(tmpRoot, `push-markers-${build.label}`);
      mkdirSync(markers);
      const name = `pushed-${build.label}`;
      const work = makeRepo(name, {
        "pushed.yml": `on: push\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: date +%s%N > ${JSON.stringify(markers)}/$GITHUB_SHA\n`,
      });
      const bare = join(tmpRoot, `${name}.git`);
      git(tmpRoot, "clone", "-q", "--bare", work, bare);
      git(work, "remote", "add", "origin", bare);
      // The same commits pushed to a repository without hooks too: the hook's own cost is the
      // difference of the two pushes' medians.
      const plain = join(tmpRoot, `${name}-plain.git`);
      git(tmpRoot, "clone", "-q", "--bare", work, plain);
      git(work, "remote", "add", "plain", plain);
      // The moment each push's ref is updated (git's reference-transaction hook, state committed),
      // before the post-receive hook runs: the event → first step without git's own transfer.
      const refTimes = join(tmpRoot, `${name}-ref-times`);
      mkdirSync(refTimes);
      const refHook = join(bare, "hooks", "reference-transaction");
      writeFileSync(
        refHook,
        `#!/bin/sh\nwhile read -r _old new _ref; do\n  [ "$1" = committed ] && date +%s%N > ${JSON.stringify(refTimes)}/"$new"\ndone\nexit 0\n`,
      );
      chmodSync(refHook, 0o755);
      const server = await startServer(build, name, bare, [markers], "3");
      execFileSync(
        process.execPath,
        [build.gantry, "hook", "install", bare, "--server", server.url, "--token", TOKEN],
        {
          env,
          stdio: "ignore",
        },
      );
      lanes.push({
        build,
        server,
        markers,
        work,
        refTimes,
        n: 0,
        results: [],
      });
    }
    const pushOnce = async (lane) => {
      writeFileSync(join(lane.work, "n.txt"), String(++lane.n));
      git(lane.work, "add", "n.txt");
      git(lane.work, "commit", "-q", "-m", `push ${lane.n}`);
      const sha = git(lane.work, "rev-parse", "HEAD").trim();
      const c0 = processCpu(lane.server.pid);
      const t0 = wallMs();
      git(lane.work, "push", "-q", "origin", "main");
      const pushed = wallMs() - t0;
      const marker = join(lane.markers, sha);
      const deadline = Date.now() + 30_000;
      while (!existsSync(marker) || readFileSync(marker, "utf8").trim() === "") {
        if (Date.now() > deadline) return undefined;
        await sleep(2);
      }
      const stepAt = Number(BigInt(readFileSync(marker, "utf8").trim()) / 1000n) / 1000;
      const ms = stepAt - t0;
      const stamp = join(lane.refTimes, sha);
      const fromRef = existsSync(stamp)
        ? stepAt - Number(BigInt(readFileSync(stamp, "utf8").trim()) / 1000n) / 1000
        : undefined;
      // The run's end, before the next push.
      for (;;) {
        const runs = await api(
          lane.server,
          "GET",
          `/repos/bench/${lane.server.name}/actions/runs?status=in_progress`,
        );
        const queued = await api(
          lane.server,
          "GET",
          `/repos/bench/${lane.server.name}/actions/runs?status=queued`,
        );
        if (runs.total_count === 0 && queued.total_count === 0) break;
        await sleep(10);
      }
      const c1 = processCpu(lane.server.pid);
      const t1 = wallMs();
      git(lane.work, "push", "-q", "plain", "main");
      const plainPush = wallMs() - t1;
      return { ms, pushed, plainPush, fromRef, own: c1.own - c0.own, children: c1.children - c0.children };
    };
    for (const lane of lanes) await pushOnce(lane); // unmeasured
    log(
      `3. push → first step: ${EVENTS} pushes to each of ${lanes.map((l) => l.build.label).join(", ")}, in turn`,
    );
    await inTurn(lanes, pushOnce);
    results.pushToFirstStep = {
      loadAverage: [round(load0, 2), round(loadavg()[0], 2)],
      noise: noiseSince(noise0),
    };
    for (const lane of lanes) {
      const fromRefs = lane.results.map((r) => r.fromRef).filter((x) => x !== undefined);
      results.pushToFirstStep[lane.build.label] = {
        ...laneFigures(lane),
        // The pushed ref updated in the bare repository → the step: without git's own transfer.
        refUpdatedToFirstStep: {
          measured: fromRefs.length,
          p50Ms: round(quantile(fromRefs, 0.5)),
          p90Ms: round(quantile(fromRefs, 0.9)),
          p99Ms: round(quantile(fromRefs, 0.99)),
        },
        gitPushP50Ms: round(
          quantile(
            lane.results.map((r) => r.pushed),
            0.5,
          ),
        ),
        gitPushWithoutHookP50Ms: round(
          quantile(
            lane.results.map((r) => r.plainPush),
            0.5,
          ),
        ),
        // The hook's own cost: git push with it − without it (p50s).
        hookCostP50Ms: round(
          quantile(
            lane.results.map((r) => r.pushed),
            0.5,
          ) -
            quantile(
              lane.results.map((r) => r.plainPush),
              0.5,
            ),
        ),
      };
      await lane.server.stop();
    }
    results.pushToFirstStep.hookAlone = await hookAlone();
    log(`   ${JSON.stringify(results.pushToFirstStep)}`);
  }

  if (SECTIONS.has("4")) {
    // A forge's push webhook to each build in turn: a commit to the repository the server clones
    // from, then GitHub's signed push payload POSTed to /hooks/github.
    const secret = "bench-webhook-secret";
    const noise0 = startCpuReading();
    const load0 = loadavg()[0];
    const lanes = [];
    for (const build of BUILDS) {
      const markers = join(tmpRoot, `webhook-markers-${build.label}`);
      mkdirSync(markers);
      const name = `hooked-${build.label}`;
      const repo = makeRepo(name, {
        "hooked.yml": `on: push\njobs:\n  first:\n    runs-on: ubuntu-latest\n    steps:\n      - run: date +%s%N > ${JSON.stringify(markers)}/$GITHUB_SHA\n`,
      });
      const server = await startServer(build, name, repo, [markers], "4", { github_secret: secret });
      lanes.push({
        build,
        server,
        markers,
        repo,
        n: 0,
        results: [],
      });
    }
    const deliverOnce = async (lane) => {
      const before = git(lane.repo, "rev-parse", "HEAD").trim();
      writeFileSync(join(lane.repo, "n.txt"), String(++lane.n));
      git(lane.repo, "add", "n.txt");
      git(lane.repo, "commit", "-q", "-m", `push ${lane.n}`);
      const after = git(lane.repo, "rev-parse", "HEAD").trim();
      const delivery = githubPushDelivery({
        secret,
        owner: "bench",
        name: lane.server.name,
        cloneUrl: lane.repo,
        ref: "refs/heads/main",
        before,
        after,
        message: `push ${lane.n}`,
      });
      const c0 = processCpu(lane.server.pid);
      const t0 = wallMs();
      const res = await fetch(`${lane.server.url}/hooks/github`, {
        method: "POST",
        headers: delivery.headers,
        body: delivery.body,
      });
      const answered = wallMs() - t0;
      if (res.status !== 202)
        throw new Error(`${lane.build.label}: /hooks/github ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      const marker = join(lane.markers, after);
      const deadline = Date.now() + 30_000;
      while (!existsSync(marker) || readFileSync(marker, "utf8").trim() === "") {
        if (Date.now() > deadline) return undefined;
        await sleep(2);
      }
      const ms = Number(BigInt(readFileSync(marker, "utf8").trim()) / 1000n) / 1000 - t0;
      for (;;) {
        const runs = await api(
          lane.server,
          "GET",
          `/repos/bench/${lane.server.name}/actions/runs?head_sha=${after}`,
        );
        if (runs.workflow_runs[0]?.status === "completed") break;
        await sleep(10);
      }
      const c1 = processCpu(lane.server.pid);
      return { ms, answered, own: c1.own - c0.own, children: c1.children - c0.children };
    };
    for (const lane of lanes) await deliverOnce(lane); // unmeasured
    log(
      `4. webhook → first step: ${EVENTS} GitHub push webhooks to each of ${lanes.map((l) => l.build.label).join(", ")}, in turn`,
    );
    await inTurn(lanes, deliverOnce);
    results.webhookToFirstStep = {
      loadAverage: [round(load0, 2), round(loadavg()[0], 2)],
      noise: noiseSince(noise0),
    };
    for (const lane of lanes) {
      results.webhookToFirstStep[lane.build.label] = {
        ...laneFigures(lane),
        answeredP50Ms: round(
          quantile(
            lane.results.map((r) => r.answered),
            0.5,
          ),
        ),
      };
      await lane.server.stop();
    }
    log(`   ${JSON.stringify(results.webhookToFirstStep)}`);
  }

  if (SECTIONS.has("2")) {
    const legs = Array.from({ length: LEGS }, (_, i) => i + 1).join(", ");
    const workflow = `on: workflow_dispatch\njobs:\n  leg:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        i: [${legs}]\n    steps:\n${'      - run: "true"\n'.repeat(STEPS)}`;
    const runs = Math.max(1, Math.ceil(JOBS / LEGS));
    results.queuedJobs = { runs: [] };
    log(`2. ${runs * LEGS} jobs of ${STEPS} step(s) on ${SLOTS} slots, each build ${ROUNDS} time(s)`);
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      for (const build of round_ % 2 === 0 ? BUILDS : [...BUILDS].reverse()) {
        const name = `many-${build.label}-${round_}`;
        const repo = makeRepo(name, { "many.yml": workflow });
        const server = await startServer(build, name, repo, [], "2");
        const tree = treeCpu(server.pid);
        const noise0 = startCpuReading();
        const c0 = processCpu(server.pid);
        const t0 = tree?.ms();
        const ids = await Promise.all(Array.from({ length: runs }, () => dispatch(server, "many.yml")));
        const finished = [];
        for (const id of ids) finished.push(await waitCompleted(server, id, 200));
        const c1 = processCpu(server.pid);
        const t1 = tree?.ms();
        const jobs = [];
        // Every page of each run's jobs (a build from before paging answers them all at once).
        for (const id of ids)
          jobs.push(...(await allJobs(api, server, `/repos/bench/${name}/actions/runs/${id}/jobs`)));
        const last = Math.max(...jobs.map((j) => Date.parse(j.completed_at)));
        const first = Math.min(...finished.map((r) => Date.parse(r.created_at)));
        const row = {
          build: build.label,
          jobs: jobs.length,
          succeeded: jobs.filter((j) => j.conclusion === "success").length,
          spanMs: last - first,
          jobsPerSecond: round((jobs.length / (last - first)) * 1000, 1),
          serverCpuMsPerJob: round((c1.own - c0.own) / jobs.length, 1),
          childrenCpuMsPerJob: round((c1.children - c0.children) / jobs.length, 1),
          // Every process of the server's tree, the ones init reaped too (cgroup cpuacct).
          ...(tree ? { treeCpuMsPerJob: round((t1 - t0) / jobs.length, 1) } : {}),
          loadAverage: round(loadavg()[0], 2),
          noise: noiseSince(noise0),
        };
        results.queuedJobs.runs.push(row);
        log(`   ${JSON.stringify(row)}`);
        await server.stop();
        tree?.remove();
      }
    }
    // Reference: gantry run of the same matrix, this build.
    const repo = makeRepo("many-local", { "many.yml": workflow });
    const t0 = wallMs();
    await new Promise((done) => {
      const child = spawn(
        process.execPath,
        [BUILDS[0].gantry, "run", "--event", "workflow_dispatch", "--max-jobs", String(SLOTS)],
        { cwd: repo, env, stdio: "ignore" },
      );
      child.once("exit", done);
    });
    const ms = wallMs() - t0;
    results.queuedJobs.referenceGantryRun = {
      jobs: LEGS,
      ms: round(ms),
      jobsPerSecond: round((LEGS / ms) * 1000, 1),
    };
    log(`   gantry run --max-jobs ${SLOTS}: ${JSON.stringify(results.queuedJobs.referenceGantryRun)}`);
  }
} finally {
  await removeGroups();
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  if (!opts.keep) rmSync(tmpRoot, { recursive: true, force: true });
  else log(`kept ${tmpRoot}`);
}
