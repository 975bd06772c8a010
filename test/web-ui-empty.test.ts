// What a new user sees before anything ran: a repository nothing was pushed to, one without
// workflows, one with workflows but no run; a runs list whose filters match nothing; a branch
// deleted since its last run.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles } from "./git-remote.js";
import { git } from "./harness.js";
import {
  hasChromium,
  openBrowser,
  push,
  startUiServer,
  type UiBrowser,
  type UiServer,
} from "./web-ui-setup.js";

let server: UiServer;
let ui: UiBrowser;
let page: Page;

const MANUAL = `name: Release
on: workflow_dispatch
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - run: echo released
`;

const CI = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built
`;

/** The overview's section of a repository. */
const section = (name: string) => page.getByRole("region", { name: `acme/${name}` });

describe.skipIf(!hasChromium)("empty states", () => {
  beforeAll(async () => {
    server = await startUiServer({
      blank: null,
      plain: { "README.md": "no workflows here\n" },
      manual: { ".github/workflows/release.yml": MANUAL },
      ci: { "README.md": "ci\n" },
    });
    ui = await openBrowser(server.url);
    page = ui.page;
  });

  afterAll(async () => {
    await ui?.browser.close();
    server?.stop();
  });

  it("says what to push and how pushes arrive, instead of an error", async () => {
    await page.getByRole("heading", { name: "acme/blank" }).waitFor();
    for (const name of ["blank", "plain"]) {
      const empty = section(name).getByTestId("no-workflows");
      await empty.waitFor();
      await empty.getByText(".github/workflows/", { exact: true }).waitFor();
      await empty.getByText(`gantry hook install ${server.repos[name].origin}`).waitFor();
    }
    expect(await page.locator(".problem").count()).toBe(0);
    const noRuns = section("manual").getByTestId("no-runs");
    await noRuns.getByText("workflow_dispatch", { exact: true }).waitFor();
    await section("manual").getByRole("link", { name: "Run workflow" }).waitFor();

    await page.getByRole("link", { name: "Runs" }).click();
    await page.getByLabel("Repository").selectOption("acme/blank");
    await page.getByTestId("no-runs").waitFor();
  });

  it("offers to clear filters that match nothing", async () => {
    const work = server.repos.ci.work;
    commitFiles(work, { ".github/workflows/ci.yml": CI }, "Add CI");
    expect(await push(work)).toBe(0);
    await page.goto(`${server.url}/runs?repo=acme/ci&event=schedule`);
    const none = page.getByTestId("no-match");
    await none.getByText("No runs match these filters").waitFor();
    await none.getByRole("button", { name: "Clear filters" }).click();
    await page.locator(".run-row", { hasText: "Add CI" }).waitFor();
    expect(new URL(page.url()).searchParams.get("event")).toBeNull();
    expect(await page.getByLabel("Event").inputValue()).toBe("");
  });

  it("marks a branch deleted since its last run", async () => {
    const work = server.repos.ci.work;
    git(work, "checkout", "-q", "-b", "feature");
    commitFiles(work, { "f.txt": "f\n" }, "On a feature");
    expect(await push(work, "feature")).toBe(0);
    git(work, "checkout", "-q", "main");
    await page.getByRole("link", { name: "Overview" }).click();
    const feature = section("ci").locator(".branches li", { hasText: "feature" });
    await feature.waitFor();
    expect(await feature.getByText("deleted").count()).toBe(0);
    expect(await push(work, "--delete", "feature")).toBe(0);
    // The overview reads the branches as it loads.
    await expect
      .poll(
        async () => {
          await page.reload();
          await feature.waitFor();
          return feature.getByText("deleted", { exact: true }).count();
        },
        { timeout: 30_000 },
      )
      .toBe(1);
    const main = section("ci").locator(".branches li", { hasText: "main" });
    expect(await main.getByText("deleted", { exact: true }).count()).toBe(0);
    expect(ui.errors).toEqual([]);
  });
});
