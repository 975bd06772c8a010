// Pull requests through the API, in process: the 4xx answers, the runs on the merge commit,
// synchronize on a push to head (and none on a push to base), close and reopen, a conflict, and the
// combined status with required checks.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commitFiles, makeRemote } from "../../test/git-remote.js";
import { git } from "../../test/harness.js";
import type { Run } from "../store/index.js";
import { type GantryServer, startServer } from "./index.js";

const TOKEN = "test-token";
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

const CI = `name: CI
on:
  pull_request:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "ref=$GITHUB_REF head=$GITHUB_HEAD_REF base=$GITHUB_BASE_REF"
`;
const CLOSED = `name: Closed
on:
  pull_request:
    types: [closed]
jobs:
  bye:
    runs-on: ubuntu-latest
    steps:
      - run: echo closed
`;

async function setup(files: Record<string, string> = {}, requiredChecks?: string[]) {
  const remote = makeRemote({ ".github/workflows/ci.yml": CI, "a.txt": "a\n", ...files });
  const s = await startServer({
    dataDir: mkdtempSync(join(tmpdir(), "gantry-server-")),
    listen: false,
    adminToken: TOKEN,
    triggers: false,
    config: {
      repo_url_schemes: ["file"],
      repos: [
        {
          owner: "acme",
          name: "app",
          url: remote.origin,
          poll_interval_seconds: 0,
          ...(requiredChecks ? { required_checks: requiredChecks } : {}),
        },
      ],
    },
  });
  servers.push(s);
  const repo = await s.store.getRepo("acme", "app");
  if (!repo) throw new Error("no repo");
  expect(await s.triggers.poll(repo)).toEqual([]); // the first look records what is there
  return { ...remote, s, repo };
}

async function call(s: GantryServer, method: string, path: string, body?: unknown) {
  const res = await s.app.request(`/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  // any: each endpoint answers its own shape; the tests read the fields they check
  const json: any = await res.json();
  return { status: res.status, json };
}

/** A branch off main with one commit, pushed to origin; returns its tip. */
function branch(work: string, name: string, files: Record<string, string>, from = "main"): string {
  git(work, "checkout", "-q", "-B", name, from);
  const sha = commitFiles(work, files, `on ${name}`);
  git(work, "push", "-q", "origin", name);
  git(work, "checkout", "-q", "main");
  return sha;
}

const event = (run: Run) => run.github.event as { action: string; number: number; before?: string };

describe("opening a pull request: what the API refuses", () => {
  it("answers 422 with the reason, 404 for what is not there, and opens nothing", async () => {
    const { s, work } = await setup();
    branch(work, "feature", { "b.txt": "b\n" });
    const refused = async (body: unknown, reason: RegExp) => {
      const res = await call(s, "POST", "/repos/acme/app/pulls", body);
      expect(res.status).toBe(422);
      expect(res.json.errors.join("\n")).toMatch(reason);
    };
    await refused({ head: "nope", base: "main" }, /^head: no branch 'nope' in acme\/app$/);
    await refused({ head: "feature", base: "nope" }, /^base: no branch 'nope' in acme\/app$/);
    await refused({ head: "main", base: "main" }, /^No commits between main and main$/);
    await refused({ head: "other:feature", base: "main" }, /names another owner's repository/);
    await refused({ base: "main" }, /^head: /);
    await refused({ head: "a..b", base: "main" }, /head: not a valid branch name/);
    // A head already merged into base has nothing to merge.
    git(work, "push", "-q", "origin", "main:old");
    await refused({ head: "old", base: "main" }, /^No commits between main and old$/);
    expect((await call(s, "POST", "/repos/acme/app/pulls", "{nope")).status).toBe(400);
    expect((await call(s, "POST", "/repos/acme/nope/pulls", { head: "feature", base: "main" })).status).toBe(
      404,
    );
    expect((await call(s, "GET", "/repos/acme/app/pulls")).json).toEqual([]);

    const first = await call(s, "POST", "/repos/acme/app/pulls", { head: "feature", base: "main" });
    expect(first.status).toBe(201);
    await refused(
      { head: "acme:feature", base: "main" },
      /^A pull request already exists for acme:feature \(#1\)\.$/,
    );
    expect((await call(s, "GET", "/repos/acme/app/pulls/2")).status).toBe(404);
    expect((await call(s, "GET", "/repos/acme/app/pulls/x")).status).toBe(404);
    expect((await call(s, "PATCH", "/repos/acme/app/pulls/2", { state: "closed" })).status).toBe(404);
    const empty = await call(s, "PATCH", "/repos/acme/app/pulls/1", {});
    expect(empty.status).toBe(422);
    expect(empty.json.errors).toEqual(["give state, title or body"]);
    expect((await call(s, "PATCH", "/repos/acme/app/pulls/1", { state: "merged" })).status).toBe(422);
    expect((await call(s, "GET", "/repos/acme/app/pulls?state=draft")).status).toBe(422);
    await s.whenIdle();
  });
});

describe("a pull request's runs", () => {
  it("runs on the merge commit, synchronizes on a push to head and not on one to base", async () => {
    const { s, repo, work } = await setup({ ".github/workflows/closed.yml": CLOSED });
    const head = branch(work, "feature", { "b.txt": "b\n" });
    const base = git(work, "rev-parse", "main");
    const opened = await call(s, "POST", "/repos/acme/app/pulls", {
      head: "feature",
      base: "main",
      title: "Add b",
    });
    expect(opened.status).toBe(201);
    const pr = opened.json;
    expect(pr).toMatchObject({
      number: 1,
      state: "open",
      title: "Add b",
      head: { ref: "feature", sha: head, label: "acme:feature" },
      base: { ref: "main", sha: base },
      mergeable: true,
      merged: false,
      checks_state: "pending",
    });
    expect(pr.url).toMatch(/\/api\/v1\/repos\/acme\/app\/pulls\/1$/);
    const clone = s.context.clones.path(repo);
    expect(git(clone, "rev-parse", "refs/pull/1/merge")).toBe(pr.merge_commit_sha);
    expect(git(clone, "rev-parse", `${pr.merge_commit_sha}^1`, `${pr.merge_commit_sha}^2`)).toBe(
      `${base}\n${head}`,
    );
    await s.whenIdle();
    let { runs } = await s.store.listRuns({ repoId: repo.id });
    expect(runs.map((r) => [r.event, r.workflowName, r.ref, r.headSha, r.conclusion])).toEqual([
      ["pull_request", "CI", "refs/pull/1/merge", pr.merge_commit_sha, "success"],
    ]);
    expect(runs[0].github).toMatchObject({
      head_ref: "feature",
      base_ref: "main",
      event_name: "pull_request",
    });
    expect(event(runs[0])).toMatchObject({ action: "opened", number: 1, pull_request: { number: 1 } });

    // A push to base: GitHub sends no synchronize; the pull request keeps its merge commit.
    commitFiles(work, { "c.txt": "c\n" }, "on main");
    git(work, "push", "-q", "origin", "main");
    expect(await s.triggers.poll(repo)).toEqual([]); // ci.yml has no push trigger
    expect((await call(s, "GET", "/repos/acme/app/pulls/1")).json.merge_commit_sha).toBe(pr.merge_commit_sha);

    // A push to head: synchronize, on a new merge commit of head into today's main.
    git(work, "checkout", "-q", "feature");
    const head2 = commitFiles(work, { "b.txt": "b2\n" }, "again");
    git(work, "push", "-q", "origin", "feature");
    git(work, "checkout", "-q", "main");
    const synced = await s.triggers.poll(repo);
    expect(synced.map((r) => [r.event, event(r).action, event(r).before])).toEqual([
      ["pull_request", "synchronize", head],
    ]);
    const after = (await call(s, "GET", "/repos/acme/app/pulls/1")).json;
    expect(after.head.sha).toBe(head2);
    expect(after.base.sha).toBe(git(work, "rev-parse", "main"));
    expect(synced[0].headSha).toBe(after.merge_commit_sha);
    expect(git(clone, "rev-parse", `${after.merge_commit_sha}^1`)).toBe(git(work, "rev-parse", "main"));

    // Closing fires closed (only the workflow that asks for it); reopening fires reopened.
    const closed = await call(s, "PATCH", "/repos/acme/app/pulls/1", { state: "closed" });
    expect(closed.json).toMatchObject({ state: "closed", mergeable_state: "unknown" });
    expect(closed.json.closed_at).not.toBeNull();
    expect((await call(s, "GET", "/repos/acme/app/pulls")).json).toEqual([]);
    expect(
      (await call(s, "GET", "/repos/acme/app/pulls?state=closed")).json.map(
        (p: { number: number }) => p.number,
      ),
    ).toEqual([1]);
    const reopened = await call(s, "PATCH", "/repos/acme/app/pulls/1", {
      state: "open",
      title: "Add b, again",
    });
    expect(reopened.json).toMatchObject({ state: "open", closed_at: null, title: "Add b, again" });
    await s.whenIdle();
    ({ runs } = await s.store.listRuns({ repoId: repo.id }));
    expect(runs.map((r) => [r.workflowName, event(r).action]).reverse()).toEqual([
      ["CI", "opened"],
      ["CI", "synchronize"],
      ["Closed", "closed"],
      ["CI", "reopened"],
    ]);
    expect(runs.every((r) => r.conclusion === "success")).toBe(true);
  });

  it("filters paths on the three-dot diff of head against its merge base", async () => {
    const DOCS = `name: Docs
on:
  pull_request:
    paths: ["docs/**"]
jobs:
  d:
    runs-on: ubuntu-latest
    steps:
      - run: echo docs
`;
    const { s, repo, work } = await setup({ ".github/workflows/docs.yml": DOCS });
    branch(work, "code", { "src/x.txt": "x\n" });
    // main changes docs after the fork: a two-dot diff would see docs/, the three-dot one does not.
    commitFiles(work, { "docs/guide.md": "new\n" }, "docs on main");
    git(work, "push", "-q", "origin", "main");
    await call(s, "POST", "/repos/acme/app/pulls", { head: "code", base: "main" });
    branch(work, "guide", { "docs/more.md": "more\n" });
    await call(s, "POST", "/repos/acme/app/pulls", { head: "guide", base: "main" });
    await s.whenIdle();
    const { runs } = await s.store.listRuns({ repoId: repo.id });
    expect(runs.map((r) => [r.workflowName, event(r).number]).reverse()).toEqual([
      ["CI", 1],
      ["CI", 2],
      ["Docs", 2],
    ]);
  });

  it("a conflict: no run, mergeable false; deleting the head branch closes the pull request", async () => {
    const { s, repo, work } = await setup();
    branch(work, "clash", { "a.txt": "theirs\n" });
    commitFiles(work, { "a.txt": "ours\n" }, "ours");
    git(work, "push", "-q", "origin", "main");
    await s.triggers.poll(repo); // the server has seen the branch
    const opened = await call(s, "POST", "/repos/acme/app/pulls", { head: "clash", base: "main" });
    expect(opened.status).toBe(201);
    expect(opened.json).toMatchObject({ mergeable: false, merge_commit_sha: null, mergeable_state: "dirty" });
    await s.whenIdle();
    expect((await s.store.listRuns({ repoId: repo.id })).total).toBe(0);
    expect(git(s.context.clones.path(repo), "for-each-ref", "refs/pull/1/merge")).toBe("");
    git(work, "push", "-q", "origin", ":clash");
    await s.triggers.poll(repo);
    expect((await call(s, "GET", "/repos/acme/app/pulls/1")).json.state).toBe("closed");
    const reopen = await call(s, "PATCH", "/repos/acme/app/pulls/1", { state: "open" });
    expect(reopen.status).toBe(422);
    expect(reopen.json.errors).toEqual(["state: cannot reopen: the head branch 'clash' is gone"]);
  });
});

describe("the combined status with required checks", () => {
  const LINT = `name: Lint
on: pull_request
jobs:
  style:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: test ! -e bad.txt
  test:
    strategy:
      matrix:
        n: [1, 2]
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: test ! -e bad-\${{ matrix.n }}.txt
`;

  it("is success only when every required check ran and succeeded", async () => {
    const { s, repo, work } = await setup({ ".github/workflows/lint.yml": LINT }, [
      "CI",
      "Lint / test",
      "Deploy",
    ]);
    const head = branch(work, "feature", { "bad-2.txt": "x\n" });
    const pr = (await call(s, "POST", "/repos/acme/app/pulls", { head: "feature", base: "main" })).json;
    await s.whenIdle();
    const status = async (ref: string) =>
      (await call(s, "GET", `/repos/acme/app/commits/${ref}/status`)).json;
    const byContext = (st: { statuses: { context: string; state: string; required: boolean }[] }) =>
      Object.fromEntries(st.statuses.map((x) => [x.context, [x.state, x.required]]));
    // Lint / test failed (leg 2); Deploy never runs: failure wins over pending.
    const failing = await status(head);
    expect(failing.state).toBe("failure");
    expect(byContext(failing)).toEqual({
      CI: ["success", true],
      "Lint / test": ["failure", true],
      Deploy: ["pending", true],
      "CI (pull_request)": ["success", false],
      "Lint (pull_request)": ["failure", false],
    });
    // The same answer for the merge commit and for the branch name.
    expect((await status(pr.merge_commit_sha)).state).toBe("failure");
    expect((await status("feature")).state).toBe("failure");
    expect((await call(s, "GET", "/repos/acme/app/pulls/1")).json).toMatchObject({
      checks_state: "failure",
      mergeable_state: "blocked",
    });

    // Fixed: Lint / test succeeds, but Deploy has still not run: pending.
    git(work, "checkout", "-q", "feature");
    git(work, "rm", "-q", "bad-2.txt");
    git(work, "commit", "-q", "-m", "fix");
    git(work, "push", "-q", "origin", "feature");
    git(work, "checkout", "-q", "main");
    await s.triggers.poll(repo);
    await s.whenIdle();
    const fixed = await call(s, "GET", "/repos/acme/app/pulls/1");
    expect(fixed.json.checks_state).toBe("pending");
    expect(byContext(await status(fixed.json.head.sha))).toMatchObject({
      "Lint / test": ["success", true],
      Deploy: ["pending", true],
    });
    // The old head is no pull request's head any more: only its required checks, expected.
    expect(await status(head)).toMatchObject({ state: "pending", total_count: 3 });

    // Required checks decide: with Deploy no longer required, the pull request may merge.
    await s.store.upsertRepo({ ...repo, requiredChecks: ["CI", "Lint / test"] });
    expect((await call(s, "GET", "/repos/acme/app/pulls/1")).json).toMatchObject({
      checks_state: "success",
      mergeable_state: "clean",
    });
  });

  it("counts every run when none is required, and is pending while one has not finished", async () => {
    const { s, work } = await setup();
    const head = branch(work, "feature", { "b.txt": "b\n" });
    const pending = (await call(s, "GET", `/repos/acme/app/commits/${head}/status`)).json;
    expect(pending.state).toBe("pending");
    expect(pending.total_count).toBe(0);
    await call(s, "POST", "/repos/acme/app/pulls", { head: "feature", base: "main" });
    await s.whenIdle();
    const done = (await call(s, "GET", `/repos/acme/app/commits/${head}/status`)).json;
    expect(done).toMatchObject({ state: "success", total_count: 1 });
    expect(done.statuses[0]).toMatchObject({ context: "CI (pull_request)", required: true });
  });
});
