// The runners pages in a real browser against a real `gantry serve`: a site admin's list of every
// runner (the built-in pool running a real job, runner machines online and offline, busy with a
// job it links to), removing one after a confirmation, a registration token shown once; a
// repository admin's runners tab with its own runners only; a reader, who sees neither. Runner
// machines' rows (and the job one of them claimed) are put in the server's database directly, as
// registering and claiming through the runner protocol would make them.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../src/identity/index.js";
import type { KyselyStore, Runner } from "../src/store/index.js";
import { commitFiles } from "./git-remote.js";
import { api, dispatchRun, openServerStore, until } from "./serve-harness.js";
import {
  hasChromium,
  openBrowser,
  push,
  startUiServer,
  TOKEN,
  type UiBrowser,
  type UiServer,
  WAIT,
} from "./web-ui-setup.js";

const SHOTS =
  process.env.GANTRY_SCREENSHOTS === "1" ? resolve(import.meta.dirname, "..", "docs", "screenshots") : "";

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

let server: UiServer;
let admin: UiBrowser;
let browser: Browser;
let store: KyselyStore;
const tokens: Record<string, string> = {};
let gpu: Runner;
let shared: Runner;
/** The job the built-in pool runs (it waits on a gate), and the one gpu-box claimed. */
let poolJob = 0;
let gpuJob = 0;
let gate = "";

const waiting = (file: string) => `name: Wait
on: workflow_dispatch
jobs:
  hold:
    runs-on: ubuntu-latest
    steps:
      - run: while [ ! -f ${JSON.stringify(file)} ]; do sleep 0.1; done
`;

/** An API call as the site admin; fails the test on an answer other than 2xx. */
async function asAdmin(method: string, path: string, body?: unknown) {
  const answer = await api(server, TOKEN, method, path, body);
  expect(answer.status, `${method} ${path}: ${answer.text}`).toBeLessThan(300);
  return answer;
}

async function person(login: string, role: string): Promise<void> {
  await asAdmin("POST", "/admin/users", { login });
  const made = await asAdmin("POST", `/admin/users/${login}/authorizations`, {
    note: "web",
    scopes: ["repo"],
  });
  tokens[login] = made.json.token;
  await asAdmin("PUT", `/repos/acme/app/collaborators/${login}`, { permission: role });
}

async function signIn(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  await page.goto(server.url);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "Overview" }).waitFor();
  return page;
}

/** A runner machine's row, as registering makes it. */
async function addRunner(name: string, repoId: number | null, labels: string[]): Promise<Runner> {
  const made = await store.addRunner({
    name,
    repoId,
    labels,
    slots: 1,
    os: "linux",
    arch: "x64",
    version: "0.1.0",
    ephemeral: false,
    tokenHash: hashToken(`gantry_runner_${name}`),
  });
  if (!made) throw new Error(`runner ${name} exists`);
  return made;
}

const row = (page: Page, name: string) =>
  page.getByRole("table", { name: "Runners" }).locator(`tr[data-runner="${name}"]`);

describe.skipIf(!hasChromium)("the runners pages", () => {
  beforeAll(async () => {
    server = await startUiServer({ app: { "README.md": "app\n" }, other: { "README.md": "other\n" } });
    gate = join(server.flags, "release");
    // The workflow names the gate, so it is pushed once the server's flags folder is known.
    commitFiles(server.repos.app.work, { ".github/workflows/wait.yml": waiting(gate) }, "Add the wait");
    expect(await push(server.repos.app.work)).toBe(0);
    admin = await openBrowser(server.url);
    browser = admin.browser;
    await person("ada", "admin");
    await person("rita", "read");

    store = await openServerStore(server);
    const app = await store.getRepo("acme", "app");
    const other = await store.getRepo("acme", "other");
    if (!app || !other) throw new Error("no repositories");
    gpu = await addRunner("gpu-box", app.id, ["self-hosted", "Linux", "X64", "gpu"]);
    shared = await addRunner("shared-box", null, ["self-hosted", "Linux", "X64"]);
    await addRunner("other-box", other.id, ["self-hosted", "Linux", "X64"]);
    // shared-box was last heard from ten minutes ago: offline.
    await store.touchRunner(shared.id, new Date(Date.now() - 600_000).toISOString());

    // The built-in pool runs a real job, held on the gate.
    await until(
      () => api(server, TOKEN, "GET", "/repos/acme/app/actions/workflows/wait.yml"),
      (a) => a.status === 200,
    );
    const run = await dispatchRun(server, TOKEN, "wait.yml");
    const jobs = await until(
      () => api(server, TOKEN, "GET", `/repos/acme/app/actions/runs/${run.id}/jobs`),
      (a) => a.json.jobs?.[0]?.status === "in_progress",
    );
    poolJob = jobs.json.jobs[0].id;

    // gpu-box claimed a job of acme/app, as its claim would record it.
    const claimed = await store.createRun({
      repoId: app.id,
      workflowName: "GPU",
      workflowFile: ".github/workflows/gpu.yml",
      event: "push",
      ref: "refs/heads/main",
      headBranch: "main",
      headSha: "a".repeat(40),
      status: "in_progress",
      conclusion: null,
      actor: "ada",
      github: {},
      inputs: {},
      problems: [],
    });
    const job = await store.putJob({
      runId: claimed.id,
      runAttempt: 1,
      key: "gpu.yml/train",
      name: "train",
      status: "queued",
    });
    await store.offerJob(job.id, "sealed");
    const lease = { id: "lease-train", expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    expect((await store.claimOfferedJob(gpu, (j) => j.id === job.id, lease))?.job.id).toBe(job.id);
    gpuJob = job.id;
  });

  afterAll(async () => {
    if (gate) writeFileSync(gate, "");
    await store?.close();
    await browser?.close();
    server?.stop();
  });

  it("shows a site admin every runner, what each runs, and links to the job", async () => {
    const page = admin.page;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runners" }).click();
    await page.getByRole("heading", { name: "Runners", level: 1 }).waitFor();
    await row(page, "gpu-box").waitFor();
    const names = await page
      .locator("tr[data-runner]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-runner")));
    expect(names).toEqual(["gantry", "gpu-box", "shared-box", "other-box"]);

    // The built-in pool: online, running the held job.
    const pool = row(page, "gantry");
    expect(await pool.getByText("built-in").count()).toBe(1);
    expect(await pool.locator(".label-success").textContent()).toBe("online");
    await pool.getByRole("link", { name: "hold" }).waitFor();
    expect(await pool.getByRole("button", { name: /Remove/ }).count()).toBe(0);

    // gpu-box: online, its labels, the job it claimed; shared-box offline and idle.
    const box = row(page, "gpu-box");
    expect(await box.locator(".label-success").textContent()).toBe("online");
    expect(await box.locator("td.labels").first().textContent()).toContain("gpu");
    expect(await box.textContent()).toContain("acme/app");
    expect(await row(page, "shared-box").textContent()).toContain("offline");
    expect(await row(page, "shared-box").textContent()).toContain("idle");
    expect(await row(page, "shared-box").textContent()).toContain("every repository");
    await shot(page, "runners");

    await box.getByRole("link", { name: "train" }).click();
    await page.waitForURL(`${server.url}/acme/app/jobs/${gpuJob}`);
    await page.goBack();
    await row(page, "gantry").getByRole("link", { name: "hold" }).click();
    await page.waitForURL(`${server.url}/acme/app/jobs/${poolJob}`);
    await page.goBack();
    await row(page, "gpu-box").waitFor();
  });

  it("removes a runner only after the confirmation, and makes a registration token", async () => {
    const page = admin.page;
    await page.goto(`${server.url}/admin/runners`);
    const box = row(page, "shared-box");
    await box.waitFor();
    // Dismissed: nothing removed.
    page.once("dialog", (d) => d.dismiss());
    await box.getByRole("button", { name: "Remove shared-box" }).click();
    expect(await store.getRunner(shared.id)).toBeDefined();
    // Accepted: gone from the list, from the store; its credential no longer finds it.
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      return d.accept();
    });
    await box.getByRole("button", { name: "Remove shared-box" }).click();
    await page.getByText("Runner shared-box removed.").waitFor();
    expect(asked).toContain("Remove the runner shared-box?");
    await expect.poll(() => box.count()).toBe(0);
    expect(await store.getRunner(shared.id)).toBeUndefined();
    expect(await store.findRunnerByToken(hashToken("gantry_runner_shared-box"))).toBeUndefined();

    await page.getByRole("button", { name: "New registration token" }).click();
    const command = (await page.getByTestId("registration-command").textContent()) ?? "";
    const token = /--token (gantry_reg_[0-9a-f]+)$/.exec(command)?.[1] ?? "";
    expect(command.startsWith(`gantry runner --server ${server.url} --token gantry_reg_`)).toBe(true);
    expect(await store.findRunnerRegistration(hashToken(token), new Date().toISOString())).toMatchObject({
      repoId: null,
      createdBy: "admin",
    });
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("button", { name: "New registration token" }).waitFor();
  });

  it("shows a repository admin its own runners only, and lets it remove one", async () => {
    const page = await signIn(tokens.ada);
    expect(
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runners" }).count(),
    ).toBe(0);
    await page.getByRole("link", { name: "Settings of acme/app" }).click();
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Runners" }).click();
    await page.waitForURL(`${server.url}/acme/app/settings/runners`);
    await row(page, "gpu-box").getByRole("link", { name: "train" }).waitFor();
    const names = await page
      .locator("tr[data-runner]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-runner")));
    expect(names).toEqual(["gpu-box"]);
    await shot(page, "settings-runners");

    await page.getByRole("button", { name: "New registration token" }).click();
    const command = (await page.getByTestId("registration-command").textContent()) ?? "";
    const token = /--token (gantry_reg_[0-9a-f]+)$/.exec(command)?.[1] ?? "";
    const app = await store.getRepo("acme", "app");
    expect(await store.findRunnerRegistration(hashToken(token), new Date().toISOString())).toMatchObject({
      repoId: app?.id,
      createdBy: "ada",
    });

    page.once("dialog", (d) => d.accept());
    await row(page, "gpu-box").getByRole("button", { name: "Remove gpu-box" }).click();
    await page.getByText("Runner gpu-box removed.").waitFor();
    await page.getByText("No runners yet").waitFor();
    expect(await store.getRunner(gpu.id)).toBeUndefined();
    await page.context().close();
  });

  it("shows a reader no runners: no link, and the server's refusal on either page", async () => {
    const page = await signIn(tokens.rita);
    expect(await page.getByRole("link", { name: "Runners" }).count()).toBe(0);
    await page.goto(`${server.url}/acme/app/settings/runners`);
    await page.getByText("Must have admin rights to Repository.").waitFor();
    expect(await page.getByRole("table", { name: "Runners" }).count()).toBe(0);
    await page.goto(`${server.url}/admin/runners`);
    await page.getByTestId("forbidden").waitFor();
    expect(await page.getByRole("table", { name: "Runners" }).count()).toBe(0);
    // The API refuses the same.
    expect((await api(server, tokens.rita, "GET", "/repos/acme/app/actions/runners")).status).toBe(403);
    expect((await api(server, tokens.rita, "GET", "/actions/runners")).status).toBe(403);
    expect(
      (await api(server, tokens.rita, "POST", "/repos/acme/app/actions/runners/registration-token")).status,
    ).toBe(403);
    expect((await api(server, tokens.rita, "GET", "/repos/acme/other/actions/runners")).status).toBe(404);
    await page.context().close();
  });
});
