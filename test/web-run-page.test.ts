// The run page in a real browser (Debian's Chromium through playwright-core) against a real
// `gantry serve` on loopback: attempts, titles, links. Every wait is on something the page shows.
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo } from "./harness.js";
import { api, type Serve, serveWithConfig, until } from "./serve-harness.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "web-run-page-token";
const WAIT = 45_000;

let browser: Browser;

/** A server for one repository acme/app holding these files, and a signed-in page on it. */
async function open(files: Record<string, string>): Promise<{ s: Serve; page: Page; errors: string[] }> {
  const repo = makeRepo({ files });
  const s = await serveWithConfig(
    `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo}, poll_interval_seconds: 0 }\n`,
    TOKEN,
  );
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(WAIT);
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(s.url);
  await page.getByLabel("API token").fill(TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "acme/app" }).waitFor();
  return { s, page, errors };
}

async function dispatch(s: Serve, file: string, inputs: Record<string, string> = {}): Promise<number> {
  const answer = await api(s, TOKEN, "POST", `/repos/acme/app/actions/workflows/${file}/dispatches`, {
    ref: "main",
    inputs,
    return_run_details: true,
  });
  expect(answer.status, answer.text).toBe(200);
  return answer.json.workflow_run_id as number;
}

function completed(s: Serve, id: number, attempt = 1) {
  return until(
    () => api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}`),
    (r) => r.json.status === "completed" && r.json.run_attempt === attempt,
  );
}

describe.skipIf(!existsSync(CHROMIUM))("the run page", () => {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-background-networking"],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("shows an earlier attempt's own status, jobs and artifacts after a re-run", async () => {
    const { s, page, errors } = await open({
      ".github/workflows/ci.yml": `name: CI
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built > out.txt
      - uses: actions/upload-artifact@v4
        with: { name: build-out, path: out.txt }
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "attempt \${{ github.run_attempt }}" > report.txt
          [ "\${{ github.run_attempt }}" != 1 ]
      - uses: actions/upload-artifact@v4
        with: { name: test-report, path: report.txt }
`,
    });
    const id = await dispatch(s, "ci.yml");
    await completed(s, id);
    await page.goto(`${s.url}/acme/app/runs/${id}`);
    await page.getByTestId("run-state").getByText("Failed").waitFor();
    await page.getByRole("button", { name: "Re-run failed jobs" }).click();
    await page.getByTestId("run-state").getByText("Succeeded").waitFor();
    const artifacts = page.locator(".artifacts li button");
    await page.locator(".artifacts li button", { hasText: "test-report" }).waitFor();

    // Attempt 1: failed, its graph's test failed, and only its own artifact.
    await page.getByRole("link", { name: "#1" }).click();
    await page.getByTestId("run-state").getByText("Failed").waitFor();
    await page.locator('.graph-node[data-job="test"].state-failure').waitFor();
    await page.locator(".artifacts li button", { hasText: "build-out" }).waitFor();
    expect(await artifacts.allTextContents()).toEqual(["build-out"]);

    await page.getByRole("link", { name: "#2" }).click();
    await page.getByTestId("run-state").getByText("Succeeded").waitFor();
    await page.locator('.graph-node[data-job="test"].state-success').waitFor();
    await page.locator(".artifacts li button", { hasText: "test-report" }).waitFor();
    expect(await artifacts.allTextContents()).toEqual(["build-out", "test-report"]);
    expect(errors).toEqual([]);
  });

  it("titles a run with its run-name, on the run page and in the runs list, where search finds it", async () => {
    const { s, page, errors } = await open({
      ".github/workflows/deploy.yml": `name: Deploy
run-name: Deploy \${{ inputs.version }} to \${{ inputs.environment }}
on:
  workflow_dispatch:
    inputs:
      version: { required: true }
      environment: { default: staging }
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo deploying
`,
    });
    const id = await dispatch(s, "deploy.yml", { version: "1.2.3", environment: "prod" });
    await page.goto(`${s.url}/acme/app/runs/${id}`);
    await page.getByRole("heading", { name: /Deploy 1\.2\.3 to prod\s+Deploy #1/ }).waitFor();
    await page.getByRole("link", { name: "Runs" }).click();
    await page.locator(".run-row .run-title", { hasText: "Deploy 1.2.3 to prod" }).waitFor();
    // The search box finds runs by title (any case), commit and actor, through the server.
    const other = await dispatch(s, "deploy.yml", { version: "2.0", environment: "staging" });
    await page.locator(".run-row .run-title", { hasText: "Deploy 2.0 to staging" }).waitFor();
    await page.getByText("2 runs", { exact: true }).waitFor();
    await page.getByLabel("Search").fill("TO STAGING");
    await page.getByLabel("Search").press("Enter");
    await page.getByText("1 run", { exact: true }).waitFor();
    expect(await page.locator(".run-row .run-title").allTextContents()).toEqual(["Deploy 2.0 to staging"]);
    const sha = (await api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${other}`)).json.head_sha as string;
    await page.getByLabel("Search").fill(sha.slice(0, 7));
    await page.getByLabel("Search").press("Enter");
    await page.getByText("2 runs", { exact: true }).waitFor();
    await page.getByLabel("Search").fill("no such run");
    await page.getByLabel("Search").press("Enter");
    await page.getByText("0 runs", { exact: true }).waitFor();
    expect(errors).toEqual([]);
  });

  it("re-runs one job from the run page: it and what needs it run again, the rest is kept", async () => {
    const { s, page, errors } = await open({
      ".github/workflows/ci.yml": `name: CI
# <img src=x onerror="window.pwned=1">
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo build
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo "test in attempt \${{ github.run_attempt }}"
`,
    });
    const id = await dispatch(s, "ci.yml");
    await completed(s, id);
    await page.goto(`${s.url}/acme/app/runs/${id}`);
    await page.getByTestId("run-state").getByText("Succeeded").waitFor();
    // The workflow file as it was at the run's commit, as text (its markup is not markup).
    await page.getByRole("button", { name: ".github/workflows/ci.yml" }).click();
    await page.locator(".workflow-file", { hasText: '<img src=x onerror="window.pwned=1">' }).waitFor();
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    await page.getByLabel("Job to re-run").selectOption({ label: "test" });
    await page.getByRole("button", { name: "Re-run job" }).click();
    await page.getByRole("link", { name: "#1" }).waitFor();
    await page.getByTestId("run-state").getByText("Succeeded").waitFor();
    const jobs = async (n: number) =>
      Object.fromEntries(
        (await api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${id}/attempts/${n}/jobs`)).json.jobs.map(
          (j: { name: string; started_at: string }) => [j.name, j.started_at],
        ),
      );
    const [one, two] = [await jobs(1), await jobs(2)];
    expect(two.build).toBe(one.build);
    expect(two.test > one.test).toBe(true);
    expect(errors).toEqual([]);
  });
});
