// The routes the web UI reads: workflows with their dispatch inputs, the run graph, annotations,
// step summaries, artifacts, the runs list's workflow and actor filters, the token on SSE streams
// only, and the built UI served at /.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeRepo } from "../../test/harness.js";
import { type GantryServer, startServer } from "./index.js";

const TOKEN = "ui-token";
const auth = { authorization: `Bearer ${TOKEN}` };
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

async function server(webDir?: string): Promise<GantryServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-ui-"));
  const s = await startServer({
    dataDir,
    listen: false,
    adminToken: TOKEN,
    webDir,
    config: { repo_url_schemes: ["file"] },
  });
  servers.push(s);
  return s;
}

async function get(s: GantryServer, path: string, headers: Record<string, string> = auth) {
  // A path of the API unless it names the UI's (`ui:/…`).
  const res = await s.app.request(path.startsWith("ui:") ? path.slice(3) : `/api/v1${path}`, { headers });
  const text = await res.text();
  let json: any; // any: each endpoint answers its own shape; the tests read the fields they check
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, text, headers: res.headers };
}

const CI = `name: CI
on:
  push:
  workflow_dispatch:
    inputs:
      version: { description: What to build, required: true }
      target: { type: choice, options: [a, b], default: b }
      dry: { type: boolean }
jobs:
  build:
    strategy:
      matrix:
        n: [1, 2]
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "::error file=src/x.ts,line=3,col=2,title=Bad::it broke \${{ matrix.n }}"
          echo "## Report \${{ matrix.n }}" >> "$GITHUB_STEP_SUMMARY"
  call:
    needs: build
    uses: ./.github/workflows/lib.yml
  last:
    name: The end
    needs: [build, call]
    environment: { name: production, url: "https://example.com/app" }
    runs-on: ubuntu-latest
    steps:
      - run: echo done
`;

const LIB = `on:
  workflow_call:
    inputs:
      where: { type: string, default: staging }
jobs:
  one:
    environment: dev
    runs-on: ubuntu-latest
    steps:
      - run: echo one
  two:
    needs: one
    environment: \${{ inputs.where }}
    runs-on: ubuntu-latest
    steps:
      - run: echo two
`;

async function withRun() {
  const dir = makeRepo({ files: { ".github/workflows/ci.yml": CI, ".github/workflows/lib.yml": LIB } });
  const s = await server();
  const added = await s.app.request("/api/v1/repos", {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ owner: "acme", name: "app", url: dir }),
  });
  expect(added.status).toBe(201);
  const res = await s.app.request("/api/v1/repos/acme/app/actions/workflows/ci.yml/dispatches", {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ ref: "main", inputs: { version: "1" }, return_run_details: true }),
  });
  const { workflow_run_id: id } = (await res.json()) as { workflow_run_id: number };
  await s.whenIdle();
  return { s, id };
}

describe("the UI's routes", () => {
  it("lists workflows with their dispatch inputs, and one workflow at a ref", async () => {
    const { s } = await withRun();
    const list = await get(s, "/repos/acme/app/actions/workflows");
    expect(list.json.workflows.map((w: { id: string; name: string }) => [w.id, w.name])).toEqual([
      ["ci.yml", "CI"],
      ["lib.yml", ".github/workflows/lib.yml"],
    ]);
    expect(list.json.workflows[0].dispatch_inputs).toEqual([
      { name: "version", type: "string", description: "What to build", required: true, options: [] },
      { name: "target", type: "choice", description: "", required: false, default: "b", options: ["a", "b"] },
      { name: "dry", type: "boolean", description: "", required: false, options: [] },
    ]);
    expect(list.json.workflows[1].dispatch_inputs).toBeNull();
    expect((await get(s, "/repos/acme/app/actions/workflows/ci.yml?ref=main")).json.path).toBe(
      ".github/workflows/ci.yml",
    );
    expect((await get(s, "/repos/acme/app/actions/workflows/nope.yml")).status).toBe(404);
    expect((await get(s, "/repos/acme/app/actions/workflows?ref=nope")).status).toBe(422);
  });

  it("gives the run's graph, its jobs' keys, annotations and summaries", async () => {
    const { s, id } = await withRun();
    const graph = await get(s, `/repos/acme/app/actions/runs/${id}/graph`);
    expect(graph.json.jobs).toEqual([
      { id: "build", name: "build", needs: [], uses: null, matrix: true, environment: null, jobs: null },
      {
        id: "call",
        name: "call",
        needs: ["build"],
        uses: "./.github/workflows/lib.yml",
        matrix: false,
        environment: null,
        jobs: [
          { id: "one", name: "one", needs: [], uses: null, matrix: false, environment: "dev", jobs: null },
          // An expression's environment is known once the job runs.
          {
            id: "two",
            name: "two",
            needs: ["one"],
            uses: null,
            matrix: false,
            environment: null,
            jobs: null,
          },
        ],
      },
      {
        id: "last",
        name: "The end",
        needs: ["build", "call"],
        uses: null,
        matrix: false,
        environment: "production",
        jobs: null,
      },
    ]);
    const jobs = await get(s, `/repos/acme/app/actions/runs/${id}/jobs`);
    expect(jobs.json.jobs.map((j: { job_key: string }) => j.job_key).sort()).toEqual([
      "build/0",
      "build/1",
      "call/one",
      "call/two",
      "last",
    ]);
    const notes = await get(s, `/repos/acme/app/actions/runs/${id}/annotations`);
    expect(notes.json.annotations).toHaveLength(2);
    expect(notes.json.annotations).toContainEqual(
      expect.objectContaining({
        job_key: "build/1",
        job_name: "build (2)",
        level: "error",
        title: "Bad",
        message: "it broke 2",
        path: "src/x.ts",
        start_line: 3,
        start_column: 2,
      }),
    );
    const summaries = await get(s, `/repos/acme/app/actions/runs/${id}/summaries`);
    expect(
      summaries.json.summaries
        .map((x: { job_name: string; markdown: string }) => [x.job_name, x.markdown])
        .sort(),
    ).toEqual([
      ["build (1)", "## Report 1\n"],
      ["build (2)", "## Report 2\n"],
    ]);
    expect((await get(s, `/repos/acme/app/actions/runs/${id}/annotations?attempt=2`)).status).toBe(422);
    expect((await get(s, `/repos/acme/app/actions/runs/${id}/artifacts`)).json).toEqual({
      total_count: 0,
      artifacts: [],
    });
    expect((await get(s, `/repos/acme/app/actions/runs/${id}/artifacts/x/zip`)).status).toBe(404);
  });

  it("filters runs by workflow and actor", async () => {
    const { s } = await withRun();
    const count = async (q: string) => (await get(s, `/repos/acme/app/actions/runs?${q}`)).json.total_count;
    expect(await count("workflow=ci.yml")).toBe(1);
    expect(await count("workflow=.github/workflows/ci.yml")).toBe(1);
    expect(await count("workflow=lib.yml")).toBe(0);
    expect(await count("actor=admin")).toBe(1);
    expect(await count("actor=someone")).toBe(0);
  });

  it("takes the token as access_token on the SSE streams only", async () => {
    const { s, id } = await withRun();
    const q = `access_token=${TOKEN}`;
    expect((await get(s, `/repos/acme/app/actions/runs/${id}?${q}`, {})).status).toBe(401);
    expect((await get(s, `/events?run_id=${id}&access_token=wrong`, {})).status).toBe(401);
    const stream = await get(s, `/events?run_id=${id}&logs=0&${q}`, {});
    expect(stream.status).toBe(200);
    expect(stream.text).not.toContain("event: job:log");
    expect(stream.text).toContain("event: run:completed");
    const job = (await get(s, `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs[0];
    expect((await get(s, `/repos/acme/app/actions/jobs/${job.id}/logs?${q}`, {})).status).toBe(401);
    expect((await get(s, `/repos/acme/app/actions/jobs/${job.id}/logs?follow=1&${q}`, {})).text).toContain(
      "event: end",
    );
  });

  it("serves the built UI: assets cached for long, index.html for the client's routes", async () => {
    const web = mkdtempSync(join(tmpdir(), "gantry-web-"));
    mkdirSync(join(web, "assets"));
    writeFileSync(join(web, "index.html"), "<!doctype html><title>gantry</title>");
    writeFileSync(join(web, "assets", "index-abc.js"), "console.log(1)");
    const s = await server(web);
    const page = await get(s, "ui:/acme/app/runs/1", {});
    expect(page.status).toBe(200);
    expect(page.text).toContain("<title>gantry</title>");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    const asset = await get(s, "ui:/assets/index-abc.js", {});
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(asset.headers.get("cache-control")).toMatch(/immutable/);
    expect((await get(s, "ui:/assets/missing.js", {})).status).toBe(404);
    expect((await get(s, "ui:/../../etc/passwd", {})).text).not.toContain("root:");
    expect((await get(s, "ui:/assets/..%2f..%2f..%2f..%2fetc%2fpasswd", {})).text).not.toContain("root:");
    expect((await get(s, "ui:/api/v1/nope", {})).status).toBe(401);
    const none = await server(join(web, "missing"));
    expect((await get(none, "ui:/", {})).status).toBe(404);
  });
});
