// The job page in a real browser: every step of the job listed from its start (those not started
// yet queued, those skipped marked), the run's other jobs beside it, timestamps on demand, the raw
// log in a tab and as a download.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles } from "./git-remote.js";
import {
  hasChromium,
  openBrowser,
  push,
  startUiServer,
  TOKEN,
  type UiBrowser,
  type UiServer,
} from "./web-ui-setup.js";

let server: UiServer;
let ui: UiBrowser;
let page: Page;

const workflow = (gate: string) => `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Prepare
        run: echo "preparing the build"
      - name: Wait for the gate
        run: while [ ! -f ${JSON.stringify(gate)} ]; do sleep 0.1; done
      - name: Never
        if: \${{ false }}
        run: echo never
      - name: Package
        run: echo "packaged"
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: echo linted
`;

describe.skipIf(!hasChromium)("the job page", () => {
  beforeAll(async () => {
    server = await startUiServer({ app: { "README.md": "app\n" } });
    ui = await openBrowser(server.url);
    page = ui.page;
  });

  afterAll(async () => {
    await ui?.browser.close();
    server?.stop();
  });

  it("lists every step from the job's start, the run's jobs, timestamps, the raw log", async () => {
    const gate = join(server.flags, "gate");
    const work = server.repos.app.work;
    commitFiles(work, { ".github/workflows/ci.yml": workflow(gate) }, "Add CI");
    expect(await push(work)).toBe(0);
    await page.locator(".run-list .run-title", { hasText: "Add CI" }).click();
    await page.locator('.graph-node[data-job="build"] a').click();

    // The running step, and the steps after it queued: listed before they start.
    await page.locator('.step-head.state-in_progress[data-step="Wait for the gate"]').waitFor();
    await page.locator('.step-head.state-queued[data-step="Never"]').waitFor();
    await page.locator('.step-head.state-queued[data-step="Package"]').waitFor();
    await page.locator('.step-head.state-success[data-step="Prepare"]').waitFor();
    // The API says the same, in GitHub's shape.
    const id = Number(/\/jobs\/(\d+)$/.exec(page.url())?.[1]);
    const res = await fetch(`${server.url}/api/v1/repos/acme/app/actions/jobs/${id}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const job = (await res.json()) as { steps: Array<{ name: string; status: string; number: number }> };
    expect(job.steps.map((s) => [s.name, s.status])).toEqual([
      ["Prepare", "completed"],
      ["Wait for the gate", "in_progress"],
      ["Never", "queued"],
      ["Package", "queued"],
    ]);

    // The run's other jobs, this one marked.
    const jobs = page.getByRole("navigation", { name: "Jobs of the run" });
    await jobs.getByRole("link", { name: "build" }).and(page.locator('[aria-current="page"]')).waitFor();
    await jobs.getByRole("link", { name: "lint" }).waitFor();

    writeFileSync(gate, "");
    await page.getByTestId("job-state").getByText("Succeeded").waitFor();
    await page.locator('.step-head.state-skipped[data-step="Never"]').waitFor();
    await page.locator('.step-head.state-success[data-step="Package"]').waitFor();

    // Timestamps on demand.
    await page.locator('.step-head[data-step="Prepare"]').click();
    // (the step's output; its folded header reads `Run echo "preparing the build"`)
    const line = page.locator(".log-line", {
      has: page.locator(".text", { hasText: /^preparing the build$/ }),
    });
    await line.waitFor();
    expect(await line.locator(".ts").count()).toBe(0);
    await page.getByLabel("Show timestamps").check();
    expect(await line.locator(".ts").textContent()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);

    // The raw log in a new tab, and as a download.
    const [tab] = await Promise.all([
      page.context().waitForEvent("page"),
      page.getByRole("button", { name: "View raw log" }).click(),
    ]);
    await tab.waitForURL(/^blob:/);
    expect(await tab.locator("body").textContent()).toMatch(/Z preparing the build\n/);
    await tab.close();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download log" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("build.txt");
    expect(readFileSync(await download.path(), "utf8")).toMatch(/Z packaged\n/);

    // The other job, from the list.
    await jobs.getByRole("link", { name: "lint" }).click();
    await page.getByRole("heading", { name: "lint" }).waitFor();
    expect(ui.errors).toEqual([]);
  });
});
