// The dispatch form: the ref chosen from the repository's branches and tags (a searchable list, as
// GitHub's picker), what was entered kept across refs, labels that say what to enter.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo "deploying \${{ inputs.version }} to \${{ inputs.target }} from \${{ github.ref }}"
`;

describe.skipIf(!hasChromium)("the dispatch form", () => {
  beforeAll(async () => {
    server = await startUiServer({ app: { ".github/workflows/deploy.yml": DEPLOY } });
    const work = server.repos.app.work;
    git(work, "branch", "release/1.x");
    git(work, "branch", "feature/other");
    git(work, "tag", "v1.0");
    git(work, "checkout", "-q", "-b", "no-workflow");
    git(work, "rm", "-q", ".github/workflows/deploy.yml");
    git(work, "commit", "-q", "-m", "no workflow here");
    git(work, "checkout", "-q", "main");
    expect(await push(work, "--all")).toBe(0);
    expect(await push(work, "--tags")).toBe(0);
    ui = await openBrowser(server.url);
    page = ui.page;
  });

  afterAll(async () => {
    await ui?.browser.close();
    server?.stop();
  });

  it("picks the ref from the branches and tags, keeping what was entered", async () => {
    await page
      .locator(".workflow", { hasText: "Deploy" })
      .getByRole("link", { name: "Run workflow" })
      .click();
    // The description is the label, the input's id beside it.
    const label = page.locator('label[for="input-version"]');
    await label.getByText("The version to deploy").waitFor();
    expect(await label.locator(".input-id").textContent()).toBe("version");
    await page.getByLabel("The version to deploy").fill("1.2.3");
    await page.getByLabel("target").selectOption("prod");

    // A branch, found by searching.
    const picker = page.getByRole("button", { name: /Branch: main/ });
    await picker.click();
    await page.getByRole("option", { name: "feature/other" }).waitFor();
    await page.getByLabel("Find a branch or tag").fill("rel");
    await expect
      .poll(() => page.getByRole("listbox").getByRole("option").allTextContents())
      .toEqual(["release/1.x"]);
    await page.getByLabel("Find a branch or tag").press("Enter");
    await page.getByRole("button", { name: /Branch: release\/1\.x/ }).waitFor();
    expect(await page.getByLabel("The version to deploy").inputValue()).toBe("1.2.3");
    expect(await page.getByLabel("target").inputValue()).toBe("prod");

    // A ref whose commit has no such workflow: said, and the form keeps its inputs.
    await page.getByRole("button", { name: /Branch: release/ }).click();
    await page.getByRole("option", { name: "no-workflow" }).click();
    await page.locator(".problem", { hasText: "deploy.yml" }).waitFor();
    expect(await page.getByLabel("The version to deploy").inputValue()).toBe("1.2.3");
    expect(await page.getByRole("button", { name: "Run workflow" }).isDisabled()).toBe(true);

    // A tag, from the Tags list.
    await page.getByRole("button", { name: /Branch: no-workflow/ }).click();
    await page.getByRole("tab", { name: "Tags" }).click();
    await page.getByRole("option", { name: "v1.0" }).click();
    await page.getByRole("button", { name: /Tag: v1\.0/ }).waitFor();
    await page.locator(".problem").waitFor({ state: "detached" });
    expect(await page.getByLabel("The version to deploy").inputValue()).toBe("1.2.3");
    expect(await page.getByLabel("target").inputValue()).toBe("prod");

    // Escape closes the list without choosing.
    await page.getByRole("button", { name: /Tag: v1\.0/ }).click();
    await page.getByLabel("Find a branch or tag").press("Escape");
    expect(await page.getByRole("listbox").count()).toBe(0);

    await page.getByRole("button", { name: "Run workflow" }).click();
    await page.locator('.graph-node[data-job="deploy"].state-success a').click();
    await page.locator('.step-head[data-step^="Run echo"]').click();
    await page
      .locator(".log-line .text", { hasText: /^deploying 1.2.3 to prod from refs\/tags\/v1.0$/ })
      .waitFor();
    expect(ui.errors).toEqual([]);
  });
});
