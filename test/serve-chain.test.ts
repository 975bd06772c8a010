// `gantry serve` on loopback with real git repositories: repository_dispatch (the API and
// `gantry dispatch --event-type`) and workflow_run chains.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, gantry, git, makeRepo, scratch } from "./harness.js";

const TOKEN = "chain-admin-token";

const started: ChildProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null) p.kill("SIGKILL");
});

/** `gantry serve` on a free loopback port serving `repo` as acme/app (no polling). */
function serve(repo: string): Promise<{ url: string; stderr: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-chain-"));
  writeFileSync(
    join(dir, "config.yml"),
    `repos:\n  - { owner: acme, name: app, url: ${JSON.stringify(repo)}, poll_interval_seconds: 0 }\n`,
  );
  const proc = spawn(
    process.execPath,
    [BIN, "serve", "--port", "0", "--data", join(dir, "data"), "--config", join(dir, "config.yml")],
    {
      env: { ...process.env, GANTRY_HOME: join(dir, "home"), GANTRY_ADMIN_TOKEN: TOKEN },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  started.push(proc);
  let out = "";
  let err = "";
  proc.stderr?.on("data", (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    proc.stdout?.on("data", (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], stderr: () => err });
    });
    proc.on("exit", (code) => reject(new Error(`gantry serve exited (${code}): ${err}`)));
  });
}

interface ApiRun {
  id: number;
  name: string;
  event: string;
  head_branch: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  run_attempt: number;
  problems: string[];
}

async function api(url: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${url}/api/v1/repos/acme/app${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
  });
}

async function listRuns(url: string): Promise<ApiRun[]> {
  const res = await api(url, "/actions/runs?per_page=100");
  return ((await res.json()) as { workflow_runs: ApiRun[] }).workflow_runs.reverse();
}

/** Asks the API again until `done` holds for the runs (the test's timeout bounds the wait). */
async function waitRuns(url: string, done: (runs: ApiRun[]) => boolean): Promise<ApiRun[]> {
  for (;;) {
    const runs = await listRuns(url);
    if (done(runs)) return runs;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const allCompleted = (n: number) => (runs: ApiRun[]) =>
  runs.length >= n && runs.every((r) => r.status === "completed");

/** The whole log of a run's jobs. */
async function runLog(url: string, id: number): Promise<string> {
  const jobs = (await (await api(url, `/actions/runs/${id}/jobs`)).json()) as { jobs: Array<{ id: number }> };
  let text = "";
  for (const job of jobs.jobs) text += await (await api(url, `/actions/jobs/${job.id}/logs`)).text();
  return text;
}

describe("gantry serve: repository_dispatch", () => {
  it("runs the default branch's workflows whose types take the event, with the client_payload", async () => {
    const step = (name: string, types: string) => `name: ${name}
on:
  repository_dispatch:
    types: [${types}]
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "got \${{ github.event.action }} for \${{ github.event.client_payload.who }} n=\${{ github.event.client_payload.n }} at $GITHUB_REF $GITHUB_SHA"
`;
    const repo = makeRepo({
      files: {
        ".github/workflows/deploy.yml": step("Deploy", "deploy, ship"),
        ".github/workflows/other.yml": step("Other", "other"),
      },
    });
    const sha = git(repo, "rev-parse", "HEAD");
    const s = await serve(repo);
    const env = { GANTRY_SERVER: s.url, GANTRY_TOKEN: TOKEN, GANTRY_REPO: "acme/app" };
    const cwd = scratch();
    writeFileSync(join(cwd, "payload.json"), JSON.stringify({ who: "bob", n: 3 }));

    const sent = await gantry(cwd, ["dispatch", "--event-type", "deploy", "--payload", "@payload.json"], {
      env,
    });
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    expect(sent.stdout).toBe("repository_dispatch 'deploy' sent to acme/app\n");
    const [run] = await waitRuns(s.url, allCompleted(1));
    expect(run).toMatchObject({
      name: "Deploy",
      event: "repository_dispatch",
      head_branch: "main",
      head_sha: sha,
    });
    expect(run.conclusion).toBe("success");
    expect(await runLog(s.url, run.id)).toContain(`got deploy for bob n=3 at refs/heads/main ${sha}`);

    const bad = await gantry(cwd, ["dispatch", "--event-type", "deploy", "--payload", "[1]"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("client_payload: client_payload must be a JSON object");
    const none = await api(s.url, "/dispatches", {
      method: "POST",
      body: JSON.stringify({ event_type: "nobody" }),
    });
    expect(none.status).toBe(204);
    // The answer comes once the event's runs are stored: none was.
    expect((await listRuns(s.url)).map((r) => r.name)).toEqual(["Deploy"]);
  });
});
