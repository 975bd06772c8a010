// GitHub's paging of a run's jobs (…/runs/{id}/jobs and …/attempts/{n}/jobs) on a real server: a
// 105-leg matrix lists 30 jobs by default, per_page and page choose others, total_count counts all,
// the Link header names the other pages, bad values get GitHub's answer; and what reads the list
// (the CLI, the web UI in Debian's Chromium) still shows every job. The legs wait for a runner
// label no runner has, so no job runs: the run is cancelled once the lists are read.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gantry, makeRepo, scratch } from "./harness.js";
import { api, type Serve, serve, until } from "./serve-harness.js";

const TOKEN = "jobs-paging-token";
const CHROMIUM = "/usr/bin/chromium";
const LEGS = 105;
const legs = Array.from({ length: LEGS }, (_, i) => i + 1).join(", ");
const WIDE = `name: Wide
on: workflow_dispatch
jobs:
  leg:
    runs-on: no-such-runner
    strategy:
      matrix:
        i: [${legs}]
    steps:
      - run: "true"
`;

interface JobsPage {
  status: number;
  link: string;
  total: number;
  ids: number[];
  names: string[];
  body: { message?: string; errors?: string[] };
}

let s: Serve;
let runId: number;
const runPath = () => `/repos/acme/app/actions/runs/${runId}`;

/** GET a jobs list (`path` under the run), with its Link header. */
async function jobs(path: string): Promise<JobsPage> {
  const res = await fetch(`${s.url}/api/v1${runPath()}${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const body = await res.json();
  return {
    status: res.status,
    link: res.headers.get("link") ?? "",
    total: body.total_count,
    ids: (body.jobs ?? []).map((j: { id: number }) => j.id),
    names: (body.jobs ?? []).map((j: { name: string }) => j.name),
    body,
  };
}

/** The Link header's rels and the page each points at. */
function rels(link: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of link.matchAll(/<([^>]+)>;\s*rel="(\w+)"/g)) {
    const url = new URL(m[1]);
    out[m[2]] = `${url.pathname}${url.search}`;
  }
  return out;
}

beforeAll(async () => {
  const repo = makeRepo({ files: { ".github/workflows/wide.yml": WIDE } });
  const dir = mkdtempSync(join(tmpdir(), "gantry-jobs-paging-"));
  writeFileSync(
    join(dir, "config.yml"),
    `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo}, poll_interval_seconds: 0 }\nrunners:\n  isolation: none\n`,
  );
  // One server for the file's tests (the lists, then the CLI and the UI on the same run).
  s = await serve(
    ["--data", join(dir, "data"), "--config", join(dir, "config.yml")],
    { GANTRY_ADMIN_TOKEN: TOKEN },
    { lifetime: "file" },
  );
  const answer = await api(s, TOKEN, "POST", "/repos/acme/app/actions/workflows/wide.yml/dispatches", {
    ref: "main",
    return_run_details: true,
  });
  expect(answer.status, answer.text).toBe(200);
  runId = answer.json.workflow_run_id;
  // Every leg is stored (queued, waiting for its runner) before the lists are read.
  await until(
    () => jobs("/jobs"),
    (p) => p.total === LEGS,
  );
});

describe("a run's jobs, paged as GitHub pages them", () => {
  it("lists 30 by default, with total_count all of them and Link to the next and last pages", async () => {
    const first = await jobs("/jobs");
    expect(first.status).toBe(200);
    expect(first.total).toBe(LEGS);
    expect(first.ids).toHaveLength(30);
    expect(first.names[0]).toBe("leg (1)");
    const links = rels(first.link);
    expect(Object.keys(links).sort()).toEqual(["first", "last", "next"]);
    expect(links.next).toBe(`/api/v1${runPath()}/jobs?page=2`);
    expect(links.last).toBe(`/api/v1${runPath()}/jobs?page=4`);

    // Following next to the end gives every job once, in the order they were made.
    const all = [...first.ids];
    let next: string | undefined = links.next;
    let pages = 1;
    while (next) {
      const res: Response = await fetch(`${s.url}${next}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      all.push(...((await res.json()).jobs as Array<{ id: number }>).map((j) => j.id));
      next = rels(res.headers.get("link") ?? "").next;
      pages++;
    }
    expect(pages).toBe(4);
    expect(all).toHaveLength(LEGS);
    expect(new Set(all).size).toBe(LEGS);
    expect(all).toEqual([...all].sort((a, b) => a - b));
  });

  it("takes per_page up to 100 and page from 1, on the run's and the attempt's list alike", async () => {
    for (const base of ["/jobs", "/attempts/1/jobs"]) {
      const hundred = await jobs(`${base}?per_page=100`);
      expect(hundred.ids, base).toHaveLength(100);
      expect(hundred.total).toBe(LEGS);
      const second = await jobs(`${base}?per_page=100&page=2`);
      expect(second.ids, base).toHaveLength(LEGS - 100);
      expect(second.names.at(-1)).toBe(`leg (${LEGS})`);
      expect(new Set([...hundred.ids, ...second.ids]).size).toBe(LEGS);
      const links = rels(second.link);
      expect(Object.keys(links).sort()).toEqual(["first", "last", "prev"]);
      expect(links.prev).toBe(`/api/v1${runPath()}${base}?per_page=100&page=1`);
      // A page past the last: empty, total_count still all of them, Link back.
      const past = await jobs(`${base}?per_page=100&page=3`);
      expect({ status: past.status, ids: past.ids, total: past.total }).toEqual({
        status: 200,
        ids: [],
        total: LEGS,
      });
      expect(rels(past.link).prev).toBe(`/api/v1${runPath()}${base}?per_page=100&page=2`);
    }
    // gantry's ?attempt= pages the same.
    expect((await jobs("/jobs?attempt=1&per_page=50&page=3")).ids).toHaveLength(LEGS - 100);
  });

  it("serves a per_page above 100 as 100 (GitHub's documented behaviour) and refuses what is not a page", async () => {
    const many = await jobs("/jobs?per_page=500");
    expect(many.status).toBe(200);
    expect(many.ids).toHaveLength(100);
    expect(rels(many.link).last).toBe(`/api/v1${runPath()}/jobs?per_page=500&page=2`);
    for (const bad of ["per_page=0", "per_page=-1", "per_page=x", "page=0", "page=-2", "page=1.5", "page="]) {
      const refused = await jobs(`/jobs?${bad}`);
      const name = bad.split("=")[0];
      expect({ bad, status: refused.status }).toEqual({ bad, status: 422 });
      expect(JSON.stringify(refused.body.errors), bad).toContain(
        `${name} must be a positive decimal integer`,
      );
    }
  });

  it("pages the runs list the same way, with the Link header", async () => {
    const second = await api(s, TOKEN, "POST", "/repos/acme/app/actions/workflows/wide.yml/dispatches", {
      ref: "main",
      return_run_details: true,
    });
    const other = second.json.workflow_run_id as number;
    const res = await fetch(`${s.url}/api/v1/repos/acme/app/actions/runs?per_page=1`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = await res.json();
    expect(body.total_count).toBe(2);
    expect(body.workflow_runs.map((r: { id: number }) => r.id)).toEqual([other]);
    expect(rels(res.headers.get("link") ?? "")).toEqual({
      next: "/api/v1/repos/acme/app/actions/runs?per_page=1&page=2",
      first: "/api/v1/repos/acme/app/actions/runs?per_page=1&page=1",
      last: "/api/v1/repos/acme/app/actions/runs?per_page=1&page=2",
    });
    const big = await api(s, TOKEN, "GET", "/repos/acme/app/actions/runs?per_page=1000");
    expect(big.status).toBe(200);
    expect(big.json.workflow_runs).toHaveLength(2);
    await api(s, TOKEN, "POST", `/repos/acme/app/actions/runs/${other}/cancel`);
  });
});

describe("what reads the jobs list shows every job", () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    // Once the lists are read, the run is cancelled: its legs end, and `gantry watch` can report them.
    expect((await api(s, TOKEN, "POST", `${runPath()}/cancel`)).status).toBe(202);
    await until(
      () => api(s, TOKEN, "GET", runPath()),
      (r) => r.json.status === "completed",
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("gantry watch and gantry logs --job find the legs on every page", async () => {
    const env = { GANTRY_SERVER: s.url, GANTRY_TOKEN: TOKEN };
    const watched = await gantry(scratch(), ["watch", String(runId), "--repo", "acme/app"], { env });
    expect(watched.stderr).toBe("");
    const lines = watched.stdout.split("\n").filter((l) => /^\S+ leg \(\d+\): /.test(l));
    expect(lines).toHaveLength(LEGS);
    expect(lines.at(-1)).toMatch(new RegExp(`leg \\(${LEGS}\\): cancelled$`));
    // The last leg by name: on the jobs list's second page of 100.
    const logs = await gantry(
      scratch(),
      ["logs", String(runId), "--repo", "acme/app", "--job", `leg (${LEGS})`],
      {
        env,
      },
    );
    expect(logs.stderr).not.toMatch(/no job/);
    expect(logs.code).toBe(0);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    "the run page's matrix and the job page's list hold every leg",
    async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-background-networking"],
      });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(45_000);
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(err.message));
      await page.goto(s.url);
      await page.getByLabel("API token").fill(TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "acme/app" }).waitFor();

      await page.goto(`${s.url}/acme/app/runs/${runId}`);
      const toggle = page.locator('.graph-node[data-job="leg"] .node-toggle');
      await toggle.filter({ hasText: `(${LEGS})` }).waitFor();
      await toggle.click();
      const legLinks = page.locator('.graph-node[data-job="leg"] .legs li a');
      await legLinks.filter({ hasText: `leg (${LEGS})` }).waitFor();
      expect(await legLinks.count()).toBe(LEGS);

      const last = (await jobs(`/jobs?per_page=100&page=2`)).ids.at(-1);
      await page.goto(`${s.url}/acme/app/jobs/${last}`);
      const side = page.getByRole("navigation", { name: "Jobs of the run" }).getByRole("link");
      await side.filter({ hasText: "leg (1)" }).first().waitFor();
      await until(
        () => side.count(),
        (n) => n === LEGS,
      );
      expect(await side.filter({ hasText: `leg (${LEGS})` }).getAttribute("aria-current")).toBe("page");
      expect(errors).toEqual([]);
    },
  );
});
