// The live stream in a real browser: what happens while a page's stream is still connecting is not
// lost. The server sends only what happens after the stream opens, so a run page whose first load
// came before that must load again once it has: else a job that ends in between shows as running
// for ever (the dispatch form's test met this on a loaded machine). And a run page follows its run
// from its concurrency group's queue to its end.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles } from "./git-remote.js";
import { until } from "./serve-harness.js";
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
      - name: Wait for the gate
        run: while [ ! -f ${JSON.stringify(gate)} ]; do sleep 0.1; done
`;

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}/api/v1/repos/acme/app${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await res.json()) as T;
}

/** A workflow whose runs take turns (a concurrency group), each waiting for its commit's gate. */
const serial = (flags: string) => `name: Serial
on: push
concurrency: serial
jobs:
  hold:
    runs-on: ubuntu-latest
    steps:
      - name: Wait for the gate
        run: while [ ! -f ${JSON.stringify(flags)}/gate-\${{ github.sha }} ]; do sleep 0.1; done
`;

interface Runs {
  workflow_runs: Array<{ id: number; status: string; conclusion: string | null; head_sha: string }>;
}

describe.skipIf(!hasChromium)("the live stream", () => {
  beforeAll(async () => {
    server = await startUiServer({ app: { "README.md": "app\n" } });
    ui = await openBrowser(server.url);
    page = ui.page;
  });

  afterAll(async () => {
    await ui?.browser.close();
    server?.stop();
  });

  it("a run page loads again when its stream connects, showing what ended while it connected", async () => {
    const gate = join(server.flags, "gate");
    commitFiles(server.repos.app.work, { ".github/workflows/ci.yml": workflow(gate) }, "Add CI");
    expect(await push(server.repos.app.work)).toBe(0);
    const runs = await until(
      () => get<Runs>("/actions/runs"),
      (r) => r.workflow_runs.some((x) => x.status === "in_progress"),
    );
    const id = runs.workflow_runs[0].id;

    // The page's stream is held until the run has ended; the page itself loads at once.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/api\/v1\/events\?/, async (route) => {
      await released;
      await route.continue();
    });
    await page.goto(`${server.url}/acme/app/runs/${id}`);
    await page.locator('.graph-node[data-job="build"].state-in_progress').waitFor();

    writeFileSync(gate, "");
    await until(
      () => get<Runs>("/actions/runs"),
      (r) => r.workflow_runs[0].status === "completed",
    );
    release();
    await page.locator('.graph-node[data-job="build"].state-success').waitFor();
    expect(await page.getByTestId("run-state").textContent()).toBe("Succeeded");
    expect(ui.errors).toEqual([]);
  });

  it("a run page shows the run in progress once it leaves its concurrency group's queue", async () => {
    await page.unrouteAll();
    const work = server.repos.app.work;
    commitFiles(work, { ".github/workflows/serial.yml": serial(server.flags) }, "Serial one");
    expect(await push(work)).toBe(0);
    const first = await until(
      () => get<Runs>("/actions/runs?workflow=serial.yml&status=in_progress"),
      (r) => r.workflow_runs.length === 1,
    );
    commitFiles(work, { "README.md": "two\n" }, "Serial two");
    expect(await push(work)).toBe(0);
    const second = await until(
      () => get<Runs>("/actions/runs?workflow=serial.yml&status=pending"),
      (r) => r.workflow_runs.length === 1,
    );
    const [one] = first.workflow_runs;
    const [two] = second.workflow_runs;

    await page.goto(`${server.url}/acme/app/runs/${two.id}`);
    await page.getByTestId("run-state").getByText("Pending").waitFor();
    writeFileSync(join(server.flags, `gate-${one.head_sha}`), "");
    await page.getByTestId("run-state").getByText("In progress").waitFor();
    await page.locator('.graph-node[data-job="hold"].state-in_progress').waitFor();
    writeFileSync(join(server.flags, `gate-${two.head_sha}`), "");
    await page.getByTestId("run-state").getByText("Succeeded").waitFor();
    expect(ui.errors).toEqual([]);
  });
});
