// What the browser tests of the web UI share: a real `gantry serve` on loopback whose repositories
// are real git remotes (pushes reach it through gantry's post-receive hook), and Debian's Chromium
// through playwright-core, signed in with the admin token.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { makeRemote, type Remote } from "./git-remote.js";
import { gantry, git } from "./harness.js";
import { serve } from "./serve-harness.js";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const TOKEN = "web-ui-admin-token";
export const WAIT = 45_000;

export interface UiServer {
  url: string;
  /** The repositories, by name (all owned by `acme`). */
  repos: Record<string, Remote>;
  /** A folder the jobs may write (their sandbox sees it): gates the test opens. */
  flags: string;
  /** The server's data directory (its gantry.db, unless it keeps its state in PostgreSQL). */
  data: string;
  /** Its PostgreSQL database (GANTRY_TEST_POSTGRES=1), else undefined: SQLite under `data`. */
  database?: string;
  stop(): void;
}

/** An origin nothing was pushed to yet, and a working repository pushing to it. */
function emptyRemote(): Remote {
  const root = mkdtempSync(join(tmpdir(), "gantry-remote-"));
  const origin = join(root, "origin.git");
  const work = join(root, "work");
  git(root, "init", "-q", "--bare", "-b", "main", origin);
  git(root, "init", "-q", "-b", "main", work);
  git(work, "config", "user.name", "Test User");
  git(work, "config", "user.email", "test@example.com");
  git(work, "config", "commit.gpgsign", "false");
  git(work, "remote", "add", "origin", origin);
  return { work, origin, mirror: join(root, "mirror.git") };
}

/**
 * A server with one repository per entry of `repos` (its files on main; null: nothing pushed yet),
 * hooks installed.
 */
export async function startUiServer(repos: Record<string, Record<string, string> | null>): Promise<UiServer> {
  const flags = mkdtempSync(join(tmpdir(), "gantry-web-flags-"));
  const remotes = Object.fromEntries(
    Object.entries(repos).map(([name, files]) => [name, files ? makeRemote(files) : emptyRemote()]),
  );
  const dir = mkdtempSync(join(tmpdir(), "gantry-web-"));
  const list = Object.entries(remotes)
    .map(
      ([name, r]) =>
        `  - { owner: acme, name: ${name}, url: ${JSON.stringify(r.origin)}, poll_interval_seconds: 0 }\n`,
    )
    .join("");
  writeFileSync(
    join(dir, "config.yml"),
    `repo_url_schemes: [file]\nrepos:\n${list}runners:\n  slots: 4\n  writable: [${JSON.stringify(flags)}]\n`,
  );
  const server = await serve(
    ["--data", join(dir, "data"), "--config", join(dir, "config.yml")],
    { GANTRY_HOME: join(dir, "home"), GANTRY_ADMIN_TOKEN: TOKEN },
    { lifetime: "file" },
  );
  const url = server.url;
  for (const r of Object.values(remotes)) {
    const hooked = await gantry(r.work, ["hook", "install", r.origin, "--server", url, "--token", TOKEN]);
    if (hooked.code !== 0) throw new Error(hooked.stderr);
  }
  return {
    url,
    repos: remotes,
    flags,
    data: join(dir, "data"),
    database: server.database,
    stop: () => server.proc.kill("SIGKILL"),
  };
}

/** Pushes `ref` (main unless said) of a working clone to its origin; resolves to git's exit code. */
export function push(work: string, ...args: string[]): Promise<number | null> {
  return new Promise((done) => {
    const child = spawn("git", ["push", "-q", "origin", ...(args.length ? args : ["main"])], {
      cwd: work,
      stdio: "ignore",
    });
    child.on("close", done);
  });
}

export interface UiBrowser {
  browser: Browser;
  page: Page;
  /** Errors the page threw or logged: none is expected. */
  errors: string[];
}

/** Chromium, one page of `width`×`height` signed in to `url` with `token` (the admin's unless said). */
export async function openBrowser(
  url: string,
  width = 1280,
  height = 800,
  token = TOKEN,
): Promise<UiBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-background-networking"],
  });
  const page = await browser.newPage({ viewport: { width, height }, acceptDownloads: true });
  page.setDefaultTimeout(WAIT);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  await page.goto(url);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "Overview" }).waitFor();
  return { browser, page, errors };
}
