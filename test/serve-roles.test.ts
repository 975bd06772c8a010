// Roles on repositories on the real server (issue 14's done-when): users made through the API, given
// roles through GitHub's collaborators API. A reader sees runs and logs but cannot dispatch, cancel
// or re-run (403); an outsider gets on every route of the repository what a repository that does not
// exist gets (404); a writer dispatches, cancels and re-runs; only admins manage collaborators; a
// reader's event stream carries nothing of a repository it cannot read; the post-receive hook with
// a user's token needs write.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git, makeRepo, scratch } from "./harness.js";
import { api, type Serve, serveWithConfig, until } from "./serve-harness.js";

const ADMIN = "roles-e2e-admin";

const CI = `name: CI
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "hello from \${{ github.repository }}"
`;

function long(shared: string): string {
  return `name: Long
on: workflow_dispatch
jobs:
  work:
    runs-on: ubuntu-latest
    steps:
      - run: |
          touch ${JSON.stringify(join(shared, "started"))}
          sleep 120
`;
}

/** A server with acme/app and acme/secret, and users with tokens (scope repo) made through the API. */
async function setup() {
  const shared = scratch();
  const app = makeRepo({
    files: { ".github/workflows/ci.yml": CI, ".github/workflows/long.yml": long(shared) },
  });
  const secret = makeRepo({ files: { ".github/workflows/ci.yml": CI } });
  const s = await serveWithConfig(
    `repo_url_schemes: [file]
repos:
  - { owner: acme, name: app, url: ${app} }
  - { owner: acme, name: secret, url: ${secret} }
runners:
  writable: [${JSON.stringify(shared)}]
`,
    ADMIN,
  );
  const tokens: Record<string, string> = {};
  for (const login of ["reader", "writer", "boss", "outsider"]) {
    expect((await api(s, ADMIN, "POST", "/admin/users", { login })).status).toBe(201);
    const made = await api(s, ADMIN, "POST", `/admin/users/${login}/authorizations`, {
      note: "e2e",
      scopes: ["repo"],
    });
    expect(made.status).toBe(201);
    tokens[login] = made.json.token;
  }
  for (const [login, permission] of [
    ["reader", "pull"],
    ["writer", "write"],
    ["boss", "admin"],
  ]) {
    const put = await api(s, ADMIN, "PUT", `/repos/acme/app/collaborators/${login}`, { permission });
    expect(put.status).toBe(201);
  }
  return { s, shared, app, tokens };
}

/** Dispatches `file` as `token`; the run's id. */
async function dispatch(s: Serve, token: string, file: string, repo = "acme/app"): Promise<number> {
  const answer = await api(s, token, "POST", `/repos/${repo}/actions/workflows/${file}/dispatches`, {
    ref: "main",
    return_run_details: true,
  });
  expect(answer.status).toBe(200);
  return answer.json.workflow_run_id;
}

function completed(s: Serve, token: string, id: number, attempt = 1, repo = "acme/app") {
  return until(
    () => api(s, token, "GET", `/repos/${repo}/actions/runs/${id}`),
    (r) => r.json.run_attempt === attempt && r.json.status === "completed",
  );
}

/** Reads a server-sent event stream until `stop` says so; the events read. */
async function readEvents(
  res: Response,
  stop: (e: { event: string; data: string }) => boolean,
): Promise<Array<{ event: string; data: string }>> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Array<{ event: string; data: string }> = [];
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? "message";
      const data = [...block.matchAll(/^data: ?(.*)$/gm)].map((m) => m[1]).join("\n");
      if (!data) continue;
      events.push({ event, data });
      if (stop({ event, data })) {
        await reader.cancel();
        return events;
      }
    }
  }
}

describe("roles on repositories, on the real server", () => {
  it("lets a reader read but not dispatch, cancel or re-run; a writer does; an outsider sees nothing", async () => {
    const { s, shared, tokens } = await setup();
    const { reader, writer, boss, outsider } = tokens;

    // The writer dispatches; the reader cannot.
    const refused = await api(s, reader, "POST", "/repos/acme/app/actions/workflows/ci.yml/dispatches", {
      ref: "main",
    });
    expect(refused).toMatchObject({
      status: 403,
      json: { message: "Must have write rights to Repository." },
    });
    const id = await dispatch(s, writer, "ci.yml");
    const run = (await completed(s, reader, id)).json;
    expect(run).toMatchObject({ conclusion: "success", actor: { login: "writer" } });

    // The reader sees the run, its jobs and log.
    const jobs = await api(s, reader, "GET", `/repos/acme/app/actions/runs/${id}/jobs`);
    expect(jobs.status).toBe(200);
    const jobId = jobs.json.jobs[0].id as number;
    const log = await api(s, reader, "GET", `/repos/acme/app/actions/jobs/${jobId}/logs`);
    expect(log.status).toBe(200);
    expect(log.text).toContain("hello from acme/app");
    expect((await api(s, reader, "GET", "/repos/acme/app/actions/runs")).json.total_count).toBe(1);

    // Re-runs: the reader is refused (403), the writer re-runs the run and one job.
    for (const path of [`runs/${id}/rerun`, `runs/${id}/rerun-failed-jobs`, `jobs/${jobId}/rerun`]) {
      const answer = await api(s, reader, "POST", `/repos/acme/app/actions/${path}`);
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
    }
    expect((await api(s, writer, "POST", `/repos/acme/app/actions/runs/${id}/rerun`)).status).toBe(201);
    await completed(s, writer, id, 2);
    const latestJob = (await api(s, writer, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs[0];
    expect((await api(s, writer, "POST", `/repos/acme/app/actions/jobs/${latestJob.id}/rerun`)).status).toBe(
      201,
    );
    await completed(s, writer, id, 3);

    // Cancel: the reader is refused while the run works; the writer cancels it.
    const longId = await dispatch(s, writer, "long.yml");
    await until(
      async () => existsSync(join(shared, "started")),
      (started) => started,
    );
    expect((await api(s, reader, "POST", `/repos/acme/app/actions/runs/${longId}/cancel`)).status).toBe(403);
    expect((await api(s, writer, "POST", `/repos/acme/app/actions/runs/${longId}/cancel`)).status).toBe(202);
    expect((await completed(s, writer, longId)).json.conclusion).toBe("cancelled");

    // The outsider gets, on every route, the answer of a repository that does not exist.
    const routes: Array<[string, string, unknown?]> = [
      ["GET", ""],
      ["PATCH", "", { poll_interval_seconds: 5 }],
      ["DELETE", ""],
      ["GET", "/actions/runs"],
      ["GET", `/actions/runs/${id}`],
      ["GET", `/actions/runs/${id}/attempts/1`],
      ["GET", `/actions/runs/${id}/jobs`],
      ["GET", `/actions/runs/${id}/attempts/1/jobs`],
      ["GET", `/actions/runs/${id}/report`],
      ["GET", `/actions/runs/${id}/logs`],
      ["GET", `/actions/runs/${id}/attempts/1/logs`],
      ["GET", `/actions/runs/${id}/workflow-file`],
      ["GET", `/actions/runs/${id}/graph`],
      ["GET", `/actions/runs/${id}/annotations`],
      ["GET", `/actions/runs/${id}/summaries`],
      ["GET", `/actions/runs/${id}/artifacts`],
      ["GET", `/actions/runs/${id}/artifacts/x/zip`],
      ["POST", `/actions/runs/${id}/cancel`],
      ["POST", `/actions/runs/${id}/rerun`],
      ["POST", `/actions/runs/${id}/rerun-failed-jobs`],
      ["POST", `/actions/runs/${id}/approve`],
      ["GET", `/actions/jobs/${jobId}`],
      ["GET", `/actions/jobs/${jobId}/logs`],
      ["GET", `/actions/jobs/${jobId}/logs?follow=1`],
      ["POST", `/actions/jobs/${jobId}/rerun`],
      ["GET", "/actions/workflows"],
      ["GET", "/actions/workflows/ci.yml"],
      ["POST", "/actions/workflows/ci.yml/dispatches", { ref: "main" }],
      ["POST", "/dispatches", { event_type: "go" }],
      ["GET", "/branches"],
      ["GET", "/tags"],
      ["GET", `/commits/${run.head_sha}/status`],
      ["GET", "/pulls"],
      ["POST", "/pulls", { title: "t", head: "main", base: "main" }],
      ["GET", "/pulls/1"],
      ["PATCH", "/pulls/1", { state: "closed" }],
      ["GET", "/hooks"],
      ["POST", "/hooks", { config: { url: "https://example.com/h" } }],
      ["GET", "/hooks/1"],
      ["GET", "/collaborators"],
      ["GET", "/collaborators/reader"],
      ["GET", "/collaborators/reader/permission"],
      ["PUT", "/collaborators/outsider", { permission: "admin" }],
      ["DELETE", "/collaborators/reader"],
    ];
    for (const [method, path, body] of routes) {
      const hidden = await api(s, outsider, method, `/repos/acme/app${path}`, body);
      const missing = await api(s, outsider, method, `/repos/acme/nope${path}`, body);
      expect({ method, path, status: hidden.status, text: hidden.text }).toEqual({
        method,
        path,
        status: 404,
        text: missing.text,
      });
    }
    // Nothing the outsider tried was done.
    expect((await api(s, ADMIN, "GET", "/repos/acme/app")).json.poll_interval_seconds).not.toBe(5);
    expect((await api(s, ADMIN, "GET", "/repos/acme/app/collaborators/outsider")).status).toBe(404);
    expect((await api(s, ADMIN, "GET", "/repos/acme/app/collaborators/reader")).status).toBe(204);
    expect((await api(s, outsider, "GET", "/repos")).json).toEqual([]);
    // The badge too, without public badges.
    const badge = (token: string, repo: string) =>
      fetch(`${s.url}/${repo}/actions/workflows/ci.yml/badge.svg`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await badge(reader, "acme/app")).status).toBe(200);
    expect((await badge(outsider, "acme/app")).status).toBe(404);
    expect(await (await badge(outsider, "acme/app")).text()).toBe(
      await (await badge(outsider, "acme/nope")).text(),
    );

    // Only admins manage collaborators: the writer cannot, the repository's admin (not a site admin) can.
    const put = await api(s, writer, "PUT", "/repos/acme/app/collaborators/outsider", { permission: "read" });
    expect(put).toMatchObject({ status: 403, json: { message: "Must have admin rights to Repository." } });
    expect((await api(s, writer, "GET", "/repos/acme/app/collaborators")).status).toBe(200);
    expect(
      (await api(s, boss, "PUT", "/repos/acme/app/collaborators/outsider", { permission: "read" })).status,
    ).toBe(201);
    expect((await api(s, outsider, "GET", `/repos/acme/app/actions/runs/${id}`)).status).toBe(200);
    expect((await api(s, boss, "DELETE", "/repos/acme/app/collaborators/outsider")).status).toBe(204);
    expect((await api(s, outsider, "GET", `/repos/acme/app/actions/runs/${id}`)).status).toBe(404);
    // The admin of acme/app is nobody on acme/secret.
    expect((await api(s, boss, "GET", "/repos/acme/secret/actions/runs")).status).toBe(404);
  });

  it("sends a reader's event stream nothing of a repository it cannot read; the git hook needs write", async () => {
    const { s, app, tokens } = await setup();
    const { reader, writer } = tokens;
    const stream = await fetch(`${s.url}/api/v1/events?access_token=${reader}`);
    expect(stream.status).toBe(200);
    // A run of acme/secret, then one of acme/app: the reader's stream has only the second.
    const hidden = await dispatch(s, ADMIN, "ci.yml", "acme/secret");
    await completed(s, ADMIN, hidden, 1, "acme/secret");
    const shown = await dispatch(s, ADMIN, "ci.yml");
    const events = await readEvents(
      stream,
      (e) => e.event === "run:completed" && JSON.parse(e.data).runId === shown,
    );
    const runIds = new Set(events.map((e) => JSON.parse(e.data).runId));
    expect([...runIds]).toEqual([shown]);
    expect(events.some((e) => e.event === "job:log" && e.data.includes("hello from acme/app"))).toBe(true);
    expect(events.some((e) => e.data.includes("acme/secret"))).toBe(false);
    // A stream of that run alone answers as for a run that does not exist.
    const one = await api(s, reader, "GET", `/events?run_id=${hidden}`);
    expect(one.status).toBe(404);
    expect(one.text).toBe((await api(s, reader, "GET", "/events?run_id=999999")).text);
    // The site admin's stream still sees every repository's runs.
    const all = await fetch(`${s.url}/api/v1/events?run_id=${hidden}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const backlog = await readEvents(all, (e) => e.event === "run:completed");
    expect(backlog.some((e) => e.data.includes("hello from acme/secret"))).toBe(true);

    // The post-receive hook, with a person's token: write on the repository it names.
    const head = git(app, "rev-parse", "HEAD");
    const notify = (token: string, name: string) =>
      fetch(`${s.url}/hooks/git`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          repository: { path: app, full_name: name },
          updates: `${head} ${head} refs/heads/main\n`,
        }),
      });
    const byReader = await notify(reader, "acme/app");
    expect(byReader.status).toBe(403);
    expect(((await byReader.json()) as { message: string }).message).toContain("Must have write rights");
    const secretHook = await notify(writer, "acme/secret");
    expect(secretHook.status).toBe(404);
    expect((await notify(writer, "acme/app")).status).toBe(202);
  });
});
