// The job page's log viewer in a real browser (Debian's Chromium through playwright-core) against
// a real `gantry serve` on loopback: how lines are coloured, the header each step opens with, and
// the live tail. Every wait is on something the page shows, never on time.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo } from "./harness.js";
import { api, type Serve, serveWithConfig, until } from "./serve-harness.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "web-log-token";
const WAIT = 45_000;
const flags = mkdtempSync(join(tmpdir(), "gantry-web-log-"));
const GATE = join(flags, "gate");

const FAIL = `name: Fail
on: workflow_dispatch
env:
  LEVEL: high
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - name: Check things
        env:
          WHO: world
        run: |
          echo "hello $WHO"
          echo "::warning::be careful"
          echo "::notice::for your information"
          exit 3
`;

const LIVE = `name: Live
on: workflow_dispatch
jobs:
  tail:
    runs-on: ubuntu-latest
    steps:
      - name: Install
        run: |
          echo "::group::Fetch packages"
          echo "inside the running group"
          while [ ! -f ${JSON.stringify(GATE)} ]; do sleep 0.1; done
          echo "::endgroup::"
          echo "after the group"
          while [ ! -f ${JSON.stringify(`${GATE}2`)} ]; do sleep 0.1; done
`;

describe.skipIf(!existsSync(CHROMIUM))("the log viewer", () => {
  let s: Serve;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  async function dispatch(file: string): Promise<number> {
    const r = await api(s, TOKEN, "POST", `/repos/acme/app/actions/workflows/${file}/dispatches`, {
      ref: "main",
      return_run_details: true,
    });
    expect(r.status, r.text).toBe(200);
    return r.json.workflow_run_id;
  }

  /** Opens the page of the run's only job once it has one. */
  async function openJob(runId: number): Promise<void> {
    const jobs = await until(
      () => api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${runId}/jobs`),
      (r) => r.json?.jobs?.length === 1,
    );
    await page.goto(`${s.url}/acme/app/jobs/${jobs.json.jobs[0].id}`);
  }

  /** A server of its own for each test (the harness ends it after the test), signed in to. */
  async function start(): Promise<void> {
    const repo = makeRepo({
      files: { ".github/workflows/fail.yml": FAIL, ".github/workflows/live.yml": LIVE },
    });
    s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${JSON.stringify(repo)} }\nrunners:\n  isolation: none\n`,
      TOKEN,
    );
    await page.goto(s.url);
    await page.getByLabel("API token").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "acme/app" }).waitFor();
  }

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-background-networking"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(WAIT);
    page.on("pageerror", (err) => pageErrors.push(err.message));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("colours errors, warnings and notices, opens each step with the command it runs, and says the exit code", async () => {
    await start();
    const runId = await dispatch("fail.yml");
    await openJob(runId);
    await page.getByTestId("job-state").getByText("Failed").waitFor();
    await page.locator('.step-head[data-step="Check things"][aria-expanded="true"]').waitFor();
    await page.locator(".log-line.log-warning", { hasText: "Warning: be careful" }).waitFor();
    await page.locator(".log-line.log-notice", { hasText: "Notice: for your information" }).waitFor();
    await page
      .locator(".log-line.log-error", { hasText: "Error: Process completed with exit code 3." })
      .waitFor();
    expect(await page.locator(".log-line", { hasText: "##[" }).count()).toBe(0);
    expect(await page.locator(".log-line.log-error").count()).toBe(1);
    // The step's header: `Run <first line>`, folded, with the script, the shell and the env.
    const header = page.locator(".group-toggle", { hasText: 'Run echo "hello $WHO"' });
    await header.waitFor();
    expect(await page.locator(".log-line", { hasText: "WHO: world" }).count()).toBe(0);
    await header.click();
    await page.locator(".log-line .ansi-fg-6", { hasText: 'echo "::warning::be careful"' }).waitFor();
    await page.locator(".log-line", { hasText: /^\d+shell: \S*bash -e \{0\}$/ }).waitFor();
    await page.locator(".log-line", { hasText: "env:" }).waitFor();
    await page.locator(".log-line", { hasText: "LEVEL: high" }).waitFor();
    await page.locator(".log-line", { hasText: "WHO: world" }).waitFor();
    // The job's error annotation, on the run's page.
    await page.goto(`${s.url}/acme/app/runs/${runId}`);
    await page.locator(".annotation", { hasText: "Process completed with exit code 3." }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it("follows the live tail into the group a new line lands in, and folds it once the tail leaves", async () => {
    await start();
    const runId = await dispatch("live.yml");
    await openJob(runId);
    await page.locator('.step-head.state-in_progress[data-step="Install"][aria-expanded="true"]').waitFor();
    expect(await page.getByLabel("Follow").isChecked()).toBe(true);
    await page.locator(".log-line", { hasText: "inside the running group" }).waitFor();
    writeFileSync(GATE, "");
    await page.locator(".log-line", { hasText: "after the group" }).waitFor();
    await page.locator(".log-line", { hasText: "inside the running group" }).waitFor({ state: "detached" });
    await page.locator('.group-toggle[aria-expanded="false"]', { hasText: /^▸ Fetch packages$/ }).waitFor();
    writeFileSync(`${GATE}2`, "");
    await page.getByTestId("job-state").getByText("Succeeded").waitFor();
    expect(pageErrors).toEqual([]);
  });
});
