import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { git, makeRepo } from "../../test/harness.js";
import { type GantryServer, startServer } from "./index.js";

const TOKEN = "test-token";
const auth = { authorization: `Bearer ${TOKEN}` };
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

async function server(config: Record<string, unknown> = {}): Promise<GantryServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-server-"));
  // The tests' repositories are local paths, which the server clones only when the config allows them.
  const s = await startServer({
    dataDir,
    listen: false,
    adminToken: TOKEN,
    config: { repo_url_schemes: ["file"], ...config },
  });
  servers.push(s);
  return s;
}

async function call(s: GantryServer, method: string, path: string, body?: unknown) {
  const res = await s.app.request(`/api/v1${path}`, {
    method,
    headers: { ...auth, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any; // any: each endpoint answers its own shape; the tests read the fields they check
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, text };
}

async function withRepo(files: Record<string, string>, config: Record<string, unknown> = {}) {
  const dir = makeRepo({ files });
  const s = await server(config);
  const added = await call(s, "POST", "/repos", { owner: "acme", name: "app", url: dir });
  expect(added.status).toBe(201);
  return { s, dir };
}

const DISPATCH = `name: CI
on:
  workflow_dispatch:
    inputs:
      who: { type: string, required: true }
      loud: { type: boolean, default: false }
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      v: \${{ steps.s.outputs.v }}
    steps:
      - uses: actions/checkout@v4
      - id: s
        run: |
          echo "hello \${{ inputs.who }} loud=\${{ inputs.loud }} $(cat file.txt)"
          printf '\\033[32m✓ passed\\033[0m\\n'
          echo "v=42" >> "$GITHUB_OUTPUT"
  after:
    needs: build
    runs-on: [self-hosted]
    steps:
      - run: echo "got \${{ needs.build.outputs.v }}"
`;

describe("auth and documents", () => {
  it("refuses the API without the admin token, and serves the OpenAPI document to anyone", async () => {
    const s = await server();
    expect((await s.app.request("/api/v1/repos")).status).toBe(401);
    const wrong = await s.app.request("/api/v1/repos", { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect((await call(s, "GET", "/repos")).json).toEqual([]);
    const doc = (await (await s.app.request("/api/v1/openapi.json")).json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>
      >;
    };
    expect(Object.keys(doc.paths)).toContain("/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs");
    const body =
      doc.paths["/repos/{owner}/{repo}/actions/workflows/{workflow_file}/dispatches"].post.requestBody;
    expect(body?.content["application/json"].schema.required).toContain("ref");
  });

  it("stores only the hash of a generated admin token, and keeps it across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gantry-server-"));
    const saved = process.env.GANTRY_ADMIN_TOKEN;
    delete process.env.GANTRY_ADMIN_TOKEN;
    try {
      const first = await startServer({ dataDir, listen: false });
      const token = first.generatedAdminToken as string;
      expect(token).toMatch(/^gantry_[0-9a-f]{48}$/);
      await first.close();
      expect(readFileSync(join(dataDir, "gantry.db")).includes(Buffer.from(token))).toBe(false);
      const second = await startServer({ dataDir, listen: false });
      servers.push(second);
      expect(second.generatedAdminToken).toBeUndefined();
      const res = await second.app.request("/api/v1/repos", {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      // A token given by GANTRY_ADMIN_TOKEN replaces the generated one: the old one is refused, and
      // both the making and the replacing are on the audit trail, without the values.
      const third = await startServer({ dataDir, listen: false, adminToken: "from-the-environment" });
      servers.push(third);
      const old = await third.app.request("/api/v1/repos", { headers: { authorization: `Bearer ${token}` } });
      expect(old.status).toBe(401);
      const log = await third.app.request("/api/v1/audit-log?action=server.start&order=asc", {
        headers: { authorization: "Bearer from-the-environment" },
      });
      const text = await log.text();
      expect(text).not.toContain(token);
      expect(text).not.toContain("from-the-environment");
      const entries = JSON.parse(text) as { details: { bootstrap_admin: string } }[];
      expect(entries.map((e) => e.details.bootstrap_admin)).toEqual(["generated", "kept", "replaced"]);
    } finally {
      if (saved !== undefined) process.env.GANTRY_ADMIN_TOKEN = saved;
    }
  });
});

describe("repositories", () => {
  it("says what is wrong with a bad registration", async () => {
    const s = await server();
    const notJson = await call(s, "POST", "/repos", "{nope");
    expect(notJson.status).toBe(400);
    expect(notJson.json.message).toMatch(/Problems parsing JSON/);
    const invalid = await call(s, "POST", "/repos", { owner: "a b", url: "/x", poll_interval_seconds: -1 });
    expect(invalid.status).toBe(422);
    expect(invalid.json.errors.join("\n")).toMatch(/owner/);
    expect(invalid.json.errors.join("\n")).toMatch(/name/);
    expect(invalid.json.errors.join("\n")).toMatch(/poll_interval_seconds/);
    const unreachable = await call(s, "POST", "/repos", { owner: "a", name: "b", url: "/does/not/exist" });
    expect(unreachable.status).toBe(422);
    expect(unreachable.json.errors[0]).toMatch(/could not clone/);
  });

  it("registers a repository once, from the API or the config", async () => {
    const dir = makeRepo({ files: { "a.txt": "a" } });
    const s = await server({ repos: [{ owner: "cfg", name: "lib", url: dir }] });
    const added = await call(s, "POST", "/repos", {
      owner: "acme",
      name: "app",
      url: dir,
      default_branch: "main",
    });
    expect(added.json).toMatchObject({
      full_name: "acme/app",
      default_branch: "main",
      poll_interval_seconds: 60,
    });
    expect((await call(s, "POST", "/repos", { owner: "acme", name: "app", url: dir })).status).toBe(422);
    expect((await call(s, "GET", "/repos")).json.map((r: { full_name: string }) => r.full_name)).toEqual([
      "acme/app",
      "cfg/lib",
    ]);
    expect((await call(s, "GET", "/repos/nobody/here/actions/runs")).status).toBe(404);
  });

  it("changes a repository's settings, and refuses what it cannot take", async () => {
    const dir = makeRepo({ files: { "a.txt": "a" } });
    const moved = makeRepo({ files: { "b.txt": "b" } });
    const s = await server();
    await call(s, "POST", "/repos", { owner: "acme", name: "app", url: dir });
    const patched = await call(s, "PATCH", "/repos/acme/app", {
      required_checks: ["CI / test"],
      poll_interval_seconds: 0,
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      url: dir,
      default_branch: "main",
      poll_interval_seconds: 0,
      required_checks: ["CI / test"],
    });
    expect((await call(s, "GET", "/repos/acme/app")).json.required_checks).toEqual(["CI / test"]);
    const renamed = await call(s, "PATCH", "/repos/acme/app", { name: "other" });
    expect(renamed.status).toBe(422);
    expect(renamed.json.errors.join("\n")).toMatch(/name/);
    const empty = await call(s, "PATCH", "/repos/acme/app", { required_checks: [" "] });
    expect(empty.status).toBe(422);
    expect(empty.json.errors.join("\n")).toMatch(/a check name cannot be empty/);
    const unreachable = await call(s, "PATCH", "/repos/acme/app", { url: "/does/not/exist" });
    expect(unreachable.status).toBe(422);
    expect(unreachable.json.errors[0]).toMatch(/could not fetch/);
    expect((await call(s, "GET", "/repos/acme/app")).json.url).toBe(dir);
    expect((await call(s, "PATCH", "/repos/acme/app", { url: moved })).json.url).toBe(moved);
    expect((await call(s, "PATCH", "/repos/nobody/here", {})).status).toBe(404);
  });
});

describe("dispatch and runs", () => {
  it("checks the inputs with file:line:col reasons, then runs the workflow through the pool", async () => {
    const { s } = await withRepo({ ".github/workflows/ci.yml": DISPATCH, "file.txt": "from-the-commit" });
    const path = "/repos/acme/app/actions/workflows/ci.yml/dispatches";
    const bad = await call(s, "POST", path, { ref: "main", inputs: { loud: "maybe" } });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([
      expect.stringMatching(/^\.github\/workflows\/ci\.yml:\d+:\d+: Input 'who' is required/),
      expect.stringMatching(/^\.github\/workflows\/ci\.yml:\d+:\d+: .*loud/),
    ]);
    expect((await call(s, "POST", path, { ref: "nope", inputs: { who: "x" } })).status).toBe(422);
    expect(
      (await call(s, "POST", "/repos/acme/app/actions/workflows/other.yml/dispatches", { ref: "main" }))
        .status,
    ).toBe(404);
    expect((await call(s, "POST", path, { inputs: {} })).status).toBe(422);

    const ok = await call(s, "POST", path, {
      ref: "main",
      inputs: { who: "bob", loud: true },
      return_run_details: true,
    });
    expect(ok.status).toBe(200);
    const id = ok.json.workflow_run_id;
    expect((await call(s, "POST", path, { ref: "main", inputs: { who: "eve" } })).status).toBe(204);
    await s.whenIdle();

    const run = await call(s, "GET", `/repos/acme/app/actions/runs/${id}`);
    expect(run.json).toMatchObject({
      id,
      status: "completed",
      conclusion: "success",
      event: "workflow_dispatch",
      head_branch: "main",
      run_number: 1,
      path: ".github/workflows/ci.yml",
    });
    const jobs = (await call(s, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json;
    expect(jobs.total_count).toBe(2);
    expect(jobs.jobs.map((j: { name: string; conclusion: string }) => [j.name, j.conclusion])).toEqual([
      ["build", "success"],
      ["after", "success"],
    ]);
    expect(jobs.jobs[0]).toMatchObject({
      outputs: { v: "42" },
      labels: ["ubuntu-latest"],
      runner_name: expect.stringMatching(/^gantry-/),
      // The built-in pool is runner 0 (the server-wide runners list shows it so).
      runner_id: 0,
    });
    expect(jobs.jobs[0].steps.map((st: { conclusion: string }) => st.conclusion)).toEqual([
      "success",
      "success",
    ]);
    const log = await call(s, "GET", `/repos/acme/app/actions/jobs/${jobs.jobs[0].id}/logs`);
    expect(log.text).toMatch(/hello bob loud=true from-the-commit/);
    // The log file's bytes as they are: UTF-8 and ANSI escapes intact.
    expect(log.text).toContain("\u001b[32m✓ passed\u001b[0m");
    expect((await call(s, "GET", `/repos/acme/app/actions/jobs/${jobs.jobs[1].id}/logs`)).text).toMatch(
      /got 42/,
    );

    const report = (await call(s, "GET", `/repos/acme/app/actions/runs/${id}/report`)).json;
    expect(report).toMatchObject({
      runId: String(id),
      workflow: "CI",
      conclusion: "success",
      event: "workflow_dispatch",
    });
    expect(report.jobs[0]).toMatchObject({ id: "build", outputs: { v: "42" } });

    const list = (await call(s, "GET", "/repos/acme/app/actions/runs?per_page=1")).json;
    expect(list.total_count).toBe(2);
    expect(list.workflow_runs.map((r: { run_number: number }) => r.run_number)).toEqual([2]);
    expect((await call(s, "GET", "/repos/acme/app/actions/runs?event=push")).json.total_count).toBe(0);
    expect(
      (await call(s, "GET", "/repos/acme/app/actions/runs?status=success&branch=main")).json.total_count,
    ).toBe(2);
    expect((await call(s, "GET", "/repos/acme/app/actions/runs?status=bogus")).status).toBe(422);

    const status = (await call(s, "GET", "/repos/acme/app/commits/main/status")).json;
    expect(status).toMatchObject({ state: "success", total_count: 1 });

    const events = await call(s, "GET", `/events?run_id=${id}`);
    expect(events.text).toMatch(/event: job:log\ndata: .*hello bob/);
    expect(events.text.trim().split("\n\n").pop()).toMatch(/^event: run:completed/);
  });

  it("stores a dispatched run started as it is made: no update of it before its jobs run", async () => {
    const { s } = await withRepo({
      ".github/workflows/ci.yml":
        "on: workflow_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n",
    });
    const updates: Array<{ id: number; status?: string }> = [];
    const updateRun = s.store.updateRun.bind(s.store);
    s.store.updateRun = (id, patch) => {
      updates.push({ id, status: patch.status });
      return updateRun(id, patch);
    };
    const path = "/repos/acme/app/actions/workflows/ci.yml/dispatches";
    const id = (await call(s, "POST", path, { ref: "main", return_run_details: true })).json.workflow_run_id;
    await s.whenIdle();
    const run = (await call(s, "GET", `/repos/acme/app/actions/runs/${id}`)).json;
    expect(run).toMatchObject({ status: "completed", conclusion: "success" });
    expect(run.run_started_at).toBe(run.created_at);
    // Its one update: its completion.
    expect(updates).toEqual([{ id, status: "completed" }]);
  });

  it("refuses a dispatch of a workflow without workflow_dispatch", async () => {
    const { s } = await withRepo({
      ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: true\n",
    });
    const res = await call(s, "POST", "/repos/acme/app/actions/workflows/ci.yml/dispatches", { ref: "main" });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe("Workflow does not have 'workflow_dispatch' trigger");
  });
});

describe("events", () => {
  it("runs the workflows an event matches; a bad workflow becomes a failed run naming file:line:col", async () => {
    const { s, dir } = await withRepo({
      ".github/workflows/ok.yml":
        "name: OK\non:\n  push:\n    branches: [main]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo fine\n",
      ".github/workflows/other.yml":
        "on:\n  push:\n    branches: [release]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo no\n",
      ".github/workflows/bad.yml":
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nope(\n",
    });
    const sha = git(dir, "rev-parse", "HEAD");
    const runs = await s.handleEvent("acme/app", {
      name: "push",
      payload: { ref: "refs/heads/main", after: sha },
      ref: "refs/heads/main",
      filterRef: "refs/heads/main",
      sha,
      headRef: "",
      baseRef: "",
      changedFiles: () => ["a.txt"],
    });
    expect(runs.map((r) => r.workflowFile).sort()).toEqual([
      ".github/workflows/bad.yml",
      ".github/workflows/ok.yml",
    ]);
    await s.whenIdle();
    const list = (await call(s, "GET", "/repos/acme/app/actions/runs")).json.workflow_runs;
    const bad = list.find((r: { path: string }) => r.path === ".github/workflows/bad.yml");
    expect(bad).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(bad.problems[0]).toMatch(/^\.github\/workflows\/bad\.yml:6:\d+: /);
    expect(list.find((r: { path: string }) => r.path === ".github/workflows/ok.yml")).toMatchObject({
      conclusion: "success",
      event: "push",
    });
    const status = (await call(s, "GET", `/repos/acme/app/commits/${sha}/status`)).json;
    expect(status.state).toBe("failure");
    expect(status.statuses).toHaveLength(2);
  });
});

describe("cancel and re-run", () => {
  const RERUN = (shared: string) => `name: R
on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      v: \${{ steps.s.outputs.v }}
    steps:
      - id: s
        run: echo ran >> ${shared}/a-runs; echo "v=from-a-$RANDOM" >> "$GITHUB_OUTPUT"
  b:
    runs-on: ubuntu-latest
    steps:
      - run: echo ran >> ${shared}/b-runs; test \${{ github.run_attempt }} -ge 2
  c:
    needs: [a, b]
    runs-on: ubuntu-latest
    steps:
      - run: echo "c sees \${{ needs.a.outputs.v }}"
`;

  it("re-runs only the failed jobs and what needs them, keeping the others' results and outputs", async () => {
    const shared = mkdtempSync(join(tmpdir(), "gantry-shared-"));
    // The steps write to a folder the test reads: the sandbox lets them (runners.writable).
    const { s } = await withRepo(
      { ".github/workflows/r.yml": RERUN(shared) },
      { runners: { writable: [shared] } },
    );
    const ok = await call(s, "POST", "/repos/acme/app/actions/workflows/r.yml/dispatches", {
      ref: "main",
      return_run_details: true,
    });
    const id = ok.json.workflow_run_id;
    await s.whenIdle();
    const first = (await call(s, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs;
    const result = (jobs: Array<{ name: string; conclusion: string }>) =>
      Object.fromEntries(jobs.map((j) => [j.name, j.conclusion]));
    expect(result(first)).toEqual({ a: "success", b: "failure", c: "skipped" });
    const aOutput = first.find((j: { name: string }) => j.name === "a").outputs.v;

    expect((await call(s, "POST", `/repos/acme/app/actions/runs/${id}/rerun-failed-jobs`)).status).toBe(201);
    await s.whenIdle();
    const run = (await call(s, "GET", `/repos/acme/app/actions/runs/${id}`)).json;
    expect(run).toMatchObject({ run_attempt: 2, conclusion: "success" });
    const second = (await call(s, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs;
    expect(result(second)).toEqual({ a: "success", b: "success", c: "success" });
    expect(readFileSync(join(shared, "a-runs"), "utf8").trim().split("\n")).toHaveLength(1);
    expect(readFileSync(join(shared, "b-runs"), "utf8").trim().split("\n")).toHaveLength(2);
    const c = second.find((j: { name: string }) => j.name === "c");
    expect((await call(s, "GET", `/repos/acme/app/actions/jobs/${c.id}/logs`)).text).toContain(
      `c sees ${aOutput}`,
    );
    const old = (await call(s, "GET", `/repos/acme/app/actions/runs/${id}/attempts/1/jobs`)).json.jobs;
    expect(result(old)).toEqual({ a: "success", b: "failure", c: "skipped" });

    expect((await call(s, "POST", `/repos/acme/app/actions/runs/${id}/rerun`)).status).toBe(201);
    await s.whenIdle();
    expect(readFileSync(join(shared, "a-runs"), "utf8").trim().split("\n")).toHaveLength(2);
    expect((await call(s, "GET", `/repos/acme/app/actions/runs/${id}`)).json).toMatchObject({
      run_attempt: 3,
      conclusion: "success",
    });
  });

  it("cancels a running run; a completed run cannot be cancelled", async () => {
    const shared = mkdtempSync(join(tmpdir(), "gantry-shared-"));
    const wf = `on: workflow_dispatch\njobs:\n  slow:\n    runs-on: ubuntu-latest\n    steps:\n      - run: touch ${shared}/started; sleep 120\n`;
    const { s } = await withRepo({ ".github/workflows/slow.yml": wf }, { runners: { writable: [shared] } });
    const ok = await call(s, "POST", "/repos/acme/app/actions/workflows/slow.yml/dispatches", {
      ref: "main",
      return_run_details: true,
    });
    const id = ok.json.workflow_run_id;
    const { existsSync } = await import("node:fs");
    while (!existsSync(join(shared, "started"))) await new Promise((r) => setTimeout(r, 50));
    expect((await call(s, "POST", `/repos/acme/app/actions/runs/${id}/cancel`)).status).toBe(202);
    await s.whenIdle();
    expect((await call(s, "GET", `/repos/acme/app/actions/runs/${id}`)).json).toMatchObject({
      status: "completed",
      conclusion: "cancelled",
    });
    expect((await call(s, "POST", `/repos/acme/app/actions/runs/${id}/cancel`)).status).toBe(409);
  });
});

describe("the runner pool", () => {
  const WINDOWS =
    "on: workflow_dispatch\njobs:\n  win:\n    runs-on: windows-latest\n    steps:\n      - run: echo ran-here\n";

  it("keeps a job queued while no runner has its labels, saying so in its log", async () => {
    const { s } = await withRepo({ ".github/workflows/w.yml": WINDOWS });
    const ok = await call(s, "POST", "/repos/acme/app/actions/workflows/w.yml/dispatches", {
      ref: "main",
      return_run_details: true,
    });
    const id = ok.json.workflow_run_id;
    let job: { id: number; status: string; labels: string[] } | undefined;
    for (;;) {
      job = (await call(s, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs[0];
      if (
        job &&
        (await call(s, "GET", `/repos/acme/app/actions/jobs/${job.id}/logs`)).text.includes(
          "Waiting for a runner",
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job).toMatchObject({ status: "queued", labels: ["windows-latest"] });
    expect((await call(s, "POST", `/repos/acme/app/actions/runs/${id}/cancel`)).status).toBe(202);
    await s.whenIdle();
    expect((await call(s, "GET", `/repos/acme/app/actions/runs/${id}`)).json.conclusion).toBe("cancelled");
    expect((await call(s, "GET", `/repos/acme/app/actions/jobs/${job.id}`)).json.conclusion).toBe(
      "cancelled",
    );
  });

  it("runs a job whose labels the config maps onto the pool's", async () => {
    const { s } = await withRepo(
      { ".github/workflows/w.yml": WINDOWS },
      { runners: { slots: 1, labels: ["self-hosted", "big"], label_map: { "windows-latest": ["big"] } } },
    );
    await call(s, "POST", "/repos/acme/app/actions/workflows/w.yml/dispatches", { ref: "main" });
    await s.whenIdle();
    const run = (await call(s, "GET", "/repos/acme/app/actions/runs")).json.workflow_runs[0];
    expect(run.conclusion).toBe("success");
  });
});
