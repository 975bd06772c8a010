// The web UI in a real browser (Debian's Chromium through playwright-core) against a real
// `gantry serve` on loopback, with a real git repository whose pushes reach the server through
// gantry's post-receive hook. Every wait is on something the page shows, never on time.
// GANTRY_SCREENSHOTS=1 also saves the main pages as PNGs in docs/screenshots/.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles, makeRemote } from "./git-remote.js";
import { gantry } from "./harness.js";
import { type Serve, serve } from "./serve-harness.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "web-ui-admin-token";
const SHOTS =
  process.env.GANTRY_SCREENSHOTS === "1" ? resolve(import.meta.dirname, "..", "docs", "screenshots") : "";
const WAIT = 45_000;

const flags = mkdtempSync(join(tmpdir(), "gantry-web-flags-"));
const GATE = join(flags, "gate");
const FIXED = join(flags, "fixed");

const CI = `name: CI
on: push
jobs:
  build:
    strategy:
      matrix:
        node: [18, 20]
    runs-on: ubuntu-latest
    steps:
      - name: Compile
        run: |
          echo "::group::Install things"
          echo "inside the group"
          echo "::endgroup::"
          printf '\\033[32mcompiled\\033[0m for node %s\\n' "\${{ matrix.node }}"
          echo "::warning file=src/app.ts,line=12,col=5::Looks odd"
          while [ ! -f ${JSON.stringify(GATE)} ]; do sleep 0.1; done
      - name: Summary
        run: |
          echo "### Build report" >> "$GITHUB_STEP_SUMMARY"
          echo "| node | result |" >> "$GITHUB_STEP_SUMMARY"
          echo "| --- | --- |" >> "$GITHUB_STEP_SUMMARY"
          echo "| \${{ matrix.node }} | ok |" >> "$GITHUB_STEP_SUMMARY"
          echo '<script>window.pwned = 1</script>' >> "$GITHUB_STEP_SUMMARY"
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo "setting up"
      - name: Run the tests
        run: |
          echo "running 3 tests"
          if [ ! -f ${JSON.stringify(FIXED)} ]; then
            echo "::error file=test/app.test.ts,line=7::expected 2, got 3"
            printf '\\033[31mtests failed\\033[0m\\n'
            exit 1
          fi
          echo "all tests passed"
  deploy:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: echo deployed
`;

const DEPLOY = `name: Deploy
on:
  workflow_dispatch:
    inputs:
      version:
        description: The version to deploy
        required: true
      target:
        type: choice
        options: [staging, prod]
        default: staging
      dry-run:
        type: boolean
        default: true
      replicas:
        type: number
        default: 2
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo "deploying \${{ inputs.version }} to \${{ inputs.target }} (dry run \${{ inputs.dry-run }}, \${{ inputs.replicas }} replicas)"
`;

let server: Serve | undefined;
let url = "";
let browser: Browser;
let page: Page;
/** Errors the page threw or logged: none is expected. */
const pageErrors: string[] = [];
const repo = makeRemote({ ".github/workflows/ci.yml": CI, ".github/workflows/deploy.yml": DEPLOY });

/** The server; its jobs' sandbox lets them see `flags`, the folder of the gate the test opens. */
async function startServer(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-web-"));
  writeFileSync(
    join(dir, "config.yml"),
    `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${JSON.stringify(repo.origin)}, poll_interval_seconds: 0 }\nrunners:\n  slots: 4\n  writable: [${JSON.stringify(flags)}]\n`,
  );
  server = await serve(
    ["--data", join(dir, "data"), "--config", join(dir, "config.yml")],
    { GANTRY_HOME: join(dir, "home"), GANTRY_ADMIN_TOKEN: TOKEN },
    { lifetime: "file" },
  );
  return server.url;
}

function push(): Promise<number | null> {
  return new Promise((done) => {
    const child = spawn("git", ["push", "-q", "origin", "main"], { cwd: repo.work, stdio: "ignore" });
    child.on("close", done);
  });
}

async function shot(name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** The graph node of a job (its `data-job` path) once it shows `state`. */
function node(path: string, state: string) {
  return page.locator(`.graph-node[data-job="${path}"].state-${state}`);
}

describe.skipIf(!existsSync(CHROMIUM))("the web UI", () => {
  beforeAll(async () => {
    url = await startServer();
    const hooked = await gantry(repo.work, [
      "hook",
      "install",
      repo.origin,
      "--server",
      url,
      "--token",
      TOKEN,
    ]);
    expect(hooked.code, hooked.stderr).toBe(0);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-background-networking"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(WAIT);
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (m) => {
      // A 401 or 422 the test asks for is shown by the page; the browser logs it too.
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) pageErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    server?.proc.kill("SIGKILL");
  });

  it("signs in with the API token, and refuses a wrong one", async () => {
    await page.goto(url);
    await page.getByLabel("API token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token is not valid on this server.").waitFor();
    await shot("sign-in");
    await page.getByLabel("API token").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "acme/app" }).waitFor();
    await page.getByRole("heading", { name: "Deploy" }).waitFor();
  });

  it("shows a pushed run live in the graph, its failing step's log, and re-runs the failed jobs", async () => {
    commitFiles(repo.work, { "src/app.ts": "export const x = 1;\n" }, "Add the app");
    expect(await push()).toBe(0);
    // The run shows up on the overview without a reload, while it runs.
    const link = page.locator(".run-list .run-title", { hasText: "Add the app" });
    await link.waitFor();
    await link.click();
    await node("build", "in_progress").waitFor();
    await page.getByRole("button", { name: /build \(2\)/ }).click();
    await page.locator(".legs a", { hasText: "build (18)" }).waitFor();
    await shot("run-live");
    // A running job's log follows the live tail, its running step open.
    await page.locator(".legs a", { hasText: "build (18)" }).click();
    await page.locator('.step-head.state-in_progress[data-step="Compile"][aria-expanded="true"]').waitFor();
    await page.locator(".log-line .ansi-fg-2", { hasText: "compiled" }).waitFor();
    expect(await page.getByLabel("Follow").isChecked()).toBe(true);
    await page.goBack();
    await node("build", "in_progress").waitFor();
    writeFileSync(GATE, "");
    await node("build", "success").waitFor();
    await node("test", "failure").waitFor();
    await node("deploy", "skipped").waitFor();
    await page.getByTestId("run-state").getByText("Failed").waitFor();
    // Annotations with their file and line, the summaries rendered (a table; no script).
    await page
      .locator(".annotation", { hasText: "expected 2, got 3" })
      .getByText("test/app.test.ts:7")
      .waitFor();
    await page
      .locator(".annotation", { hasText: "Looks odd" })
      .getByText("src/app.ts:12:5")
      .first()
      .waitFor();
    await page.locator(".summary table td", { hasText: "ok" }).first().waitFor();
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    await shot("run");

    // The failing job's log opens at its failing step, in colour.
    await page.locator('.graph-node[data-job="test"] a').click();
    await page.getByTestId("job-state").getByText("Failed").waitFor();
    const failed = page.locator(".log-line .ansi-fg-1", { hasText: "tests failed" });
    await failed.waitFor();
    await page.locator('.step-head[data-step="Run the tests"][aria-expanded="true"]').waitFor();
    await page.locator('.step-head[data-step="Run echo \\"setting up\\""][aria-expanded="false"]').waitFor();
    // Search finds a line in a closed step and opens it; its number links to it.
    await page.getByLabel("Search the log").fill("setting up");
    await page.getByLabel("Search the log").press("Enter");
    const found = page.locator(".log-line.selected", { hasText: "setting up" });
    await found.waitFor();
    await shot("job");
    await found.locator("a.ln").click();
    expect(page.url()).toMatch(/#L\d+$/);

    // Re-run the failed jobs once the cause is gone: attempt 2 succeeds, keeping the build.
    await page.getByRole("link", { name: /CI #1/ }).click();
    writeFileSync(FIXED, "");
    await page.getByRole("button", { name: "Re-run failed jobs" }).click();
    await node("test", "success").waitFor();
    await node("deploy", "success").waitFor();
    await page.getByTestId("run-state").getByText("Succeeded").waitFor();
    await page.getByRole("link", { name: "#1" }).waitFor();
  });

  it("opens a build's log with its groups folded", async () => {
    await page.locator('.graph-node[data-job="build"] button').click();
    await page.locator(".legs a", { hasText: "build (20)" }).click();
    await page.getByTestId("job-state").getByText("Succeeded").waitFor();
    // (a button once the log is read: before, the step is listed but holds nothing to open)
    await page.locator('button.step-head[data-step="Compile"]').click();
    const group = page.locator(".group-toggle", { hasText: /^▸ Install things$/ });
    await group.waitFor();
    expect(await page.locator(".log-line", { hasText: "inside the group" }).count()).toBe(0);
    await group.click();
    await page.locator(".log-line", { hasText: "inside the group" }).waitFor();
    await page.locator(".log-line .ansi-fg-2", { hasText: "compiled" }).waitFor();
  });

  it("dispatches a workflow from its inputs' form, the server's errors next to their fields", async () => {
    await page.getByRole("link", { name: "Overview" }).click();
    await page
      .locator(".workflow", { hasText: "Deploy" })
      .getByRole("link", { name: "Run workflow" })
      .click();
    await page.getByLabel("target").waitFor();
    expect(await page.getByLabel("target").inputValue()).toBe("staging");
    expect(await page.getByLabel("dry-run").isChecked()).toBe(true);
    expect(await page.getByLabel("replicas").inputValue()).toBe("2");
    await page.getByRole("button", { name: "Run workflow" }).click();
    await page.locator("#input-version-error", { hasText: "Input 'version' is required" }).waitFor();
    await shot("dispatch");
    await page.getByLabel("version").fill("1.2.3");
    await page.getByLabel("target").selectOption("prod");
    await page.getByLabel("dry-run").uncheck();
    await page.getByRole("button", { name: "Run workflow" }).click();
    await node("deploy", "success").waitFor();
    await page.locator('.graph-node[data-job="deploy"] a').click();
    await page.locator('.step-head[data-step^="Run echo"]').click();
    await page
      .locator(".log-line .text", { hasText: /^deploying 1\.2\.3 to prod \(dry run false, 2 replicas\)$/ })
      .waitFor();
  });

  it("lists runs filtered by workflow and event, paged by the server", async () => {
    await page.getByRole("link", { name: "Runs" }).click();
    await page.locator(".run-row").first().waitFor();
    await page.getByLabel("Workflow").selectOption({ label: "Deploy" });
    await page.getByText("1 run", { exact: true }).waitFor();
    await page.getByLabel("Event").selectOption("push");
    await page.getByText("0 runs", { exact: true }).waitFor();
    await page.getByLabel("Workflow").selectOption({ label: "All workflows" });
    await page.getByText("1 run", { exact: true }).waitFor();
    await shot("runs");
    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByRole("heading", { name: "acme/app" }).waitFor();
    await shot("overview");
    if (SHOTS) {
      // The dark theme (the system's choice) and a phone's width.
      await page.emulateMedia({ colorScheme: "dark" });
      await page.getByRole("link", { name: "Runs" }).click();
      await page.locator(".run-list .run-title", { hasText: "Add the app" }).click();
      await page.locator(".graph-node").first().waitFor();
      await shot("run-dark");
      await page.locator(".graph-node a").first().click();
      await page.locator(".step-head").first().waitFor();
      await shot("job-dark");
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goBack();
      await page.locator(".graph-node").first().waitFor();
      await shot("run-phone");
      await page.emulateMedia({ colorScheme: "light" });
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    expect(pageErrors).toEqual([]);
  });
});
