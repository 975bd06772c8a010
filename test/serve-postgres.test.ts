// `gantry serve --database postgres://…` and `gantry migrate`, end to end: a throwaway PostgreSQL
// cluster on loopback (test/postgres.ts), real pushes to a real repository, the real CLI.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles, makeRemote } from "./git-remote.js";
import { gantry } from "./harness.js";
import { postgresAvailable, startPostgres, type TestPostgres } from "./postgres.js";
import { api, exited, type Serve, serve, serveWithConfig, until } from "./serve-harness.js";

const TOKEN = "e2e-admin-token";
const CI = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "built $GITHUB_SHA"
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo tested
`;

/** Pushes without blocking this process (the hook talks to the server while git waits). */
function push(work: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn("git", ["push", "-q", "origin", "main"], { cwd: work, stdio: "ignore" });
    child.on("close", resolve);
  });
}

/** A remote with gantry's post-receive hook for the server at `url`. */
async function hooked(remote: { origin: string; work: string }, url: string): Promise<void> {
  const installed = await gantry(remote.work, [
    "hook",
    "install",
    remote.origin,
    "--server",
    url,
    "--token",
    TOKEN,
  ]);
  expect(installed.code, installed.stderr).toBe(0);
}

/** Commits, pushes and waits for the push's run to complete: its API answer. */
async function pushRun(s: Serve, work: string, file: string) {
  const sha = commitFiles(work, { [file]: file }, `add ${file}`);
  expect(await push(work)).toBe(0);
  const runs = await until(
    () => api(s, TOKEN, "GET", "/repos/acme/app/actions/runs"),
    (r) =>
      r.json.workflow_runs?.some(
        (x: { head_sha: string; status: string }) => x.head_sha === sha && x.status === "completed",
      ),
  );
  return runs.json.workflow_runs.find((x: { head_sha: string }) => x.head_sha === sha);
}

/** The API's answer, the server's own URL (a new port at each start) written as SERVER. */
async function read(s: Serve, path: string) {
  const answer = await api(s, TOKEN, "GET", path);
  expect(answer.status, answer.text).toBe(200);
  return JSON.parse(answer.text.replaceAll(s.url, "SERVER"));
}

/** What the API says of a run: the run, its jobs and each job's log. */
async function readRun(s: Serve, id: number) {
  const run = await read(s, `/repos/acme/app/actions/runs/${id}`);
  const jobs = (await read(s, `/repos/acme/app/actions/runs/${id}/jobs`)).jobs;
  const logs: Record<string, string> = {};
  for (const job of jobs)
    logs[job.name] = (await api(s, TOKEN, "GET", `/repos/acme/app/actions/jobs/${job.id}/logs`)).text;
  return { run, jobs, logs };
}

async function stop(s: Serve): Promise<void> {
  s.proc.kill("SIGTERM");
  await exited(s.proc);
}

async function count(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(`select count(*) as n from ${table}`)).rows[0].n);
  } finally {
    await client.end();
  }
}

describe.runIf(postgresAvailable("gantry serve on PostgreSQL"))("gantry serve on PostgreSQL", () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("runs a pushed commit, keeps it in PostgreSQL and still has it after a restart", async () => {
    const database = await cluster.createDatabase();
    const remote = makeRemote({ ".github/workflows/ci.yml": CI });
    const first = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${JSON.stringify(remote.origin)}, poll_interval_seconds: 0 }\n`,
      TOKEN,
      ["--database", database],
    );
    await hooked(remote, first.url);
    const pushed = await pushRun(first, remote.work, "a.txt");
    expect(pushed).toMatchObject({ event: "push", status: "completed", conclusion: "success" });
    const before = await readRun(first, pushed.id);
    expect(before.jobs.map((j: { name: string; conclusion: string }) => [j.name, j.conclusion])).toEqual([
      ["build", "success"],
      ["test", "success"],
    ]);
    expect(before.logs.build).toContain(`built ${pushed.head_sha}`);
    // Kept in PostgreSQL, not in a SQLite file under --data; the password is in no output.
    expect(await count(database, "runs")).toBe(1);
    expect(await count(database, "jobs")).toBe(2);
    expect(existsSync(join(first.data, "gantry.db"))).toBe(false);
    expect(first.stderr()).toContain("store: PostgreSQL at postgres://gantry:***@127.0.0.1:");
    await stop(first);
    for (const text of [first.stdout(), first.stderr()]) expect(text).not.toContain(cluster.password);

    // The same database through DATABASE_URL this time.
    const second = await serve(first.args, { GANTRY_ADMIN_TOKEN: TOKEN, DATABASE_URL: database });
    expect(await readRun(second, pushed.id)).toEqual(before);
    await hooked(remote, second.url);
    const next = await pushRun(second, remote.work, "b.txt");
    expect(next).toMatchObject({ conclusion: "success", run_number: 2 });
    expect(next.id).toBeGreaterThan(pushed.id);
    await stop(second);
  });

  it("refuses a --database that is not a postgres:// URL, and a server it cannot reach, without the password", async () => {
    const bad = await gantry(".", ["serve", "--port", "0", "--database", "mysql://u:hunter2@127.0.0.1/db"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--database must be a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL");
    expect(bad.stderr).not.toContain("hunter2");
    const wrong = cluster.url("postgres").replace(cluster.password, "hunter2");
    const refused = await gantry(".", ["serve", "--port", "0", "--database", wrong]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /gantry: cannot reach PostgreSQL at postgres:\/\/gantry:\*\*\*@127\.0\.0\.1:\d+\/postgres: /,
    );
    expect(refused.stderr).not.toContain("hunter2");
  });

  it("moves a SQLite server's history with gantry migrate: runs, jobs, logs, users and tokens read back the same", async () => {
    const remote = makeRemote({ ".github/workflows/ci.yml": CI });
    const config = `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${JSON.stringify(remote.origin)}, poll_interval_seconds: 0 }\n`;
    // SQLite whatever the harness's switch says: this server is the one moved from.
    const old = await serveWithConfig(config, TOKEN, [], { DATABASE_URL: "" });
    await hooked(remote, old.url);
    const ran = [await pushRun(old, remote.work, "a.txt"), await pushRun(old, remote.work, "b.txt")];
    expect((await api(old, TOKEN, "POST", "/admin/users", { login: "mona" })).status).toBe(201);
    expect(
      (await api(old, TOKEN, "PUT", "/repos/acme/app/collaborators/mona", { permission: "write" })).status,
    ).toBeLessThan(300);
    const before = {
      runs: await read(old, "/repos/acme/app/actions/runs"),
      each: await Promise.all(ran.map((r) => readRun(old, r.id))),
      users: await read(old, "/users"),
      collaborators: await read(old, "/repos/acme/app/collaborators"),
    };
    expect(before.each[1].logs.build).toContain(`built ${ran[1].head_sha}`);
    const database = await cluster.createDatabase();
    // Not while the server is running on that data directory.
    const busy = await gantry(".", ["migrate", "--from", `sqlite:${old.data}`, "--to", database]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/another gantry serve \(pid \d+\) is using/);
    await stop(old);

    const moved = await gantry(".", ["migrate", "--from", `sqlite:${old.data}`, "--to", database]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toMatch(/^ {2}runs: 2 row\(s\)$/m);
    expect(moved.stdout).toMatch(/^Copied \d+ row\(s\) of \d+ table\(s\)/);
    for (const text of [moved.stdout, moved.stderr]) expect(text).not.toContain(cluster.password);
    // A second copy into the now full database is refused, and changes nothing.
    const again = await gantry(".", ["migrate", "--from", `sqlite:${old.data}`, "--to", database]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("gantry: the target database is not empty (");
    expect(again.stderr).toContain("gantry migrate copies into an empty database only");
    expect(await count(database, "runs")).toBe(2);

    const now = await serve([...old.args, "--database", database], { GANTRY_ADMIN_TOKEN: TOKEN });
    expect(await read(now, "/repos/acme/app/actions/runs")).toEqual(before.runs);
    expect(await Promise.all(ran.map((r) => readRun(now, r.id)))).toEqual(before.each);
    expect(await read(now, "/users")).toEqual(before.users);
    expect(await read(now, "/repos/acme/app/collaborators")).toEqual(before.collaborators);
    // Ids and numbers go on from the copied ones (the hook now tells the new server).
    await hooked(remote, now.url);
    const next = await pushRun(now, remote.work, "c.txt");
    expect(next).toMatchObject({ conclusion: "success", run_number: 3 });
    expect(next.id).toBeGreaterThan(Math.max(...ran.map((r) => r.id)));
    expect(await count(database, "runs")).toBe(3);
    await stop(now);
  });
});
