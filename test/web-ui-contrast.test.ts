// Colour contrast in both themes, measured in the browser from the computed styles of the pages'
// main colour pairs (text on the background it sits on, buttons at rest and hovered): each meets
// WCAG AA for normal text (4.5:1). The pages of a run waiting on an environment and of the
// repository's environments too, and the runners page.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, dispatchRun, until } from "./serve-harness.js";
import {
  hasChromium,
  openBrowser,
  startUiServer,
  TOKEN,
  type UiBrowser,
  type UiServer,
} from "./web-ui-setup.js";

let server: UiServer;
let ui: UiBrowser;
let page: Page;
let waitingRunId = 0;

const GATED = `name: Gated
on: workflow_dispatch
jobs:
  ship:
    environment: production
    runs-on: ubuntu-latest
    steps:
      - run: echo ship
`;

const DEPLOY = `name: Deploy
on:
  workflow_dispatch:
    inputs:
      version:
        description: The version to deploy
        required: true
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo deploy
`;

/**
 * The contrast ratio of the first element matching `selector`: its text colour against the
 * background it shows on (its own and its ancestors' backgrounds, blended, down to an opaque one).
 */
async function contrastOf(selector: string): Promise<number> {
  const el = page.locator(selector).first();
  await el.waitFor();
  return el.evaluate((node) => {
    type Rgba = [number, number, number, number];
    const parse = (c: string): Rgba => {
      let m = /^rgba?\(([^)]+)\)$/.exec(c);
      if (m) {
        const p = m[1]
          .split(/[\s,/]+/)
          .filter(Boolean)
          .map(Number);
        return [p[0], p[1], p[2], p[3] ?? 1];
      }
      m = /^color\(srgb ([^)]+)\)$/.exec(c);
      if (m) {
        const p = m[1]
          .split(/[\s/]+/)
          .filter(Boolean)
          .map(Number);
        return [p[0] * 255, p[1] * 255, p[2] * 255, p[3] ?? 1];
      }
      throw new Error(`a colour this test cannot read: ${c}`);
    };
    const over = (top: Rgba, bottom: Rgba): Rgba => [
      top[0] * top[3] + bottom[0] * (1 - top[3]),
      top[1] * top[3] + bottom[1] * (1 - top[3]),
      top[2] * top[3] + bottom[2] * (1 - top[3]),
      1,
    ];
    const layers: Rgba[] = [];
    for (let e: Element | null = node as Element; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let bg: Rgba = [255, 255, 255, 1];
    for (const layer of layers.reverse()) bg = over(layer, bg);
    const fg = over(parse(getComputedStyle(node as Element).color), bg);
    const lum = (c: Rgba) => {
      const [r, g, b] = c.slice(0, 3).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    return (hi + 0.05) / (lo + 0.05);
  });
}

/** Each pair's contrast, named, for one theme. */
async function measure(scheme: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await page.getByRole("link", { name: "Overview" }).click();
  await page.getByRole("heading", { name: "acme/app" }).waitFor();
  out.text = await contrastOf("h1");
  out.muted = await contrastOf(".workflow .muted");
  out["header link"] = await contrastOf(".top nav a");
  out["link on a card"] = await contrastOf(".workflow-head h3 a");
  out.button = await contrastOf(".workflow .button");
  await page.locator(".workflow .button").first().hover();
  out["button, hovered"] = await contrastOf(".workflow .button");

  await page.locator(".workflow .button").first().click();
  const run = page.getByRole("button", { name: "Run workflow" });
  await run.waitFor();
  out.label = await contrastOf(".dispatch label");
  out["primary button"] = await contrastOf("button.primary");
  await run.hover();
  out["primary button, hovered"] = await contrastOf("button.primary");
  await run.click();
  out["field error"] = await contrastOf(".field-error");

  // The people pages: a repository's settings tabs, the users table, a change said done.
  await page.getByRole("link", { name: "Overview" }).click();
  await page.getByRole("link", { name: "Settings of acme/app" }).click();
  out["current tab"] = await contrastOf(".tabs a[aria-current]");
  out.tab = await contrastOf(".tabs a:not([aria-current])");
  await page.getByRole("link", { name: "Users" }).click();
  out["table head"] = await contrastOf(".table thead th");
  out["status label"] = await contrastOf(".table .label");
  await page.getByLabel("Login").fill(`contrast-${scheme}`);
  await page.getByRole("button", { name: "Add user" }).click();
  out.notice = await contrastOf(".notice");

  // A run waiting on an environment's reviewer: the waiting glyph, the rules, the Reject button;
  // then the repository's Environments page.
  await page.goto(`${server.url}/acme/app/runs/${waitingRunId}`);
  await page.getByTestId("environment-gate").waitFor();
  out["waiting glyph"] = await contrastOf(".gate h2 .status-waiting");
  out["pending rule"] = await contrastOf(".gate-rules li");
  out["danger button"] = await contrastOf(".gate button.danger");
  await page.goto(`${server.url}/acme/app/environments`);
  await page.getByRole("list", { name: "Promotion path" }).waitFor();
  out["environment link"] = await contrastOf(".stage h3 a");
  // The runners page: the built-in pool's online status.
  await page.goto(`${server.url}/admin/runners`);
  out["online label"] = await contrastOf(".runners-table .label-success");
  return out;
}

describe.skipIf(!hasChromium)("colour contrast", () => {
  beforeAll(async () => {
    server = await startUiServer({
      app: { ".github/workflows/deploy.yml": DEPLOY, ".github/workflows/gated.yml": GATED },
    });
    ui = await openBrowser(server.url);
    page = ui.page;
    // production waits for the admin's review: a run held there for the whole test.
    const me = await api(server, TOKEN, "GET", "/user");
    const put = await api(server, TOKEN, "PUT", "/repos/acme/app/environments/production", {
      reviewers: [{ type: "User", id: me.json.id }],
    });
    expect(put.status).toBe(200);
    const run = await dispatchRun(server, TOKEN, "gated.yml");
    waitingRunId = run.id;
    await until(
      () => api(server, TOKEN, "GET", `/repos/acme/app/actions/runs/${run.id}`),
      (r) => r.json.status === "waiting",
    );
  });

  afterAll(async () => {
    await ui?.browser.close();
    server?.stop();
  });

  for (const scheme of ["light", "dark"] as const) {
    it(`meets WCAG AA (4.5:1) for the main colour pairs in the ${scheme} theme`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      const found = await measure(scheme);
      const low = Object.entries(found).filter(([, ratio]) => ratio < 4.5);
      expect(low.map(([what, ratio]) => `${what}: ${ratio.toFixed(2)}:1`)).toEqual([]);
      expect(Object.keys(found)).toHaveLength(20);
    });
  }
});
