// What every bench measures with: medians, CPU time, the machine's noise (Linux PSI), timed
// child processes, the machine's description and the commit measured. Imported by run.mjs,
// actions.mjs, hash-files.mjs, cache.mjs, sandbox.mjs, serve.mjs and web.mjs (which start gantry serve through
// startGantryServe and talk to it through apiClient); nothing here prints or asserts.
import { execFileSync, spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
/**
 * Median and best (minimum) of a series of timings, with the raw runs (runs to 0.1 ms, median and
 * best to `digits`). Under load from other processes a timing only ever grows, so the best run is
 * the closest to the machine's floor.
 */
export const stats = (xs, digits = 1) => ({
  medianMs: round(median(xs), digits),
  bestMs: round(Math.min(...xs), digits),
  runs: xs.map((x) => round(x, 1)),
});
export const log = (line) => process.stderr.write(`${line}\n`);

// Children get a quiet, deterministic environment: no npm_* variables from `npm run`, and no
// NODE_EXTRA_CA_CERTS: it makes every Node process parse a CA bundle at start-up (about 60 ms on
// the reference machine), a property of the host, not of gantry, and nothing here uses TLS.
const STRIPPED_ENV = /^npm_|^INIT_CWD$|^NODE_OPTIONS$|^NODE_EXTRA_CA_CERTS$/i;
/** The variables removed from children's environment, as the results name them. */
export const strippedEnv = [
  ...Object.keys(process.env).filter((k) => STRIPPED_ENV.test(k) && !/^npm_/i.test(k)),
  "npm_*",
];
/**
 * A new folder for a server bench's repositories and its servers' data, under $GANTRY_BENCH_DIR,
 * else /var/tmp (else the temp folder). Not under /tmp: a sandboxed job's /tmp is a folder of its
 * own on disk, and its sandbox makes the path down to the job's folders inside it (≈ 10 folders a
 * job, made and removed with each job) when they are under /tmp. An installed server's data (a
 * home or /var/lib folder) never costs that.
 */
export function benchDir(prefix) {
  const base = process.env.GANTRY_BENCH_DIR || (existsSync("/var/tmp") ? "/var/tmp" : tmpdir());
  return mkdtempSync(join(base, prefix));
}

/** This process's environment without `strippedEnv`, plus `extra`, without CI. */
export function childEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STRIPPED_ENV.test(k)));
  Object.assign(env, {
    GIT_AUTHOR_NAME: "bench",
    GIT_AUTHOR_EMAIL: "bench@example.com",
    GIT_COMMITTER_NAME: "bench",
    GIT_COMMITTER_EMAIL: "bench@example.com",
    ...extra,
  });
  delete env.CI; // gantry's output is not a TTY here either way; keep it the plain-lines path
  return env;
}

/**
 * CPU time (clock ticks) the whole machine spent busy, the part this bench and its waited-for
 * children account for, and the Linux PSI CPU stall counter.
 */
export function cpuReading() {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = cpu;
  const busy = user + nice + system + irq + softirq + steal;
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const own = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
  let stallUs = Number.NaN; // µs during which some runnable task waited for a CPU
  try {
    stallUs = Number(
      /some .*total=(\d+)/.exec(readFileSync("/proc/pressure/cpu", "utf8"))?.[1] ?? Number.NaN,
    );
  } catch {
    // a kernel without PSI
  }
  return { busy, total: busy + idle + iowait, own, stallUs, at: performance.now() };
}
/** A reading to measure noise from, or undefined without /proc (the indicator is left out). */
export function startCpuReading() {
  try {
    return cpuReading();
  } catch {
    return undefined;
  }
}
/**
 * The noise indicators since `start`: the share of the machine's CPU (all cores) that other
 * processes used, and the share of the time some task waited for a CPU (PSI). Both are near 0
 * on a quiet machine; the second also catches contention the first cannot see (the hypervisor,
 * the kernel, this bench's own processes competing). With `loadAverage`, the 1-minute load too.
 * Null without a start or without /proc.
 */
export function noiseSince(start, { loadAverage = false } = {}) {
  if (!start) return null;
  try {
    const end = cpuReading();
    const total = end.total - start.total;
    const other = end.busy - start.busy - (end.own - start.own);
    const stall = end.stallUs - start.stallUs;
    const noise = {
      otherProcessesCpuPercent: total > 0 ? round((100 * Math.max(0, other)) / total, 1) : null,
      cpuPressurePercent: Number.isFinite(stall)
        ? round((100 * stall) / 1000 / (end.at - start.at), 1)
        : null,
    };
    return loadAverage ? { ...noise, loadAverage1m: round(loadavg()[0], 2) } : noise;
  } catch {
    return null;
  }
}
/** The PSI averages as the kernel reports them (`some avg10 avg60 avg300`), or null. */
export function pressure(resource) {
  try {
    const m = /some avg10=([\d.]+) avg60=([\d.]+) avg300=([\d.]+)/.exec(
      readFileSync(`/proc/pressure/${resource}`, "utf8"),
    );
    return m ? { avg10: Number(m[1]), avg60: Number(m[2]), avg300: Number(m[3]) } : null;
  } catch {
    return null;
  }
}

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();
/** This process's own CPU time (ms, user + system), from process.cpuUsage: microsecond resolution. */
export function ownCpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
/**
 * CPU time (ms, user + system) of the children this process has waited for: a child's figure
 * includes its own waited-for children. Unlike wall time it hardly grows when other processes
 * compete for the CPU. Resolution: one clock tick (10 ms).
 */
export function childrenCpuMs() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK; // cutime + cstime
  } catch {
    return Number.NaN; // no /proc
  }
}

/**
 * Spawns a command with stdout discarded; resolves with its exit code, stderr, wall time (to its
 * exit) and CPU time (its own and its waited-for children's).
 */
export function timed(command, args, { cwd, env } = {}) {
  return new Promise((resolvePromise, reject) => {
    let stderr = "";
    let exitAt = 0;
    let code = null;
    const cpu0 = childrenCpuMs();
    const t0 = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("exit", (c, signal) => {
      exitAt = performance.now();
      code = c ?? signal;
    });
    child.on("close", () => resolvePromise({ ms: exitAt - t0, cpuMs: childrenCpuMs() - cpu0, code, stderr }));
  });
}

export async function mustSucceed(what, p) {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}\n${r.stderr.slice(-4000)}`);
  return r;
}

export function git(cwd, env, ...args) {
  return execFileSync("git", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Writes a bench's results as JSON, formatted as the repository's formatter (Biome) wants it. */
export function writeResults(file, results, root) {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  try {
    execFileSync(join(root, "node_modules", ".bin", "biome"), ["format", "--write", file], {
      cwd: root,
      stdio: "ignore",
    });
  } catch {
    // no Biome: the file stays as JSON.stringify wrote it; the numbers are the same
  }
}

/** A git repository at `dir` with the given files (path → text), committed on `main`. */
export function makeGitRepo(dir, files, env) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git(dir, env, "init", "-q", "-b", "main");
  git(dir, env, "add", "-A");
  git(dir, env, "commit", "-q", "-m", "bench");
  return dir;
}

/**
 * A push webhook as GitHub delivers it (https://docs.github.com/webhooks/webhook-events-and-payloads#push):
 * the JSON payload of a push of `after` onto `ref` (one commit, `message`), and the headers GitHub
 * sends with it, the body signed with `secret` (X-Hub-Signature-256, HMAC-SHA256; X-Hub-Signature,
 * HMAC-SHA1). POST it to a server's /hooks/github.
 */
export function githubPushDelivery({ secret, owner, name, cloneUrl, ref, before, after, message }) {
  const now = new Date();
  const person = { name: "bench", email: "bench@example.com", username: "bench" };
  const user = { login: owner, id: 1, type: "User", site_admin: false };
  const commit = {
    id: after,
    tree_id: "0".repeat(40),
    distinct: true,
    message,
    timestamp: now.toISOString(),
    url: `https://github.com/${owner}/${name}/commit/${after}`,
    author: person,
    committer: person,
    added: [],
    removed: [],
    modified: ["n.txt"],
  };
  const payload = {
    ref,
    before,
    after,
    repository: {
      id: 1,
      node_id: "R_bench",
      name,
      full_name: `${owner}/${name}`,
      private: false,
      owner: { name: owner, email: null, ...user },
      html_url: `https://github.com/${owner}/${name}`,
      url: `https://github.com/${owner}/${name}`,
      clone_url: cloneUrl,
      default_branch: "main",
      master_branch: "main",
      pushed_at: Math.floor(now.getTime() / 1000),
    },
    pusher: { name: person.name, email: person.email },
    sender: user,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${owner}/${name}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: [commit],
    head_commit: commit,
  };
  const body = JSON.stringify(payload);
  const hmac = (algorithm) => createHmac(algorithm, secret).update(body).digest("hex");
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/bench",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "repository",
      "x-github-hook-installation-target-id": "1",
      "x-hub-signature": `sha1=${hmac("sha1")}`,
      "x-hub-signature-256": `sha256=${hmac("sha256")}`,
    },
  };
}

/** The 100-job chain's workflow: `n` one-step jobs (`run: "true"`), each needing the one before. */
export function chainWorkflow(n) {
  const lines = ["name: chain", "on: push", "jobs:"];
  for (let i = 1; i <= n; i++) {
    lines.push(`  j${i}:`, "    runs-on: ubuntu-latest");
    if (i > 1) lines.push(`    needs: j${i - 1}`);
    lines.push("    steps:", '      - run: "true"');
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Bundles gantry's TypeScript from `entry` with esbuild (the parser must be bundled) into
 * `outfile` and imports it: how a bench calls one of gantry's parts in its own process.
 */
export async function importBundled(entry, outfile, root) {
  const { build } = await import("esbuild");
  await build({
    entryPoints: [entry],
    nodePaths: [join(root, "node_modules")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    banner: {
      js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);",
    },
  });
  return import(pathToFileURL(outfile).href);
}

/** The newest modification time of any file under dir (to tell whether dist/ is stale). */
export function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The commit measured: the short id, marked when src/ has uncommitted changes. */
export function benchCommit(root) {
  try {
    const sha = git(root, process.env, "rev-parse", "--short", "HEAD").trim();
    const dirty = git(root, process.env, "status", "--porcelain", "--", "src").trim() !== "";
    return dirty ? `${sha}+uncommitted src/ changes` : sha;
  } catch {
    return "unknown";
  }
}

/** The machine as run.mjs and actions.mjs describe it. */
export function describeMachine() {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    kernel: release(),
    node: process.version,
    bash: execFileSync("bash", ["-c", 'echo "$BASH_VERSION"'], { encoding: "utf8" }).trim(),
    envRemovedForChildren: strippedEnv,
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
  };
}

/** Formats rows as a text table, columns padded to their widest cell. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * Starts the real `node GANTRY serve --data DATA --port 0 --config CONFIG` on loopback and resolves
 * once it says where it listens (rejects with its stderr when it exits first). `memory()` reads the
 * server process's peak and current resident set size (MiB, /proc); `stop()` sends SIGTERM and waits.
 * `nodeArgs` go to Node.js before the script (`--cpu-prof`, `--heap-prof`, …).
 */
export async function startGantryServe({ gantry, data, config, env, nodeArgs = [] }) {
  const child = spawn(
    process.execPath,
    [...nodeArgs, gantry, "serve", "--data", data, "--port", "0", "--config", config],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  let out = "";
  const url = await new Promise((resolveUrl, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolveUrl(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`gantry serve exited ${code}: ${stderr}`)));
  });
  return {
    url,
    pid: child.pid,
    stderr: () => stderr,
    stdout: () => out,
    memory() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const kib = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1]);
      return { peakMiB: round(kib("VmHWM") / 1024, 1), rssMiB: round(kib("VmRSS") / 1024, 1) };
    },
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * `api(server, method, path, body?)` against a gantry server's /api/v1 with the bearer token: JSON
 * answers parsed, others as text, a status other than 2xx thrown with its body.
 */
/**
 * Every job of a run's jobs list (`path`: …/runs/{id}/jobs or …/attempts/{n}/jobs, through `api`, an
 * apiClient): its pages at 100 a page, as GitHub serves them, until total_count are in. A server
 * that answers every job at once (before paging) ends it at the first page.
 */
export async function allJobs(api, server, path) {
  const jobs = [];
  const sep = path.includes("?") ? "&" : "?";
  for (let page = 1; ; page++) {
    const answer = await api(server, "GET", `${path}${sep}per_page=100&page=${page}`);
    jobs.push(...answer.jobs);
    if (answer.jobs.length === 0 || jobs.length >= answer.total_count) return jobs;
  }
}

export function apiClient(token) {
  return async (server, method, path, body) => {
    const send = () =>
      fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    let res;
    try {
      res = await send();
    } catch (err) {
      // A kept-alive connection the server closed as it was reused (ECONNRESET, seen under heavy
      // load): a GET is sent once more on a new one; a server that is gone fails again.
      if (method !== "GET") throw err;
      log(`   ${method} ${path}: ${err.cause?.code ?? err.message}; sent again`);
      res = await send();
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    if (!text) return undefined;
    return res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  };
}
