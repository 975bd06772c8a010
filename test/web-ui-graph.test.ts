// The run's graph as a reader meets it: a matrix with a failed leg open by itself and labelled with
// the job's name, long names truncated with a tooltip, no duration for a skipped job; on a phone
// the graph scrolls with its first node whole, and the runs list's filters fold away.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles } from "./git-remote.js";
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

const LONG = "Lint every file of the repository with every rule anyone ever wrote down";

const CI = (gate: string) => `name: CI
on: push
jobs:
  lint:
    name: ${LONG}
    runs-on: ubuntu-latest
    steps:
      - run: while [ ! -f ${JSON.stringify(gate)} ]; do sleep 0.1; done
  test:
    name: Unit tests (\${{ matrix.os }})
    needs: lint
    strategy:
      fail-fast: false
      matrix:
        os: [linux, mac]
    runs-on: ubuntu-latest
    steps:
      - run: test "\${{ matrix.os }}" = linux
  deploy:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: echo deployed
`;

const node = (path: string) => page.locator(`.graph-node[data-job="${path}"]`);

describe.skipIf(!hasChromium)("the run graph", () => {
  beforeAll(async () => {
    server = await startUiServer({ app: { "README.md": "app\n" } });
    ui = await openBrowser(server.url);
    page = ui.page;
  });

  afterAll(async () => {
    await ui?.browser.close();
    server?.stop();
  });

  it("opens a failed matrix by itself, names it, gives long names a tooltip, no time for a skipped job", async () => {
    const work = server.repos.app.work;
    const gate = join(server.flags, "gate");
    commitFiles(work, { ".github/workflows/ci.yml": CI(gate) }, "Add CI");
    expect(await push(work)).toBe(0);
    await page.locator(".run-list .run-title", { hasText: "Add CI" }).click();
    await page.locator('.graph-node[data-job="lint"].state-in_progress').waitFor();
    writeFileSync(gate, "");
    await page.getByTestId("run-state").getByText("Failed").waitFor();
    await page.locator('.graph-node[data-job="deploy"].state-skipped').waitFor();

    // The matrix: labelled with the job's name, open on its failed leg without a click.
    const matrix = node("test");
    await matrix.locator(".node-toggle", { hasText: "Unit tests" }).waitFor();
    expect(await matrix.locator(".node-toggle").getAttribute("aria-expanded")).toBe("true");
    await matrix.locator(".legs a", { hasText: "Unit tests (mac)" }).waitFor();
    // Closed by the reader, it stays closed.
    await matrix.locator(".node-toggle").click();
    expect(await matrix.locator(".legs").count()).toBe(0);

    // A name too long for its node: cut, with the whole of it as a tooltip.
    const label = node("lint").locator(".node-label");
    expect(await label.getAttribute("title")).toBe(LONG);
    expect(await label.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);

    // A skipped job never ran: no duration.
    expect(await node("deploy").locator(".node-time").textContent()).toBe("");
    expect(await node("lint").locator(".node-time").textContent()).toMatch(/^\d+s$/);
  });

  it("on a phone, scrolls the graph with its first node whole, and folds the runs list's filters", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    const first = node("lint");
    await first.waitFor();
    const box = await first.boundingBox();
    expect(box).not.toBeNull();
    expect(box?.x).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    // The page itself does not scroll sideways; the graph does, to its last node.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const scroller = page.locator(".graph-scroll");
    await scroller.evaluate((e) => {
      e.scrollLeft = e.scrollWidth;
    });
    const last = await node("deploy").boundingBox();
    expect((last?.x ?? 0) + (last?.width ?? 0)).toBeLessThanOrEqual(390);

    await page.getByRole("link", { name: "Runs" }).click();
    await page.locator(".run-row").first().waitFor();
    expect(await page.getByLabel("Workflow").isVisible()).toBe(false);
    await page.getByRole("button", { name: /Filters/ }).click();
    await page.getByLabel("Workflow").waitFor();
    await page.getByLabel("Event").selectOption("push");
    await page.getByRole("button", { name: "Filters (1)" }).waitFor();
    expect(ui.errors).toEqual([]);
  });
});
