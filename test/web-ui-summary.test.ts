// A job summary in a real browser, as GitHub renders it: <details>/<summary> blocks that open on
// click, emoji shortcodes, task lists without a bullet; hostile HTML in the same summary makes no
// script, image, style, event handler or javascript: link.
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

const SUMMARY = [
  "### Test report :white_check_mark:",
  "",
  "<details>",
  "<summary>3 tests failed</summary>",
  "",
  "| test | result |",
  "|---|---|",
  "| adds | hidden-cell |",
  "",
  "</details>",
  "",
  "- [x] built",
  "- [ ] deployed",
  "",
  "<script>window.pwned = 1</script>",
  "",
  '<img src=x onerror="window.pwned = 2">',
  "",
  '<a href="javascript:window.pwned=3">click</a> [link](javascript:window.pwned=4)',
  "",
  "<style>body { display: none }</style>",
  "",
  '<details ontoggle="window.pwned = 5" open>',
  '<summary onclick="window.pwned = 6">evil</summary>',
  "",
  "</details>",
  "",
].join("\n");

const workflow = `name: CI
on: push
jobs:
  report:
    runs-on: ubuntu-latest
    steps:
      - run: |
          cat >> "$GITHUB_STEP_SUMMARY" <<'EOF'
${SUMMARY.split("\n")
  .map((l) => (l ? `          ${l}` : ""))
  .join("\n")}
          EOF
`;

describe.skipIf(!hasChromium)("a job summary", () => {
  beforeAll(async () => {
    server = await startUiServer({ app: { "README.md": "app\n" } });
    ui = await openBrowser(server.url);
    page = ui.page;
  });

  afterAll(async () => {
    await ui?.browser.close();
    server?.stop();
  });

  it("renders details, emoji and task lists as GitHub does, and no hostile markup", async () => {
    const work = server.repos.app.work;
    commitFiles(work, { ".github/workflows/ci.yml": workflow }, "Add report");
    expect(await push(work)).toBe(0);
    await page.locator(".workflow .branches a", { hasText: "main" }).click();
    const summary = page.locator(".summary .markdown").first();
    await summary.locator("h3", { hasText: "Test report ✅" }).waitFor();

    // <details> is a real element, closed, that opens on a click on its summary.
    const details = summary.locator("details", {
      has: page.locator("summary", { hasText: "3 tests failed" }),
    });
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await summary.getByText("hidden-cell").isVisible()).toBe(false);
    await details.locator("summary").click();
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await summary.locator("details table td", { hasText: "hidden-cell" }).waitFor({ state: "visible" });

    // A task-list item shows its checkbox and no bullet.
    const task = summary.locator("li", { hasText: "built" });
    expect(await task.locator('input[type="checkbox"]').isChecked()).toBe(true);
    expect(await task.evaluate((li) => getComputedStyle(li).listStyleType)).toBe("none");

    // Hostile HTML made nothing live.
    const found = await summary.evaluate((root) => ({
      tags: [...root.querySelectorAll("script, img, style, iframe")].map((e) => e.tagName),
      handlers: [...root.querySelectorAll("*")].flatMap((e) =>
        [...e.attributes].filter((a) => a.name.startsWith("on")).map((a) => `${e.tagName} ${a.name}`),
      ),
      links: [...root.querySelectorAll("a")].map((a) => a.getAttribute("href") ?? ""),
      details: [...root.querySelectorAll("details")].map((d) => d.outerHTML.slice(0, 40)),
    }));
    expect(found.tags).toEqual([]);
    expect(found.handlers).toEqual([]);
    expect(found.links.filter((h) => /^\s*javascript:/i.test(h))).toEqual([]);
    expect(found.details).toHaveLength(1);
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator("body").isVisible()).toBe(true);
    expect(ui.errors).toEqual([]);
  });
});
