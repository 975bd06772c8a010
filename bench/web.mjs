#!/usr/bin/env node
// The web UI with a big log (`npm run bench:web`). Starts the real server (`node bin/gantry.js
// serve --data DIR --port 0`) on loopback against a real git repository whose workflow's failing
// step prints a realistic log (ANSI colours, ::group:: sections, ::error:: lines, long lines) of
// 5,000, 50,000 and 500,000 lines (a matrix), dispatches it and waits for it. Then, in Debian's
// Chromium (playwright-core, the flags of test/web-ui.test.ts), signed in, for each size:
//   1. open: navigation → the failing step's first lines on screen (it opens by default);
//   2. end: scrollTop to the bottom → the log's last row rendered;
//   3. scroll: the whole log scrolled through in --scroll-ms (a scrollTop step every frame):
//      frames per second, the longest frame, frames over 50 ms, long tasks (PerformanceObserver
//      'longtask'), and frames that showed blank rows (the list had not caught up);
//   4. memory: the JS heap after a GC (CDP Performance.getMetrics) and the DOM's element count.
// Peers and limits in the same run, as ratios: the 1-second target, and the same log served as
// plain text (GET …/actions/jobs/{id}/logs) opened in the same browser: Chromium's own text
// rendering, the floor for "opening a log". Medians and maxima over --reps (5) visits, after one
// unmeasured visit. It prints a summary and writes bench/web-results.json. Nothing is asserted.
//
// Options: --reps N (5)  --sizes 5000,50000,500000  --scroll-ms MS (4000)  --no-build  --keep
//          --plain-max N (50000: the plain-text peer up to this size; Chromium takes long over 40 MiB)
//          --out FILE  --profile DIR (also a CPU profile of opening each size in the UI, and its
//          heaviest functions)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import {
  apiClient,
  benchCommit,
  childEnv,
  describeMachine,
  log,
  median,
  newestMtime,
  noiseSince,
  pressure,
  round,
  startCpuReading,
  startGantryServe,
  table,
} from "./measure.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GANTRY = join(ROOT, "bin", "gantry.js");
const DIST = join(ROOT, "dist", "gantry.js");
const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "bench-web-token";
const TARGET_MS = 1000; // issue 6: "a 50,000-line log opens in under a second"

const { values: opts } = parseArgs({
  options: {
    reps: { type: "string", default: "5" },
    sizes: { type: "string", default: "5000,50000,500000" },
    "plain-max": { type: "string", default: "50000" },
    "scroll-ms": { type: "string", default: "4000" },
    profile: { type: "string" },
    "no-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "web-results.json") },
  },
});
const REPS = Number(opts.reps);
const SIZES = opts.sizes.split(",").map((s) => Number(s.trim()));
const SCROLL_MS = Number(opts["scroll-ms"]);
const WAIT = 300_000;
const READ_PX_PER_S = 2000; // 100 rows a second: a wheel or a held arrow key

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const summary = (xs) => ({
  medianMs: round(median(xs)),
  maxMs: round(Math.max(...xs)),
  runs: xs.map((x) => round(x)),
});

// ---------------------------------------------------------------------------------------------
// The log: what a test suite prints, failing at its end. Every 1,000th line opens a ::group::
// of 40 lines; every 97th is long (~700 characters); a few ::error:: lines; ANSI colours.
const GEN_LOG = String.raw`BEGIN {
  esc = sprintf("%c", 27)
  green = esc "[32m"; red = esc "[31m"; grey = esc "[90m"; bold = esc "[1m"; reset = esc "[0m"
  long = ""
  for (k = 0; k < 14; k++) long = long "node_modules/@scope/package-" k "/dist/index.js:" (k * 37) " "
  errors = 0
  for (i = 1; i <= n; ) {
    if (i % 1000 == 1 && i + 41 <= n) {
      print "::group::" bold "Suite " int(i / 1000) reset " (40 files)"
      for (j = 0; j < 40; j++) print "  loading fixture " j " for suite " int(i / 1000)
      print "::endgroup::"
      i += 42
      continue
    }
    if (i % 97 == 0) print grey "[debug]" reset " stack " long
    else if (i % 10007 == 0 && errors < 5) { print "::error file=src/mod" i ".ts,line=" (i % 300) "::expected " i " to equal " i + 1; errors++ }
    else if (i % 13 == 0) print "  " red "✗" reset " case " i " retried " grey "(" (i % 90) " ms)" reset
    else print "  " green "✓" reset " module " int(i / 50) " › case " i " " grey "(" (i % 40) " ms)" reset
    i++
  }
  print red bold "Tests: " int(n / 13) " failed" reset ", " n " total"
}`;

const WORKFLOW = `name: Big log
on: workflow_dispatch
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        lines: [${SIZES.join(", ")}]
    steps:
      - name: Install
        run: echo "installing dependencies"
      - name: Run the tests
        run: |
          awk -v n=\${{ matrix.lines }} '
${GEN_LOG.replace(/^/gm, "          ")}
          '
          exit 1
`;

// ---------------------------------------------------------------------------------------------
// The server and the run

const tmpRoot = mkdtempSync(join(tmpdir(), "gantry-webbench-"));
const env = childEnv({ GANTRY_HOME: join(tmpRoot, "gantry-home"), GANTRY_ADMIN_TOKEN: TOKEN });
const git = (cwd, ...args) => execFileSync("git", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });

function makeRepo() {
  const dir = join(tmpRoot, "repo");
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(join(dir, ".github", "workflows", "big.yml"), WORKFLOW);
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "a big log");
  return dir;
}

async function startServer(repoDir) {
  const config = join(tmpRoot, "config.yml");
  writeFileSync(
    config,
    `repo_url_schemes: [file]\nrepos:\n  - {owner: bench, name: web, url: ${JSON.stringify(repoDir)}, poll_interval_seconds: 0}\nrunners: {slots: 1}\n`,
  );
  return startGantryServe({ gantry: GANTRY, data: join(tmpRoot, "data"), config, env });
}

const api = apiClient(TOKEN);

// ---------------------------------------------------------------------------------------------
// In the page

/** Long tasks from the start of every document (registered before the page's scripts). */
const INIT = () => {
  window.__longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch {
    // no longtask entries in this browser
  }
};

/** Resolves with performance.now() at the first frame where `check()` holds (polled each frame). */
const untilFrame = (check, timeoutMs) =>
  new Promise((done, fail) => {
    const t0 = performance.now();
    const tick = () => {
      if (check()) return done(performance.now());
      if (performance.now() - t0 > timeoutMs) return fail(new Error("timed out"));
      requestAnimationFrame(tick);
    };
    tick();
  });

/** The page's functions, installed by evaluate (each frame-polled check in page terms). */
const PAGE_HELPERS = `
window.__untilFrame = ${untilFrame.toString()};
window.__scroller = () => document.querySelector(".vlist.log") ?? document.scrollingElement;
/** Whether rendered rows cover the scroller's viewport (a plain page always does). */
window.__covered = () => {
  const el = document.querySelector(".vlist.log");
  if (!el) return true;
  const spacer = el.querySelector(".vspacer");
  const top = el.scrollTop, bottom = Math.min(el.scrollTop + el.clientHeight, spacer.offsetHeight);
  let lo = Infinity, hi = -Infinity;
  for (const row of spacer.children) {
    const t = parseFloat(row.style.top);
    lo = Math.min(lo, t);
    hi = Math.max(hi, t + row.offsetHeight);
  }
  return lo <= top && hi >= bottom - 1;
};
/** Whether the last row is rendered (the bottom of the log on screen). */
window.__lastShown = () => {
  const el = document.querySelector(".vlist.log");
  if (!el) {
    const s = document.scrollingElement;
    return s.scrollTop + s.clientHeight >= s.scrollHeight - 1;
  }
  const spacer = el.querySelector(".vspacer");
  const last = spacer.lastElementChild;
  return !!last && parseFloat(last.style.top) + last.offsetHeight >= spacer.offsetHeight - 1 &&
    el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
};
`;

/**
 * Scrolls from the top, one scrollTop step per frame: the whole log in `ms` (a fling), or at
 * `pxPerSecond` for `ms` (reading); the frames it took.
 */
const scrollThrough = ({ ms, pxPerSecond }) =>
  new Promise((done) => {
    const el = window.__scroller();
    const max = pxPerSecond
      ? Math.min(el.scrollHeight - el.clientHeight, (pxPerSecond * ms) / 1000)
      : el.scrollHeight - el.clientHeight;
    el.scrollTop = 0;
    const frames = [];
    let blank = 0;
    let t0 = 0;
    let last = 0;
    const firstTask = window.__longTasks.length;
    const tick = (t) => {
      if (!t0) {
        t0 = t;
        last = t;
      } else {
        frames.push(t - last);
        last = t;
        if (!window.__covered()) blank++;
      }
      const f = Math.min(1, (t - t0) / ms);
      el.scrollTop = f * max;
      if (f < 1) requestAnimationFrame(tick);
      else {
        const tasks = window.__longTasks.slice(firstTask);
        done({ frames, blank, longTasks: tasks.map((x) => x.ms), scrolledPx: max });
      }
    };
    requestAnimationFrame(tick);
  });

// ---------------------------------------------------------------------------------------------
// Measuring a page

async function memory(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("Performance.enable");
  const { metrics } = await cdp.send("Performance.getMetrics");
  await cdp.detach();
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const elements = await page.evaluate(() => document.getElementsByTagName("*").length);
  return { jsHeapUsedMiB: round(m.JSHeapUsedSize / 2 ** 20, 1), domNodes: m.Nodes, elements };
}

/** One visit: open, jump to the end, scroll through, memory. `open` says when the log shows. */
async function visit(page, url, ui) {
  await page.goto(url, { waitUntil: "commit", timeout: WAIT });
  await page.waitForFunction(() => document.readyState !== "loading", null, { timeout: WAIT });
  await page.evaluate(PAGE_HELPERS);
  // Open: the failing step expanded and its lines on screen; the plain page: loaded and painted.
  const openAt = await page.evaluate(
    ({ ui, wait }) =>
      window.__untilFrame(
        ui
          ? () =>
              !!document.querySelector('.step-head[aria-expanded="true"]') &&
              !!document.querySelector(".vlist.log .log-line") &&
              window.__covered()
          : () => document.readyState === "complete" && !!document.body,
        wait,
      ),
    { ui, wait: WAIT },
  );
  // Where the main thread's time went up to then (CDP Performance metrics, seconds → ms).
  // When the log's bytes had arrived (resource timing of GET …/logs), and the page's own script.
  const fetched = await page.evaluate(() => {
    const r = performance.getEntriesByType("resource").find((e) => /\/logs(\?|$)/.test(e.name));
    const nav = performance.getEntriesByType("navigation")[0];
    return {
      logRequestStartMs: r ? r.requestStart || r.startTime : null,
      logResponseEndMs: r ? r.responseEnd : (nav?.responseEnd ?? null),
      domContentLoadedMs: nav?.domContentLoadedEventEnd ?? null,
    };
  });
  const paint = await page.evaluate(
    () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
  );
  const shown = await page.evaluate(() => {
    const line = document.querySelector(".vlist.log .log-line .text") ?? document.body;
    return line.textContent.slice(0, 60);
  });
  const loadTasks = await page.evaluate(() => window.__longTasks.map((x) => x.ms));
  // End: to the bottom, until the last row shows.
  const endMs = await page.evaluate(async (wait) => {
    const el = window.__scroller();
    const t0 = performance.now();
    el.scrollTop = el.scrollHeight;
    return (await window.__untilFrame(() => window.__lastShown(), wait)) - t0;
  }, WAIT);
  const scroll = await page.evaluate(scrollThrough, { ms: SCROLL_MS });
  const reading = await page.evaluate(scrollThrough, { ms: 3000, pxPerSecond: READ_PX_PER_S });
  const mem = await memory(page);
  return {
    openMs: openAt,
    firstContentfulPaintMs: paint,
    fetched,
    shown,
    loadLongTasks: loadTasks,
    endMs,
    scroll,
    reading,
    memory: mem,
  };
}

function scrollStats(s) {
  const total = s.frames.reduce((a, b) => a + b, 0);
  return {
    fps: round((s.frames.length / total) * 1000, 1),
    medianFrameMs: round(median(s.frames)),
    longestFrameMs: round(Math.max(...s.frames)),
    framesOver50Ms: s.frames.filter((f) => f > 50).length,
    frames: s.frames.length,
    blankFrames: s.blank,
    longTasks: s.longTasks.length,
    longestTaskMs: round(Math.max(0, ...s.longTasks)),
    scrolledPx: s.scrolledPx,
  };
}

/** --reps visits after one unmeasured one; medians and maxima. */
async function measure(page, url, ui) {
  const first = await visit(page, url, ui);
  const visits = [];
  for (let i = 0; i < REPS; i++) visits.push(await visit(page, url, ui));
  const scrolling = (how, key) => {
    const scrolls = visits.map((v) => scrollStats(v[key]));
    const pick = (k) => scrolls.map((s) => s[k]);
    return {
      how,
      medianFps: median(pick("fps")),
      minFps: Math.min(...pick("fps")),
      longestFrameMs: Math.max(...pick("longestFrameMs")),
      medianFramesOver50Ms: median(pick("framesOver50Ms")),
      maxFramesOver50Ms: Math.max(...pick("framesOver50Ms")),
      medianBlankFrames: median(pick("blankFrames")),
      medianLongTasks: median(pick("longTasks")),
      longestTaskMs: Math.max(...pick("longestTaskMs")),
      runs: scrolls,
    };
  };
  return {
    shown: first.shown,
    firstVisitOpenMs: round(first.openMs),
    open: summary(visits.map((v) => v.openMs)),
    timeline: Object.fromEntries(
      Object.keys(first.fetched).map((k) => [
        k,
        round(median(visits.map((v) => v.fetched[k] ?? Number.NaN))),
      ]),
    ),
    firstContentfulPaint: summary(visits.map((v) => v.firstContentfulPaintMs ?? Number.NaN)),
    longTasksWhileOpening: {
      medianCount: median(visits.map((v) => v.loadLongTasks.length)),
      longestMs: round(Math.max(0, ...visits.flatMap((v) => v.loadLongTasks))),
    },
    end: summary(visits.map((v) => v.endMs)),
    scroll: scrolling(
      `a fling: scrollTop from top to bottom in ${SCROLL_MS} ms, one step per frame`,
      "scroll",
    ),
    reading: scrolling(
      `reading: ${READ_PX_PER_S} px/s (${READ_PX_PER_S / 20} rows/s) for 3 s from the top, one step per frame`,
      "reading",
    ),
    memory: visits[visits.length - 1].memory,
  };
}

/** A CPU profile of one more visit's opening (navigation → the log on screen), its top functions. */
async function profileOpen(page, url, file) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
  await page.goto(url, { waitUntil: "commit", timeout: WAIT });
  await page.waitForFunction(() => document.readyState !== "loading", null, { timeout: WAIT });
  await page.evaluate(PAGE_HELPERS);
  await page.evaluate(
    (wait) => window.__untilFrame(() => !!document.querySelector(".vlist.log .log-line"), wait),
    WAIT,
  );
  const { profile } = await cdp.send("Profiler.stop");
  await cdp.detach();
  writeFileSync(file, JSON.stringify(profile));
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([k, ms]) => `${round(ms)} ms ${k}`);
}

// ---------------------------------------------------------------------------------------------
// The run

if (!opts["no-build"]) {
  const stale = (out, src) => !existsSync(out) || newestMtime(src) > statSync(out).mtimeMs;
  if (stale(DIST, join(ROOT, "src")) || stale(join(ROOT, "dist", "web", "index.html"), join(ROOT, "web"))) {
    log("building dist/ …");
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
}

const results = {
  date: new Date().toISOString(),
  commit: benchCommit(ROOT),
  machine: { ...describeMachine(), cpuPressureAtStart: pressure("cpu") },
  browser: { executable: CHROMIUM, flags: ["--headless", "--no-sandbox", "--disable-background-networking"] },
  options: { reps: REPS, sizes: SIZES, scrollMs: SCROLL_MS, viewport: "1280×800" },
  targetMs: TARGET_MS,
  sizes: [],
};

let server;
let browser;
try {
  const repo = makeRepo();
  server = await startServer(repo);
  log(`gantry serve at ${server.url}; dispatching the ${SIZES.join(", ")}-line logs …`);
  const { workflow_run_id: runId } = await api(
    server,
    "POST",
    "/repos/bench/web/actions/workflows/big.yml/dispatches",
    { ref: "main", return_run_details: true },
  );
  const t0 = Date.now();
  for (;;) {
    const run = await api(server, "GET", `/repos/bench/web/actions/runs/${runId}`);
    if (run.status === "completed") break;
    if (Date.now() - t0 > 15 * 60_000) throw new Error("the run did not complete in 15 minutes");
    await sleep(500);
  }
  const { jobs } = await api(server, "GET", `/repos/bench/web/actions/runs/${runId}/jobs`);
  log(`run ${runId} completed in ${round((Date.now() - t0) / 1000, 1)} s`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-background-networking"],
  });
  results.browser.version = browser.version();
  // The UI, signed in as a user would.
  const ui = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  ui.setDefaultTimeout(WAIT);
  await ui.addInitScript(INIT);
  await ui.goto(server.url);
  await ui.getByLabel("API token").fill(TOKEN);
  await ui.getByRole("button", { name: "Sign in" }).click();
  await ui.getByRole("heading", { name: "bench/web" }).waitFor();
  // The plain-text peer: the raw log endpoint, the token as a header.
  const rawContext = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
  });
  const raw = await rawContext.newPage();
  raw.setDefaultTimeout(WAIT);
  await raw.addInitScript(INIT);

  for (const lines of SIZES) {
    const job = jobs.find((j) => j.name.includes(`(${lines})`));
    if (!job) throw new Error(`no job for ${lines} lines in ${jobs.map((j) => j.name).join(", ")}`);
    const rawPath = `/api/v1/repos/bench/web/actions/jobs/${job.id}/logs`;
    const text = await api(server, "GET", `/repos/bench/web/actions/jobs/${job.id}/logs`);
    const entry = {
      lines,
      job: job.name,
      conclusion: job.conclusion,
      logLines: text.split("\n").filter((l) => l !== "").length,
      logMiB: round(Buffer.byteLength(text) / 2 ** 20, 2),
    };
    log(`${job.name}: ${entry.logLines} log lines, ${entry.logMiB} MiB`);
    const n0 = startCpuReading();
    entry.ui = await measure(ui, `${server.url}/bench/web/jobs/${job.id}`, true);
    entry.ui.noise = noiseSince(n0, { loadAverage: true });
    if (opts.profile) {
      mkdirSync(opts.profile, { recursive: true });
      const file = join(opts.profile, `open-${lines}.cpuprofile`);
      log(
        `  profile (${file}):\n    ${(await profileOpen(ui, `${server.url}/bench/web/jobs/${job.id}`, file)).join("\n    ")}`,
      );
    }
    log(
      `  UI:    ${JSON.stringify({ open: entry.ui.open, end: entry.ui.end, fps: entry.ui.scroll.medianFps })}`,
    );
    entry.ratios = { openVsTarget: round(entry.ui.open.medianMs / TARGET_MS, 2) };
    if (lines <= Number(opts["plain-max"])) {
      const n1 = startCpuReading();
      entry.plainText = await measure(raw, `${server.url}${rawPath}`, false);
      entry.plainText.noise = noiseSince(n1, { loadAverage: true });
      log(`  plain: ${JSON.stringify({ open: entry.plainText.open, end: entry.plainText.end })}`);
      Object.assign(entry.ratios, {
        openVsPlainTextLoaded: round(entry.ui.open.medianMs / entry.plainText.open.medianMs, 2),
        openVsPlainTextFirstPaint: round(
          entry.ui.open.medianMs / entry.plainText.firstContentfulPaint.medianMs,
          2,
        ),
        heapVsPlainText: round(entry.ui.memory.jsHeapUsedMiB / entry.plainText.memory.jsHeapUsedMiB, 2),
      });
    }
    results.sizes.push(entry);
  }
} finally {
  await browser?.close();
  await server?.stop();
  if (opts.keep) log(`kept ${tmpRoot}`);
  else rmSync(tmpRoot, { recursive: true, force: true });
}

results.machine.cpuPressureAtEnd = pressure("cpu");
writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);

const rows = [
  [
    "lines",
    "page",
    "open p50",
    "open max",
    "end p50",
    "fling fps",
    "longest frame",
    ">50ms",
    "blank",
    "reading fps",
    "reading >50ms",
    "heap MiB",
    "elements",
  ],
];
for (const e of results.sizes) {
  for (const [name, m] of [
    ["UI", e.ui],
    ["plain text (loaded)", e.plainText],
  ]) {
    if (!m) continue;
    rows.push([
      e.lines,
      name,
      `${m.open.medianMs} ms`,
      `${m.open.maxMs} ms`,
      `${m.end.medianMs} ms`,
      m.scroll.medianFps,
      `${m.scroll.longestFrameMs} ms`,
      m.scroll.medianFramesOver50Ms,
      m.scroll.medianBlankFrames,
      m.reading.medianFps,
      m.reading.medianFramesOver50Ms,
      m.memory.jsHeapUsedMiB,
      m.memory.elements,
    ]);
  }
}
console.log(table(rows));
for (const e of results.sizes)
  console.log(
    `${e.lines} lines: open ${e.ratios.openVsTarget}× the 1 s target, ${e.ratios.openVsPlainTextLoaded ?? "–"}× plain text loaded, ${e.ratios.openVsPlainTextFirstPaint ?? "–"}× its first paint; load ${JSON.stringify(e.ui.noise)}`,
  );
log(`wrote ${opts.out}`);
