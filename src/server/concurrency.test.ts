import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeRepo } from "../../test/harness.js";
import { type GantryServer, startServer } from "./index.js";

// Concurrency groups across the runs of one server: each run waits in its workflow's group.

const TOKEN = "test-token";
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

/** A workflow whose job says it started, then holds its group until `release` appears. */
function deployWorkflow(markers: string, cancelInProgress: boolean): string {
  return `name: Deploy
on: workflow_dispatch
concurrency:
  group: Deploy-\${{ github.ref }}
  cancel-in-progress: ${cancelInProgress}
jobs:
  go:
    runs-on: ubuntu-latest
    steps:
      - run: |
          touch "${markers}/started-\${{ github.run_id }}"
          while [ ! -f "${markers}/release" ]; do sleep 0.05; done
`;
}

/** The server, its jobs in the sandbox but for `markers`, a folder the test and the steps share. */
async function serverWith(workflow: string, markers: string): Promise<GantryServer> {
  const dir = makeRepo({ files: { ".github/workflows/deploy.yml": workflow } });
  const s = await startServer({
    dataDir: mkdtempSync(join(tmpdir(), "gantry-server-")),
    listen: false,
    adminToken: TOKEN,
    config: {
      repo_url_schemes: ["file"],
      repos: [{ owner: "acme", name: "app", url: dir }],
      runners: { writable: [markers] },
    },
  });
  servers.push(s);
  return s;
}

async function api(s: GantryServer, method: string, path: string, body?: unknown) {
  const res = await s.app.request(`/api/v1/repos/acme/app${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as any; // any: each endpoint answers its own shape; tests read what they check
}

async function dispatch(s: GantryServer): Promise<number> {
  const body = { ref: "main", return_run_details: true };
  return (await api(s, "POST", "/actions/workflows/deploy.yml/dispatches", body)).workflow_run_id;
}

async function until(ok: () => Promise<boolean>): Promise<void> {
  while (!(await ok())) await new Promise((r) => setTimeout(r, 20));
}

async function waitFor(file: string): Promise<void> {
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 20));
}

describe("gantry serve: workflow concurrency groups", () => {
  it("cancels the running run of the group when a newer one asks with cancel-in-progress", async () => {
    const markers = mkdtempSync(join(tmpdir(), "gantry-markers-"));
    const s = await serverWith(deployWorkflow(markers, true), markers);
    const first = await dispatch(s);
    await waitFor(join(markers, `started-${first}`));
    const second = await dispatch(s);
    await waitFor(join(markers, `started-${second}`));
    writeFileSync(join(markers, "release"), "");
    await s.whenIdle();
    const one = await api(s, "GET", `/actions/runs/${first}`);
    const two = await api(s, "GET", `/actions/runs/${second}`);
    expect(one.conclusion).toBe("cancelled");
    // GitHub's words, and which newer run it was.
    expect(one.problems).toContain(
      `Canceling since a higher priority waiting request for 'Deploy-refs/heads/main' exists: Deploy #2, run ${second}`,
    );
    expect(two.conclusion).toBe("success");
  });

  it("keeps one pending run per group: a newer pending run replaces the older, in the order they came", async () => {
    const markers = mkdtempSync(join(tmpdir(), "gantry-markers-"));
    const s = await serverWith(deployWorkflow(markers, false), markers);
    const first = await dispatch(s);
    await waitFor(join(markers, `started-${first}`));
    const second = await dispatch(s);
    const third = await dispatch(s);
    // The third run, pending now, replaced the second: only then is the first let go.
    while ((await api(s, "GET", `/actions/runs/${second}`)).status !== "completed") {
      await new Promise((r) => setTimeout(r, 20));
    }
    // The third waits in the group: GitHub shows such a run as pending, not in progress.
    await until(async () => (await api(s, "GET", `/actions/runs/${third}`)).status === "pending");
    const pending = await api(s, "GET", "/actions/runs?status=pending");
    expect(pending.workflow_runs.map((r: { id: number }) => r.id)).toEqual([third]);
    expect((await api(s, "GET", `/actions/runs/${first}`)).status).toBe("in_progress");
    writeFileSync(join(markers, "release"), "");
    await s.whenIdle();
    const [one, two, three] = await Promise.all(
      [first, second, third].map((id) => api(s, "GET", `/actions/runs/${id}`)),
    );
    expect([one.conclusion, two.conclusion, three.conclusion]).toEqual(["success", "cancelled", "success"]);
    expect(two.problems[0]).toMatch(/^Canceling since a higher priority waiting request for 'Deploy-/);
    expect(existsSync(join(markers, `started-${second}`))).toBe(false);
    expect((await api(s, "GET", `/actions/runs/${second}/jobs`)).total_count).toBe(0);
  });

  it("shows a job waiting for its job-level group as pending, then runs it when the group is free", async () => {
    const markers = mkdtempSync(join(tmpdir(), "gantry-markers-"));
    const s = await serverWith(
      deployWorkflow(markers, false)
        .replace(/concurrency:\n.*\n.*\n/, "")
        .replace("    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    concurrency: deploy-job\n"),
      markers,
    );
    const first = await dispatch(s);
    await waitFor(join(markers, `started-${first}`));
    const second = await dispatch(s);
    const jobOf = async (run: number) => (await api(s, "GET", `/actions/runs/${run}/jobs`)).jobs[0];
    await until(async () => (await jobOf(second))?.status === "pending");
    expect((await api(s, "GET", `/actions/runs/${second}`)).status).toBe("in_progress");
    writeFileSync(join(markers, "release"), "");
    await s.whenIdle();
    expect((await jobOf(second)).conclusion).toBe("success");
    expect(existsSync(join(markers, `started-${second}`))).toBe(true);
  });
});
