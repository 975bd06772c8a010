// The triggers wired into the server, in process: pushes seen by a poll, post-receive notifications,
// forge webhooks (401/400 and a run), and schedule ticks that survive a restart without repeating.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commitFiles, makeRemote } from "../../test/git-remote.js";
import { git } from "../../test/harness.js";
import { hmacSha256 } from "../triggers/index.js";
import { type GantryServer, startServer } from "./index.js";

const TOKEN = "test-token";
const SECRET = "webhook-secret";
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

const CI = `name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built
`;

async function server(dataDir: string, origin: string): Promise<GantryServer> {
  const s = await startServer({
    dataDir,
    listen: false,
    adminToken: TOKEN,
    triggers: false,
    config: {
      repo_url_schemes: ["file"],
      repos: [{ owner: "acme", name: "app", url: origin, poll_interval_seconds: 0 }],
      hooks: { github_secret: SECRET, gitea_secret: SECRET, gitlab_token: SECRET },
    },
  });
  servers.push(s);
  return s;
}

async function runs(s: GantryServer): Promise<{ event: string; head_sha: string; path: string }[]> {
  const res = await s.app.request("/api/v1/repos/acme/app/actions/runs", {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await res.json()) as { workflow_runs: { event: string; head_sha: string; path: string }[] })
    .workflow_runs;
}

async function setup(files: Record<string, string> = { ".github/workflows/ci.yml": CI }) {
  const remote = makeRemote(files);
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-server-"));
  const s = await server(dataDir, remote.origin);
  const repo = await s.store.getRepo("acme", "app");
  if (!repo) throw new Error("no repo");
  expect(await s.triggers.poll(repo)).toEqual([]); // the first look records what is there
  return { ...remote, s, repo, dataDir };
}

describe("polling", () => {
  it("a push seen by a poll starts the workflows it matches, once", async () => {
    const { s, repo, work } = await setup();
    const sha = commitFiles(work, { "a.txt": "1" });
    git(work, "push", "-q", "origin", "main");
    const started = await s.triggers.poll(repo);
    expect(started.map((r) => [r.event, r.headSha, r.workflowFile])).toEqual([
      ["push", sha, ".github/workflows/ci.yml"],
    ]);
    expect(await s.triggers.poll(repo)).toEqual([]);
    // The forge's webhook for the same push comes later: already seen, nothing more starts.
    const body = JSON.stringify({
      ref: "refs/heads/main",
      before: git(work, "rev-parse", "HEAD~1"),
      after: sha,
      repository: { name: "app", full_name: "acme/app", default_branch: "main" },
    });
    const res = await s.app.request("/hooks/github", {
      method: "POST",
      headers: { "x-github-event": "push", "x-hub-signature-256": `sha256=${hmacSha256(SECRET, body)}` },
      body,
    });
    expect(res.status).toBe(202);
    await s.triggers.idle();
    expect((await runs(s)).map((r) => [r.event, r.head_sha])).toEqual([["push", sha]]);
  });
});

describe("POST /hooks/git", () => {
  const post = (s: GantryServer, body: unknown, token = TOKEN) =>
    s.app.request("/hooks/git", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("takes the hook's notification (401 without the token, 400 malformed, 404 unknown repository)", async () => {
    const { s, work, origin } = await setup();
    const before = git(work, "rev-parse", "HEAD");
    const sha = commitFiles(work, { "b.txt": "1" });
    git(work, "push", "-q", "origin", "main");
    const body = { repository: { path: origin }, updates: `${before} ${sha} refs/heads/main\n` };
    expect((await post(s, body, "wrong")).status).toBe(401);
    const bad = await post(s, { repository: { path: origin }, updates: "nonsense" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(
      /line 1: expected "<old> <new> <ref>"/,
    );
    expect((await post(s, "{")).status).toBe(400);
    expect((await post(s, { ...body, repository: { path: "/nowhere/else.git" } })).status).toBe(404);
    const ok = await post(s, body);
    expect(ok.status).toBe(202);
    await s.triggers.idle();
    expect((await runs(s)).map((r) => [r.event, r.head_sha])).toEqual([["push", sha]]);
  });
});

describe("POST /hooks/git to several repositories of one URL", () => {
  it("notifies every repository registered with the pushed path, each starting its own runs", async () => {
    const { s, work, origin } = await setup();
    const other = await s.store.addRepo({
      owner: "acme",
      name: "fork-of-app",
      url: origin,
      defaultBranch: "main",
      pollIntervalSeconds: 0,
    });
    expect(await s.triggers.poll(other)).toEqual([]);
    const before = git(work, "rev-parse", "HEAD");
    const sha = commitFiles(work, { "c.txt": "1" });
    git(work, "push", "-q", "origin", "main");
    const res = await s.app.request("/hooks/git", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ repository: { path: origin }, updates: `${before} ${sha} refs/heads/main\n` }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ repositories: ["acme/app", "acme/fork-of-app"] });
    await s.triggers.idle();
    for (const name of ["app", "fork-of-app"]) {
      const list = await s.app.request(`/api/v1/repos/acme/${name}/actions/runs`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const { workflow_runs } = (await list.json()) as {
        workflow_runs: { event: string; head_sha: string }[];
      };
      expect(
        workflow_runs.map((r) => [r.event, r.head_sha]),
        name,
      ).toEqual([["push", sha]]);
    }
  });
});

describe("POST /hooks/github|gitea|gitlab", () => {
  it("401 for a bad signature and 400 for a malformed payload, logged; the server goes on", async () => {
    const { s } = await setup();
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const unsigned = await s.app.request("/hooks/github", {
      method: "POST",
      headers: { "x-github-event": "push" },
      body,
    });
    expect(unsigned.status).toBe(401);
    const wrong = await s.app.request("/hooks/gitlab", {
      method: "POST",
      headers: { "x-gitlab-event": "Push Hook", "x-gitlab-token": "guess" },
      body,
    });
    expect(wrong.status).toBe(401);
    const malformed = await s.app.request("/hooks/github", {
      method: "POST",
      headers: { "x-github-event": "push", "x-hub-signature-256": `sha256=${hmacSha256(SECRET, body)}` },
      body,
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ message: "payload has no before" });
    expect((await s.app.request("/hooks/bitbucket", { method: "POST", body })).status).toBe(404);
    expect(await runs(s)).toEqual([]);
  });

  it("a GitHub push of a repository on this host is copied into the clone without a fetch; else fetched", async () => {
    const { s, work, origin } = await setup();
    const clone = s.context.clones.path({ owner: "acme", name: "app" });
    /** A commit pushed to origin (`pack`: its objects then packed there), then GitHub's webhook for it. */
    const pushed = async (file: string, pack: boolean): Promise<{ after: string; fetched: boolean }> => {
      const before = git(work, "rev-parse", "HEAD");
      const after = commitFiles(work, { [file]: "1" });
      git(work, "push", "-q", "origin", "main");
      if (pack) git(origin, "repack", "-a", "-d", "-q");
      const body = JSON.stringify({
        ref: "refs/heads/main",
        before,
        after,
        head_commit: { id: after, message: "change" },
        commits: [],
        repository: { name: "app", full_name: "acme/app", default_branch: "main", owner: { login: "acme" } },
        pusher: { name: "alice" },
        sender: { login: "alice" },
      });
      rmSync(join(clone, "FETCH_HEAD"), { force: true }); // a fetch writes it again
      const res = await s.app.request("/hooks/github", {
        method: "POST",
        headers: { "x-github-event": "push", "x-hub-signature-256": `sha256=${hmacSha256(SECRET, body)}` },
        body,
      });
      expect(res.status).toBe(202);
      await s.triggers.idle();
      expect(git(clone, "rev-parse", "refs/heads/main")).toBe(after);
      return { after, fetched: existsSync(join(clone, "FETCH_HEAD")) };
    };
    // The pushed objects lie loose in origin, whose ref file says what the signed payload says.
    const copied = await pushed("a.txt", false);
    expect(copied.fetched).toBe(false);
    expect((await runs(s))[0]).toMatchObject({ event: "push", head_sha: copied.after });
    // Packed in origin: nothing to copy as files, so the clone fetches.
    const fetched = await pushed("b.txt", true);
    expect(fetched.fetched).toBe(true);
    expect((await runs(s))[0]).toMatchObject({ event: "push", head_sha: fetched.after });
  });

  it("a Gitea pull request runs on the merge commit of its head into base", async () => {
    const { s, work } = await setup();
    git(work, "checkout", "-q", "-b", "topic");
    const head = commitFiles(work, { "t.txt": "1" });
    git(work, "push", "-q", "origin", "topic");
    const body = JSON.stringify({
      action: "opened",
      number: 3,
      pull_request: {
        number: 3,
        state: "open",
        head: { ref: "topic", sha: head },
        base: { ref: "main", sha: git(work, "rev-parse", "main") },
      },
      repository: { name: "app", full_name: "acme/app", default_branch: "main", owner: { login: "acme" } },
      sender: { login: "alice" },
    });
    const res = await s.app.request("/hooks/gitea", {
      method: "POST",
      headers: { "x-gitea-event": "pull_request", "x-gitea-signature": hmacSha256(SECRET, body) },
      body,
    });
    expect(res.status).toBe(202);
    await s.triggers.idle();
    const [run] = await runs(s);
    expect(run).toMatchObject({ event: "pull_request" });
    const clone = s.context.clones.path({ owner: "acme", name: "app" });
    expect(git(clone, "rev-parse", `${run.head_sha}^2`)).toBe(head);
  });
});

describe("schedule", () => {
  it("runs a tick once, and not again after a restart", async () => {
    const NIGHTLY =
      "name: Nightly\non:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo night\n";
    const { s, repo, dataDir, origin } = await setup({ ".github/workflows/nightly.yml": NIGHTLY });
    const day = (iso: string) => new Date(iso);
    expect(await s.triggers.runSchedules(repo, day("2026-11-30T02:00:00Z"))).toEqual([]); // first seen: from now on
    const first = await s.triggers.runSchedules(repo, day("2026-11-30T03:00:00Z"));
    expect(first.map((r) => [r.event, r.workflowFile])).toEqual([
      ["schedule", ".github/workflows/nightly.yml"],
    ]);
    expect(await s.triggers.runSchedules(repo, day("2026-11-30T03:00:30Z"))).toEqual([]);
    await s.whenIdle();
    await s.close();
    servers = [];
    const again = await server(dataDir, origin);
    const same = await again.store.getRepo("acme", "app");
    if (!same) throw new Error("no repo");
    expect(await again.triggers.runSchedules(same, day("2026-11-30T03:00:45Z"))).toEqual([]);
    // Down for three days: only the latest missed tick runs.
    const late = await again.triggers.runSchedules(same, day("2026-12-03T09:00:00Z"));
    expect(late).toHaveLength(1);
    expect(late[0].github.event).toMatchObject({ schedule: "0 3 * * *" });
    expect(await again.triggers.runSchedules(same, day("2026-12-03T09:00:00Z"))).toEqual([]);
  });

  it("a tick recorded by a server that died before starting all its runs is started by the next look, each workflow once", async () => {
    const wf = (name: string) =>
      `name: ${name}\non:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${name}\n`;
    const { s, repo } = await setup({
      ".github/workflows/nightly.yml": wf("Nightly"),
      ".github/workflows/backup.yml": wf("Backup"),
    });
    const day = (iso: string) => new Date(iso);
    expect(await s.triggers.runSchedules(repo, day("2026-11-30T02:00:00Z"))).toEqual([]);
    // What a leader leaves when it dies after recording the 03:00 tick and storing one of its two
    // runs: the tick, its pending mark, and Nightly's run.
    const key = (file: string) => `.github/workflows/${file}\n0 3 * * *`;
    const recorded = new Date().toISOString();
    const memory = await s.store.getTriggerMemory(repo.id);
    await s.store.putTriggerMemory(repo.id, {
      ...memory,
      ticks: {
        [key("nightly.yml")]: "2026-11-30T03:00:00.000Z",
        [key("backup.yml")]: "2026-11-30T03:00:00.000Z",
      },
      pending: { [key("nightly.yml")]: recorded, [key("backup.yml")]: recorded },
    });
    const stored = await s.store.createRun({
      repoId: repo.id,
      workflowName: "Nightly",
      workflowFile: ".github/workflows/nightly.yml",
      event: "schedule",
      ref: "refs/heads/main",
      headBranch: "main",
      headSha: git(s.context.clones.path(repo), "rev-parse", "refs/heads/main"),
      status: "completed",
      conclusion: "success",
      actor: "gantry",
      github: { event: { schedule: "0 3 * * *" } },
      inputs: {},
      problems: [],
    });
    // The next leader reads the memory afresh: its look starts Backup's run alone, and the tick
    // is not due again.
    s.triggers.forget();
    const finished = await s.triggers.runSchedules(repo, day("2026-11-30T03:00:30Z"));
    expect(finished.map((r) => [r.event, r.workflowFile])).toEqual([
      ["schedule", ".github/workflows/backup.yml"],
    ]);
    expect(await s.triggers.runSchedules(repo, day("2026-11-30T03:00:40Z"))).toEqual([]);
    expect((await s.store.getTriggerMemory(repo.id)).pending).toBeUndefined();
    const all = (await runs(s)).filter((r) => r.event === "schedule").map((r) => r.path);
    expect(all.sort()).toEqual([".github/workflows/backup.yml", ".github/workflows/nightly.yml"]);
    expect(stored.id).toBeGreaterThan(0);
    await s.whenIdle();
  });
});
