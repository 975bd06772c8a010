// The web UI's people pages in a real browser against a real `gantry serve`: who is signed in, a
// repository's settings (collaborators, secrets, variables) as a reader, a writer and an admin of
// it, and the site admin's users and audit log. Users, roles and tokens are made through the API
// as a site admin would. GANTRY_SCREENSHOTS=1 also saves the pages as PNGs in docs/screenshots/.
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, dispatchRun } from "./serve-harness.js";
import {
  hasChromium,
  openBrowser,
  startUiServer,
  TOKEN,
  type UiBrowser,
  type UiServer,
  WAIT,
} from "./web-ui-setup.js";

const SHOTS =
  process.env.GANTRY_SCREENSHOTS === "1" ? resolve(import.meta.dirname, "..", "docs", "screenshots") : "";

/** The secret the admin sets in the browser: the job checks its hash, and nothing may show it. */
const SECRET_VALUE = `deploy-key-${createHash("sha256").update(String(process.pid)).digest("hex").slice(0, 20)}`;
const SECRET_SHA = createHash("sha256").update(SECRET_VALUE).digest("hex");

const USE_SECRET = `name: Use the secret
on: workflow_dispatch
jobs:
  use:
    runs-on: ubuntu-latest
    steps:
      - env:
          KEY: \${{ secrets.DEPLOY_KEY }}
          REGION: \${{ vars.DEPLOY_REGION }}
        run: |
          if [ "$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)" = "${SECRET_SHA}" ]; then echo "the secret arrived whole"; else echo "the secret differs"; exit 1; fi
          echo "region $REGION"
`;

let server: UiServer;
let admin: UiBrowser;
let browser: Browser;
/** Each person's personal token, by login. */
const tokens: Record<string, string> = {};
/** Every API answer and request body the pages saw, to look for the secret in. */
const seen: string[] = [];

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** An API call as the site admin (the bootstrap token); fails the test on an answer other than 2xx. */
async function asAdmin(method: string, path: string, body?: unknown) {
  const answer = await api(server, TOKEN, method, path, body);
  expect(answer.status, `${method} ${path}: ${answer.text}`).toBeLessThan(300);
  return answer;
}

/** A user with a personal token (repo and user scopes) and, when given, a role on acme/app. */
async function person(login: string, role?: string): Promise<void> {
  await asAdmin("POST", "/admin/users", { login });
  const made = await asAdmin("POST", `/admin/users/${login}/authorizations`, {
    note: "web",
    scopes: ["repo", "user"],
  });
  tokens[login] = made.json.token;
  if (role) await asAdmin("PUT", `/repos/acme/app/collaborators/${login}`, { permission: role });
}

/** A new page, in its own browser context (its own storage), signed in with `token`. */
async function signIn(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => {
    const body = r.postData();
    if (body) seen.push(body);
  });
  page.on("response", async (r) => {
    if (r.url().includes("/api/")) seen.push(await r.text().catch(() => ""));
  });
  await page.goto(server.url);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "Overview" }).waitFor();
  return page;
}

/** The overview's section of acme/app. */
const appSection = (page: Page) => page.getByRole("region", { name: "acme/app" });

describe.skipIf(!hasChromium)("people, settings and the audit log in the web UI", () => {
  beforeAll(async () => {
    server = await startUiServer({ app: { ".github/workflows/use-secret.yml": USE_SECRET } });
    admin = await openBrowser(server.url);
    browser = admin.browser;
    await person("rita", "read");
    await person("walt", "write");
    await person("ada", "admin");
    await person("bob");
  });

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it("shows who is signed in, and signs out", async () => {
    const page = await signIn(tokens.rita);
    await expect.poll(() => page.getByTestId("signed-in-as").textContent()).toContain("rita");
    expect(await page.getByTestId("signed-in-as").textContent()).not.toContain("site admin");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API token").waitFor();
    await page.context().close();

    const page2 = admin.page;
    await expect.poll(() => page2.getByTestId("signed-in-as").textContent()).toContain("admin");
    expect(await page2.getByTestId("signed-in-as").textContent()).toContain("site admin");
  });

  it("a reader sees no settings, and the settings page says the server refused", async () => {
    const page = await signIn(tokens.rita);
    await appSection(page).waitFor();
    await page.getByRole("heading", { name: "Use the secret" }).waitFor();
    expect(
      await appSection(page)
        .getByRole("link", { name: /Settings/ })
        .count(),
    ).toBe(0);
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Audit log" }).count()).toBe(0);

    await page.goto(`${server.url}/acme/app/settings`);
    const refused = page.getByTestId("forbidden");
    await refused.waitFor();
    expect(await refused.textContent()).toContain("Must have write rights to Repository.");
    await shot(page, "settings-forbidden");
    await page.getByRole("link", { name: "Secrets" }).click();
    await page.getByText("Must have admin rights to Repository.").waitFor();
    await page.goto(`${server.url}/admin/users`);
    await page.getByTestId("forbidden").waitFor();
    await page.goto(`${server.url}/admin/audit-log`);
    await page.getByTestId("forbidden").waitFor();
    // A repository it has no role on is not found, as the API answers.
    await page.goto(`${server.url}/acme/elsewhere/settings`);
    await page.getByTestId("not-found").waitFor();
    await page.context().close();
  });

  it("a writer sees the collaborators but cannot change them, nor see secrets", async () => {
    const page = await signIn(tokens.walt);
    await page.getByRole("heading", { name: "Use the secret" }).waitFor();
    expect(
      await appSection(page)
        .getByRole("link", { name: /Settings/ })
        .count(),
    ).toBe(0);
    await page.goto(`${server.url}/acme/app/settings`);
    const table = page.getByRole("table", { name: "Collaborators" });
    await table.getByRole("row", { name: /walt/ }).waitFor();
    expect(await table.getByRole("button").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Add collaborator" }).count()).toBe(0);
    await page.getByRole("link", { name: "Variables" }).click();
    await page.getByText("Must have admin rights to Repository.").waitFor();
    await page.context().close();
  });

  it("an admin adds a collaborator and changes a role", async () => {
    const page = await signIn(tokens.ada);
    await appSection(page)
      .getByRole("link", { name: /Settings/ })
      .click();
    const table = page.getByRole("table", { name: "Collaborators" });
    await table.getByRole("row", { name: /rita/ }).waitFor();
    expect(await page.getByLabel("Role of rita").inputValue()).toBe("read");
    expect(await page.getByLabel("Role of walt").inputValue()).toBe("write");

    await page.getByLabel("Login").fill("bob");
    await page.getByLabel("Role", { exact: true }).selectOption("triage");
    await page.getByRole("button", { name: "Add collaborator" }).click();
    await page.getByText("bob is now a collaborator with the triage role.").waitFor();
    await table.getByRole("row", { name: /bob/ }).waitFor();
    expect(await page.getByLabel("Role of bob").inputValue()).toBe("triage");

    await page.getByLabel("Role of walt").selectOption("maintain");
    await page.getByText("walt now has the maintain role.").waitFor();
    const walt = await api(server, TOKEN, "GET", "/repos/acme/app/collaborators/walt/permission");
    expect(walt.json.role_name).toBe("maintain");

    // A login nobody has: the server's reason, nothing added.
    await page.getByLabel("Login").fill("nobody-here");
    await page.getByRole("button", { name: "Add collaborator" }).click();
    await page.getByText(/no user 'nobody-here'/).waitFor();
    await shot(page, "settings-collaborators");
    await page.context().close();
  });

  it("an admin adds a secret, sealed in the browser: its value is nowhere but in the job", async () => {
    const page = await signIn(tokens.ada);
    await page.goto(`${server.url}/acme/app/settings/secrets`);
    await page.getByText("No secrets yet.").waitFor();
    await page.getByLabel("Name").fill("DEPLOY_KEY");
    await page.getByLabel("Value").fill(SECRET_VALUE);
    await page.getByRole("button", { name: "Save secret" }).click();
    await page.getByText("Secret DEPLOY_KEY added.").waitFor();
    const table = page.getByRole("table", { name: "Secrets" });
    await table.getByRole("row", { name: /DEPLOY_KEY/ }).waitFor();
    expect(await page.getByLabel("Value").inputValue()).toBe("");
    await page.reload();
    await table.getByRole("row", { name: /DEPLOY_KEY/ }).waitFor();
    await shot(page, "settings-secrets");
    expect(await page.content()).not.toContain(SECRET_VALUE);

    // Through the API: names and dates only.
    for (const path of ["/repos/acme/app/actions/secrets", "/repos/acme/app/actions/secrets/DEPLOY_KEY"]) {
      const answer = await asAdmin("GET", path);
      expect(answer.text).toContain("DEPLOY_KEY");
      expect(answer.text).not.toContain(SECRET_VALUE);
    }
    // What the page sent and got: the value never crossed the wire in clear.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.includes(SECRET_VALUE))).toEqual([]);

    // The server could open what the browser sealed: the job gets the value whole.
    const run = await dispatchRun(server, tokens.ada, "use-secret.yml");
    const done = await run.done(1);
    expect(done.json.conclusion).toBe("success");
    await page.context().close();
  });

  it("an admin adds and changes a variable", async () => {
    const page = await signIn(tokens.ada);
    await page.goto(`${server.url}/acme/app/settings/variables`);
    await page.getByText("No variables yet.").waitFor();
    await page.getByLabel("Name").fill("DEPLOY_REGION");
    await page.getByLabel("Value").fill("eu-west-1");
    await page.getByRole("button", { name: "Add variable" }).click();
    await page.getByText("Variable DEPLOY_REGION added.").waitFor();
    const row = page.getByRole("table", { name: "Variables" }).getByRole("row", { name: /DEPLOY_REGION/ });
    await row.getByText("eu-west-1").waitFor();

    await row.getByRole("button", { name: /Edit/ }).click();
    await page.getByLabel("Value").fill("eu-north-1");
    await page.getByRole("button", { name: "Update variable" }).click();
    await page.getByText("Variable DEPLOY_REGION updated.").waitFor();
    await row.getByText("eu-north-1").waitFor();
    const answer = await asAdmin("GET", "/repos/acme/app/actions/variables/DEPLOY_REGION");
    expect(answer.json.value).toBe("eu-north-1");

    // A name GitHub refuses: the rule it broke, nothing stored.
    await page.getByLabel("Name").fill("GITHUB_THING");
    await page.getByLabel("Value").fill("x");
    await page.getByRole("button", { name: "Add variable" }).click();
    await page.getByRole("alert").filter({ hasText: "GITHUB_" }).waitFor();
    const list = await asAdmin("GET", "/repos/acme/app/actions/variables");
    expect(list.json.variables.map((v: { name: string }) => v.name)).toEqual(["DEPLOY_REGION"]);
    await shot(page, "settings-variables");

    // On a phone the page does not widen: a table scrolls in its box.
    await page.setViewportSize({ width: 390, height: 800 });
    await row.getByText("eu-north-1").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.context().close();
  });

  it("a site admin manages users and makes a token shown once", async () => {
    const page = admin.page;
    await page.getByRole("link", { name: "Users" }).click();
    const table = page.getByRole("table", { name: "Users" });
    await table.getByRole("row", { name: /rita/ }).waitFor();

    await page.getByLabel("Login").fill("carol");
    await page.getByLabel("Email (optional)").fill("carol@example.com");
    await page.getByRole("button", { name: "Add user" }).click();
    await page.getByText("User carol added.").waitFor();
    const carol = table.getByRole("row", { name: /carol/ });
    await carol.waitFor();

    await carol.getByRole("button", { name: "Make token for carol" }).click();
    await page.getByLabel("Note").fill("ci");
    await page.getByRole("button", { name: "Make token", exact: true }).click();
    const value = (await page.getByTestId("new-token").textContent()) ?? "";
    expect(value).toMatch(/^gantry_/);
    const me = await api(server, value, "GET", "/user");
    expect(me.json.login).toBe("carol");
    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.getByTestId("new-token").count()).toBe(0);
    // The screenshot after the token is gone: a token's value (even a test server's) is no picture.
    await shot(page, "users");
    expect(await page.content()).not.toContain(value);

    // Listed without its value; revoked, it is refused at once.
    await carol.getByRole("button", { name: "Tokens of carol" }).click();
    const carolTokens = page.getByRole("table", { name: "Tokens of carol" });
    await carolTokens
      .getByRole("row", { name: /ci/ })
      .getByText(`…${value.slice(-8)}`)
      .waitFor();
    page.once("dialog", (d) => d.accept());
    await carolTokens.getByRole("button", { name: "Revoke ci" }).click();
    await page.getByText('Token "ci" of carol revoked.').waitFor();
    await page.getByText("No tokens.").waitFor();
    expect((await api(server, value, "GET", "/user")).status).toBe(401);
    await page.getByRole("button", { name: "Close" }).click();

    const second = (await asAdmin("POST", "/admin/users/carol/authorizations", { note: "second" })).json
      .token;
    expect((await api(server, second, "GET", "/user")).status).toBe(200);
    await carol.getByRole("button", { name: "Suspend carol" }).click();
    await page.getByText("carol suspended.").waitFor();
    await carol.getByText("suspended").waitFor();
    expect((await api(server, second, "GET", "/user")).status).toBe(401);
    await carol.getByRole("button", { name: "Unsuspend carol" }).click();
    await page.getByText("carol unsuspended.").waitFor();

    await carol.getByRole("button", { name: "Make site admin carol" }).click();
    await page.getByText("carol is now a site admin.").waitFor();
    expect((await asAdmin("GET", "/users/carol")).json.site_admin).toBe(true);

    page.once("dialog", (d) => d.accept());
    await carol.getByRole("button", { name: "Remove carol" }).click();
    await page.getByText("User carol removed.").waitFor();
    expect((await api(server, TOKEN, "GET", "/users/carol")).status).toBe(404);

    // On a phone the page does not widen: the table scrolls in its box, the header wraps.
    await page.setViewportSize({ width: 390, height: 800 });
    await table.getByRole("row", { name: /rita/ }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByRole("link", { name: "Audit log" }).waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("a site admin reads the audit log, filtered by actor, action and time, and paged", async () => {
    const page = admin.page;
    await page.getByRole("link", { name: "Audit log" }).click();
    const table = page.getByRole("table", { name: "Audit log entries" });
    const column = (n: number) => table.locator(`tbody tr td:nth-child(${n})`).allTextContents();
    await table.getByRole("cell", { name: "workflows.created_workflow_run" }).first().waitFor();

    await page.getByLabel("Actor").fill("ada");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect.poll(() => page.url()).toContain("actor=ada");
    await expect.poll(async () => new Set(await column(3))).toEqual(new Set(["ada"]));
    await table.getByRole("cell", { name: "workflows.created_workflow_run" }).waitFor();
    await shot(page, "audit-log");

    // One action: the collaborator the admin added, with its details.
    await page.getByLabel("Action").fill("repo.add_member");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect.poll(() => page.url()).toContain("action=repo.add_member");
    await expect.poll(async () => new Set(await column(2))).toEqual(new Set(["repo.add_member"]));
    await table.getByRole("row", { name: /user: bob/ }).waitFor();

    // The secret the admin set: its name is in the trail, its value nowhere.
    await page.getByLabel("Action").fill("repo.create_actions_secret");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await table.getByRole("row", { name: /DEPLOY_KEY/ }).waitFor();
    expect(await page.content()).not.toContain(SECRET_VALUE);

    // A category: every workflows.* action, and nothing else.
    await page.getByLabel("Actor").fill("");
    await page.getByLabel("Action").fill("workflows");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect.poll(() => page.url()).toContain("action=workflows");
    await expect
      .poll(
        async () =>
          (await column(2)).every((a) => a.startsWith("workflows.")) && (await column(2)).length > 0,
      )
      .toBe(true);

    // From tomorrow on: nothing yet.
    const tomorrow = new Date(Date.now() + 86_400_000);
    const pad = (n: number) => String(n).padStart(2, "0");
    await page
      .getByLabel("From")
      .fill(`${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}T00:00`);
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.getByText("No entry matches these filters.").waitFor();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await table.getByRole("cell", { name: "workflows.created_workflow_run" }).first().waitFor();

    // Paged by the server: one entry a page, the next page older than the first.
    await page.goto(`${server.url}/admin/audit-log?per_page=1`);
    const first = Number(await table.locator("tbody tr").first().getAttribute("data-seq"));
    await page.getByRole("link", { name: "Older →" }).click();
    await page.getByText("Page 2").waitFor();
    await expect
      .poll(async () => Number(await table.locator("tbody tr").first().getAttribute("data-seq")))
      .toBe(first - 1);
    await page.getByRole("link", { name: "← Newer" }).waitFor();

    expect(await page.content()).not.toContain(SECRET_VALUE);
    expect(admin.errors).toEqual([]);
  });
});
