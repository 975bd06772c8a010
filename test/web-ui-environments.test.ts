// Environments in the web UI, in a real browser against a real `gantry serve`: a run waiting on
// production's reviewer shows who may approve; the reviewer approves it in the page (with a
// comment) and it runs, while a reader's page of the same run, without buttons, follows live; a
// second run is rejected in the page and fails; the Environments page shows what runs where
// (dev → staging → production), who deployed and approved it, the history, its delivery metrics
// and what waits where.
// GANTRY_SCREENSHOTS=1 also saves the pages as PNGs in docs/screenshots/.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles } from "./git-remote.js";
import { git } from "./harness.js";
import { api, dispatchRun, until } from "./serve-harness.js";
import { hasChromium, openBrowser, push, startUiServer, TOKEN, type UiServer, WAIT } from "./web-ui-setup.js";

const SHOTS =
  process.env.GANTRY_SCREENSHOTS === "1" ? resolve(import.meta.dirname, "..", "docs", "screenshots") : "";

const DELIVER = `name: Deliver
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo build
  dev:
    needs: build
    environment: dev
    runs-on: ubuntu-latest
    steps:
      - run: echo deploy to dev
  staging:
    needs: dev
    environment:
      name: staging
      url: https://staging.example.com/app
    runs-on: ubuntu-latest
    steps:
      - run: echo deploy to staging
  production:
    needs: staging
    environment:
      name: production
      url: https://example.com/app
    runs-on: ubuntu-latest
    steps:
      - run: echo deploy to production
`;

let server: UiServer;
let browser: Browser;
/** Each person's personal token, by login. */
const tokens: Record<string, string> = {};
const pages: Page[] = [];

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** An API call as the site admin (the bootstrap token); fails the test on an answer other than 2xx. */
async function asAdmin(method: string, path: string, body?: unknown) {
  const answer = await api(server, TOKEN, method, path, body);
  expect(answer.status, `${method} ${path}: ${answer.text}`).toBeLessThan(300);
  return answer;
}

/** A user with a personal token and a role on acme/app; resolves to their id. */
async function person(login: string, role: string): Promise<number> {
  const made = await asAdmin("POST", "/admin/users", { login });
  const token = await asAdmin("POST", `/admin/users/${login}/authorizations`, {
    note: "web",
    scopes: ["repo", "user"],
  });
  tokens[login] = token.json.token;
  await asAdmin("PUT", `/repos/acme/app/collaborators/${login}`, { permission: role });
  return made.json.id;
}

/** A new page in its own browser context, signed in with `token`; no error may happen in it. */
async function signIn(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(server.url);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "Overview" }).waitFor();
  pages.push(page);
  return page;
}

/** Dispatches the delivery workflow and waits until it waits on production. */
async function waitingRun(): Promise<number> {
  const run = await dispatchRun(server, TOKEN, "deliver.yml");
  await until(
    () => api(server, TOKEN, "GET", `/repos/acme/app/actions/runs/${run.id}`),
    (r) => r.json.status === "waiting" || r.json.status === "completed",
  );
  const pending = await asAdmin("GET", `/repos/acme/app/actions/runs/${run.id}/pending_deployments`);
  expect(pending.json.map((p: { environment: { name: string } }) => p.environment.name)).toEqual([
    "production",
  ]);
  return run.id;
}

const runState = (page: Page) => page.getByTestId("run-state");
const gate = (page: Page) => page.getByTestId("environment-gate");

describe.skipIf(!hasChromium)("environments, approvals and deployments in the web UI", () => {
  let first: { id: number; sha: string };

  beforeAll(async () => {
    server = await startUiServer({ app: { ".github/workflows/deliver.yml": DELIVER } });
    const ui = await openBrowser(server.url);
    browser = ui.browser;
    await person("rita", "read");
    const rev = await person("rev", "write");
    await asAdmin("PUT", "/repos/acme/app/environments/production", {
      reviewers: [{ type: "User", id: rev }],
      prevent_self_review: true,
    });
  });

  afterAll(async () => {
    for (const p of pages) {
      expect((p as Page & { errors?: string[] }).errors ?? []).toEqual([]);
    }
    await browser?.close();
    server?.stop();
  });

  it("a reviewer approves a waiting run in the page and it runs; a reader's page follows, without buttons", async () => {
    const id = await waitingRun();
    first = { id, sha: git(server.repos.app.work, "rev-parse", "HEAD") };

    // The reader sees what the run waits on and who may approve, but no buttons.
    const reader = await signIn(tokens.rita);
    await reader.goto(`${server.url}/acme/app/runs/${id}`);
    await gate(reader).getByText("production").waitFor();
    expect(await runState(reader).textContent()).toBe("Waiting");
    expect(await gate(reader).getByTestId("reviewers").textContent()).toBe("rev");
    await reader.getByTestId("not-a-reviewer").waitFor();
    expect(await reader.getByRole("button", { name: /Approve/ }).count()).toBe(0);
    expect(await reader.getByRole("button", { name: "Reject" }).count()).toBe(0);
    // The waiting job shows as waiting in the graph, and its own page says where it is reviewed.
    const held = reader.locator('[data-job="production"]');
    await held.getByRole("img", { name: "Waiting" }).waitFor();
    await held.getByRole("link", { name: "production" }).click();
    await reader.getByTestId("job-waiting").waitFor();
    expect(await reader.getByTestId("job-state").textContent()).toContain("Waiting");
    await reader.getByRole("link", { name: "see who may approve it on the run's page" }).click();
    await gate(reader).getByText("production").waitFor();

    const reviewer = await signIn(tokens.rev);
    await reviewer.goto(`${server.url}/acme/app/runs/${id}`);
    await gate(reviewer).getByText("production").waitFor();
    await shot(reviewer, "run-waiting");
    await reviewer.getByLabel("Comment").fill("Release notes checked; ship it.");
    await reviewer.getByRole("button", { name: "Approve and deploy" }).click();

    await expect.poll(() => runState(reviewer).textContent(), { timeout: WAIT }).toBe("Succeeded");
    // The reader's page was not reloaded: the server's events brought the change.
    await expect.poll(() => runState(reader).textContent(), { timeout: WAIT }).toBe("Succeeded");
    // The gate goes with the refetch the run's event starts, which may land after the run's state.
    await expect.poll(() => gate(reader).count(), { timeout: WAIT }).toBe(0);
    const review = reader.getByRole("region", { name: "Reviews" });
    await review.getByText("Release notes checked; ship it.").waitFor();
    expect(await review.textContent()).toMatch(/rev\s*approved\s*production/);
    const approvals = await asAdmin("GET", `/repos/acme/app/actions/runs/${id}/approvals`);
    expect(approvals.json).toEqual([
      expect.objectContaining({
        state: "approved",
        comment: "Release notes checked; ship it.",
        user: expect.objectContaining({ login: "rev" }),
      }),
    ]);
  });

  it("another run, at a newer commit, waits where the Environments page says, and is rejected in the page", async () => {
    const sha = commitFiles(server.repos.app.work, { "CHANGELOG.md": "2.0\n" }, "release 2.0");
    expect(await push(server.repos.app.work)).toBe(0);
    await until(
      () => api(server, TOKEN, "GET", "/repos/acme/app/branches"),
      (r) =>
        r.json.some(
          (b: { name: string; commit: { sha: string } }) => b.name === "main" && b.commit.sha === sha,
        ),
    );
    const id = await waitingRun();

    // What runs where: dev and staging have the new commit, production the first; the run waits there.
    const reader = await signIn(tokens.rita);
    await reader.goto(`${server.url}/runs?repo=acme%2Fapp`);
    await reader.getByRole("link", { name: "Environments of acme/app" }).click();
    const path = reader.getByRole("list", { name: "Promotion path" });
    await path.getByRole("article", { name: "production" }).waitFor();
    expect(
      await path.getByRole("article").evaluateAll((els) => els.map((e) => e.getAttribute("aria-label"))),
    ).toEqual(["dev", "staging", "production"]);
    const stage = (name: string) => path.getByRole("article", { name });
    await expect
      .poll(() => stage("staging").getByTestId("stage-current").textContent())
      .toContain(sha.slice(0, 7));
    expect(await stage("dev").getByTestId("stage-current").textContent()).toContain(sha.slice(0, 7));
    expect(await stage("production").getByTestId("stage-current").textContent()).toContain(
      first.sha.slice(0, 7),
    );
    await stage("production").getByRole("link", { name: `Deliver #2` }).waitFor();

    const production = reader.locator('section[data-environment="production"]');
    expect(await production.getByTestId("current-commit").textContent()).toContain(first.sha.slice(0, 7));
    expect(await production.getByTestId("deployed-by").textContent()).toContain("Deliver #1");
    expect(await production.getByTestId("approved-by").textContent()).toContain("rev");
    expect(await production.getByTestId("approved-by").textContent()).toContain(
      "Release notes checked; ship it.",
    );
    await production.getByTestId("waiting-here").getByRole("link", { name: "Deliver #2" }).waitFor();
    await production.getByRole("link", { name: "https://example.com/app" }).first().waitFor();
    // Staging's history: the new deployment active, the first one inactive since.
    const staging = reader.getByRole("table", { name: "Deployments to staging" });
    await expect.poll(() => staging.getByRole("row").count()).toBe(3);
    expect(await staging.getByRole("row").nth(1).textContent()).toMatch(/Active.*?[0-9a-f]{7}/);
    expect(await staging.getByRole("row").nth(1).textContent()).toContain(sha.slice(0, 7));
    expect(await staging.getByRole("row").nth(2).textContent()).toContain("Inactive");
    // Its delivery metrics: two deployments, each bringing one change, none failed.
    const metric = (name: string) =>
      reader.locator('section[data-environment="staging"]').getByTestId(`metric-${name}`);
    await expect.poll(() => metric("frequency").textContent()).toContain("(2 succeeded, 0 failed)");
    expect(await metric("lead-time").textContent()).toMatch(/median, .* p90 \(2 changes\)$/);
    expect(await metric("failure-rate").textContent()).toBe("0%");
    expect(await metric("restore").textContent()).toBe("—");
    await shot(reader, "environments");

    // The reviewer rejects it with a comment: it fails, and nothing reaches production.
    const reviewer = await signIn(tokens.rev);
    await reviewer.goto(`${server.url}/acme/app/runs/${id}`);
    await gate(reviewer).getByText("production").waitFor();
    await reviewer.getByLabel("Comment").fill("Not during the freeze.");
    await reviewer.getByRole("button", { name: "Reject" }).click();
    await expect.poll(() => runState(reviewer).textContent(), { timeout: WAIT }).toBe("Failed");
    const review = reviewer.getByRole("region", { name: "Reviews" });
    await review.getByText("Not during the freeze.").waitFor();
    expect(await review.textContent()).toMatch(/rev\s*rejected\s*production/);
    const run = await asAdmin("GET", `/repos/acme/app/actions/runs/${id}`);
    expect(run.json.conclusion).toBe("failure");

    // The Environments page follows: nothing waits any more, production still runs the first commit.
    await expect.poll(() => production.getByTestId("waiting-here").count(), { timeout: WAIT }).toBe(0);
    expect(await production.getByTestId("current-commit").textContent()).toContain(first.sha.slice(0, 7));
    expect(
      await reader.getByRole("table", { name: "Deployments to production" }).getByRole("row").count(),
    ).toBe(2);
  });

  it("a reader's approval is refused by the server too", async () => {
    const id = await waitingRun();
    const envId = (await asAdmin("GET", "/repos/acme/app/environments/production")).json.id;
    const refused = await api(
      server,
      tokens.rita,
      "POST",
      `/repos/acme/app/actions/runs/${id}/pending_deployments`,
      {
        environment_ids: [envId],
        state: "approved",
        comment: "let me",
      },
    );
    expect(refused.status).toBe(403);
    expect((await asAdmin("GET", `/repos/acme/app/actions/runs/${id}`)).json.status).toBe("waiting");
    await asAdmin("POST", `/repos/acme/app/actions/runs/${id}/cancel`);
  });
});
