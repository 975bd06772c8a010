#!/usr/bin/env node
// The web UI's job log with a long log (`node bench/web-log.mjs [--lines 50000]`): the real
// `gantry serve` on loopback runs a job that prints --lines lines (ANSI colours, ::group::
// sections, then a failing last line), and Debian's Chromium (playwright-core) opens the job's
// page. Measured: navigation → the failing step's last line drawn (the log read, parsed and its
// first screen rendered), the same for an in-page route change, and the frame times while the log
// scrolls from top to bottom in 200 steps. Nothing is asserted; run `npm run build` first.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { lines: { type: "string", default: "50000" } } });
const LINES = Number(values.lines);
const TOKEN = "bench-token";

const repo = mkdtempSync(join(tmpdir(), "gantry-bench-log-"));
const git = (...args) => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
git("init", "-q", "-b", "main");
execFileSync("mkdir", ["-p", join(repo, ".github/workflows")]);
writeFileSync(
  join(repo, ".github/workflows/long.yml"),
  `on: workflow_dispatch
jobs:
  long:
    runs-on: ubuntu-latest
    steps:
      - name: Print ${LINES} lines
        run: |
          awk 'BEGIN { for (i = 1; i <= ${LINES}; i++) {
            if (i % 1000 == 1) print "::group::Part " int(i / 1000);
            printf "line %d \\033[32mok\\033[0m \\033[1;34m%s\\033[0m\\n", i, "some more text to make it a realistic width";
            if (i % 1000 == 0) print "::endgroup::" } }'
          echo "the last line"
          exit 1
`,
);
git("-c", "user.name=b", "-c", "user.email=b@b", "add", "-A");
git("-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "long");

const data = mkdtempSync(join(tmpdir(), "gantry-bench-data-"));
writeFileSync(
  join(data, "config.yml"),
  `repos:\n  - { owner: acme, name: app, url: ${JSON.stringify(repo)}, poll_interval_seconds: 0 }\n`,
);
const server = spawn(
  process.execPath,
  [
    join(ROOT, "bin/gantry.js"),
    "serve",
    "--port",
    "0",
    "--data",
    join(data, "d"),
    "--config",
    join(data, "config.yml"),
  ],
  {
    env: { ...process.env, GANTRY_ADMIN_TOKEN: TOKEN, GANTRY_HOME: join(data, "home") },
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const url = await new Promise((res) => {
  let out = "";
  server.stdout.on("data", (c) => {
    out += c;
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) res(m[1]);
  });
});
const api = async (path, init = {}) =>
  (
    await fetch(`${url}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    })
  ).json();
const { workflow_run_id: runId } = await api("/repos/acme/app/actions/workflows/long.yml/dispatches", {
  method: "POST",
  body: JSON.stringify({ ref: "main", return_run_details: true }),
});
let job;
for (;;) {
  const run = await api(`/repos/acme/app/actions/runs/${runId}`);
  if (run.status === "completed") {
    job = (await api(`/repos/acme/app/actions/runs/${runId}/jobs`)).jobs[0];
    break;
  }
  await new Promise((r) => setTimeout(r, 200));
}
const logText = await (
  await fetch(`${url}/api/v1/repos/acme/app/actions/jobs/${job.id}/logs`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  })
).text();

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-background-networking"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(url);
await page.evaluate((t) => sessionStorage.setItem("gantry.token", t), TOKEN);
const jobUrl = `${url}/acme/app/jobs/${job.id}`;
const results = {};
for (const round of [1, 2, 3]) {
  const t0 = Date.now();
  await page.goto(jobUrl);
  await page.locator('.step-head[aria-expanded="true"]').first().waitFor({ timeout: 60_000 });
  results[`open ${round} (ms)`] = Date.now() - t0;
  results[`open ${round}: page clock at the first screen (ms)`] = Math.round(
    await page.evaluate(() => performance.now()),
  );
  // In the page's own clock, from the navigation's start: when the whole log was read and drawn.
  await page.locator('.log-view[data-complete="true"]').waitFor({ timeout: 60_000 });
  results[`open ${round}: page clock at the whole log (ms)`] = Math.round(
    await page.evaluate(() => performance.now()),
  );
  if (round === 3)
    results.timeline = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map(
          (e) =>
            `${e.name.replace(/^.*\/\/[^/]+/, "").slice(0, 50)} ${Math.round(e.startTime)}→${Math.round(e.responseStart)}→${Math.round(e.responseEnd)}`,
        ),
    );
}
// Scroll the whole log in 200 steps, one per frame; the frame times say whether it stays smooth.
await page.getByRole("button", { name: "Expand all" }).click();
const frames = await page.evaluate(async () => {
  const el = document.querySelector(".vlist");
  const times = [];
  let last = performance.now();
  for (let i = 1; i <= 200; i++) {
    el.scrollTop = (el.scrollHeight * i) / 200;
    await new Promise((r) => requestAnimationFrame(() => r()));
    const now = performance.now();
    times.push(now - last);
    last = now;
  }
  times.sort((a, b) => a - b);
  return { p50: times[100], p95: times[190], max: times[199], rows: el.querySelectorAll(".vrow").length };
});
console.log(
  JSON.stringify({ lines: LINES, logBytes: logText.length, ...results, scrollFrameMs: frames }, null, 2),
);
await browser.close();
server.kill("SIGKILL");
