// `gantry serve` with real pushes: a bare repository with gantry's post-receive hook, and one the
// server polls; each push becomes a run the API lists.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { polledOnce } from "./db-query.js";
import { commitFiles, makeRemote } from "./git-remote.js";
import { gantry, git } from "./harness.js";
import { serveWithConfig, until, untilSaid } from "./serve-harness.js";

const TOKEN = "e2e-admin-token";
const CI = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built
`;

/** A server with this config; `data` is its data directory. */
const serve = (config: string) => serveWithConfig(config, TOKEN);

interface ApiRun {
  event: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
}

async function listRuns(url: string): Promise<ApiRun[]> {
  const res = await fetch(`${url}/api/v1/repos/acme/app/actions/runs`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await res.json()) as { workflow_runs: ApiRun[] }).workflow_runs;
}

/** Asks the API again until a run for `sha` has completed (the test's timeout bounds the wait). */
async function runFor(url: string, sha: string): Promise<ApiRun> {
  for (;;) {
    const run = (await listRuns(url)).find((r) => r.head_sha === sha && r.status === "completed");
    if (run) return run;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Pushes without blocking this process (the hook talks to the server while git waits). */
function push(work: string, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("git", ["push", ...args], { cwd: work, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("gantry serve: pushes start runs", () => {
  it("through gantry's post-receive hook", async () => {
    const r = makeRemote({ ".github/workflows/ci.yml": CI });
    const s = await serve(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${JSON.stringify(r.origin)}, poll_interval_seconds: 0 }\n`,
    );
    // A wrong token: the server refuses the notification, the push stands and the pusher is told.
    const wrong = await gantry(r.work, ["hook", "install", r.origin, "--server", s.url, "--token", "nope"]);
    expect(wrong.code, wrong.stderr).toBe(0);
    const refusedSha = commitFiles(r.work, { "a.txt": "0" }, "refused");
    const refused = await push(r.work, "origin", "main");
    expect(refused.code).toBe(0);
    expect(refused.stderr).toContain(
      `gantry: the server at ${s.url} answered 401: {"message":"Bad credentials: the hook's token is not this server's"} (the push itself went through)`,
    );
    expect(git(r.origin, "rev-parse", "main")).toBe(refusedSha);
    const installed = await gantry(r.work, [
      "hook",
      "install",
      r.origin,
      "--server",
      s.url,
      "--token",
      TOKEN,
    ]);
    expect(installed.code, installed.stderr).toBe(0);
    const sha = commitFiles(r.work, { "a.txt": "1" }, "hooked");
    const pushed = await push(r.work, "origin", "main");
    expect(pushed.code).toBe(0);
    expect(pushed.stderr).not.toContain("gantry:");
    expect(await runFor(s.url, sha)).toMatchObject({ event: "push", conclusion: "success" });
  });

  it("through polling", async () => {
    const r = makeRemote({ ".github/workflows/ci.yml": CI });
    const s = await serve(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${JSON.stringify(r.origin)}, poll_interval_seconds: 1 }\n`,
    );
    // The first poll records what is there (the repository's trigger state); push after it has.
    await until(
      () => polledOnce(s),
      (seen) => seen,
    );
    const initial = git(r.work, "rev-parse", "HEAD");
    const sha = commitFiles(r.work, { "b.txt": "1" }, "polled");
    git(r.work, "push", "-q", "origin", "main");
    const run = await runFor(s.url, sha);
    expect(run).toMatchObject({ event: "push", conclusion: "success" });
    expect((await listRuns(s.url)).filter((x) => x.head_sha === initial)).toEqual([]);
    expect(s.stderr()).not.toMatch(/poll:/);
  });

  it("answers a forged webhook 401 and keeps serving", async () => {
    const r = makeRemote({ ".github/workflows/ci.yml": CI });
    const s = await serve(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${JSON.stringify(r.origin)}, poll_interval_seconds: 0 }\nhooks:\n  github_secret: s3cret\n`,
    );
    const res = await fetch(`${s.url}/hooks/github`, {
      method: "POST",
      headers: { "x-github-event": "push", "x-hub-signature-256": "sha256=0000" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    // The server's log line reaches this process through a pipe: it may come after the answer.
    const said = "POST /hooks/github: 401 X-Hub-Signature-256 does not match the body";
    await untilSaid(s, said);
    expect(await listRuns(s.url)).toEqual([]);
  });
});
