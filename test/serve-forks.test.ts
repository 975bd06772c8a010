// Fork pull requests and webhook replays on a real `gantry serve` (issue 12, items 3 and 7): a
// signed GitHub `pull_request` delivery whose head is a fork runs its (attacker-written) workflow
// with no secrets and no variables, every attempt; a pull request within the repository gets them;
// `pull_request_target` runs the base branch's workflow at its head, with them; and a delivery sent
// again is a replay that starts nothing.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hmacSha256 } from "../src/triggers/index.js";
import { clearTextInStore, queryStore } from "./db-query.js";
import { commitFiles, makeRemote, type Remote } from "./git-remote.js";
import { BIN, git } from "./harness.js";
import { api, type Serve, serveWithConfig, until, untilSaid } from "./serve-harness.js";

const TOKEN = "e2e-fork-admin-token";
const HOOK_SECRET = "fork-test-webhook-secret";
const SECRET = "s3cr3t-Fork-Test-7Qx9";
const REVERSED = [...SECRET].reverse().join("");
const VAR = "var-Value-Region-4Kp2";
// A secret and a variable kept by the server (gantry secret set, gantry variable set).
const STORED = "stored-Secret-Fork-8Wm3";
const STORED_VAR = "stored-Var-Fork-2Hq6";

// What an attacker's pull request would run: every way the secret could reach the job.
const PR_WORKFLOW = `name: PR
on: pull_request
jobs:
  show:
    runs-on: ubuntu-latest
    env:
      KEY: \${{ secrets.DEPLOY_KEY }}
    steps:
      - run: |
          echo "len=\${#KEY}"
          echo "rev=$(printf '%s' "$KEY" | rev)"
          echo "direct=$(printf '%s' '\${{ secrets.DEPLOY_KEY }}' | rev)"
          echo "var=\${{ vars.REGION }}"
          echo "stored-var=\${{ vars.STORED_VAR }}"
          echo "names=\${{ join(secrets.*, ',') }}"
          echo "ref=$GITHUB_REF"
          env | sort | rev
`;

const targetWorkflow = (which: string) => `name: Target
on: pull_request_target
jobs:
  show:
    runs-on: ubuntu-latest
    env:
      KEY: \${{ secrets.DEPLOY_KEY }}
      STORED: \${{ secrets.STORED_KEY }}
    steps:
      - run: |
          echo "workflow=${which}"
          echo "len=\${#KEY}"
          echo "stored-len=\${#STORED}"
          echo "ref=$GITHUB_REF sha=$GITHUB_SHA head_ref=$GITHUB_HEAD_REF base_ref=$GITHUB_BASE_REF"
`;

const config = (r: Remote, approval = "none") => `repo_url_schemes: [https, ssh, file]
repos:
  - { owner: acme, name: app, url: ${JSON.stringify(r.origin)}, poll_interval_seconds: 0, fork_approval: ${approval} }
secrets:
  DEPLOY_KEY: ${JSON.stringify(SECRET)}
vars:
  REGION: ${JSON.stringify(VAR)}
hooks:
  github_secret: ${JSON.stringify(HOOK_SECRET)}
  gitlab_token: ${JSON.stringify(HOOK_SECRET)}
`;

interface ApiRun {
  id: number;
  event: string;
  status: string;
  conclusion: string | null;
  head_sha: string;
  run_attempt: number;
}

/** A signed GitHub delivery. */
function deliver(s: Serve, event: string, payload: unknown, delivery = randomUUID()): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${s.url}/hooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": delivery,
      "x-hub-signature-256": `sha256=${hmacSha256(HOOK_SECRET, body)}`,
    },
    body,
  });
}

/** GitHub's pull_request payload: head in `headRepo` (acme/app: the same repository). */
function pullRequestPayload(
  number: number,
  head: string,
  base: string,
  headRepo: string,
  action = "opened",
  sender = headRepo.split("/")[0] === "acme" ? "dev" : headRepo.split("/")[0],
) {
  const forked = headRepo !== "acme/app";
  return {
    action,
    number,
    pull_request: {
      number,
      head: {
        ref: "feature",
        sha: head,
        repo: { id: forked ? 2 : 1, full_name: headRepo, fork: forked },
      },
      base: { ref: "main", sha: base, repo: { id: 1, full_name: "acme/app", fork: false } },
    },
    repository: {
      id: 1,
      name: "app",
      full_name: "acme/app",
      owner: { login: "acme" },
      default_branch: "main",
    },
    sender: { login: sender },
  };
}

async function runs(s: Serve): Promise<ApiRun[]> {
  return (await api(s, TOKEN, "GET", "/repos/acme/app/actions/runs")).json.workflow_runs;
}

/** Waits until a run of this event has completed; answers it. */
async function completedOf(s: Serve, event: string): Promise<ApiRun> {
  const all = await until(
    () => runs(s),
    (list) => list.some((r) => r.event === event && r.status === "completed"),
  );
  return all.find((r) => r.event === event) as ApiRun;
}

/** Waits until `n` runs have completed; answers them, oldest first. */
async function completed(s: Serve, n: number): Promise<ApiRun[]> {
  const all = await until(
    () => runs(s),
    (list) => list.length >= n && list.every((r) => r.status === "completed"),
  );
  return [...all].reverse();
}

/** The log of the run's (only) job at its latest attempt. */
async function jobLog(s: Serve, runId: number): Promise<string> {
  const jobs = await api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${runId}/jobs`);
  const job = jobs.json.jobs[0];
  return (await api(s, TOKEN, "GET", `/repos/acme/app/actions/jobs/${job.id}/logs`)).text;
}

/** Every file under dir, as text (logs …; the database and its WAL when it is SQLite). */
function everything(dir: string): string {
  let out = "";
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out += everything(path);
    else if (st.isFile()) out += readFileSync(path, "latin1");
  }
  return out;
}

/**
 * main holds the base's workflows; `feature` (pushed as the forge's refs/pull/7/head, where a fork's
 * head lives) changes the pull_request_target workflow, which must not be the one that runs.
 */
function repository(): { r: Remote; base: string; head: string } {
  const r = makeRemote({
    ".github/workflows/pr.yml": PR_WORKFLOW,
    ".github/workflows/target.yml": targetWorkflow("base"),
  });
  git(r.work, "push", "-q", "origin", "main");
  const base = git(r.work, "rev-parse", "HEAD");
  git(r.work, "checkout", "-q", "-b", "feature");
  const head = commitFiles(r.work, {
    ".github/workflows/target.yml": targetWorkflow("head"),
    "f.txt": "1",
  });
  git(r.work, "push", "-q", "origin", "feature:refs/pull/7/head");
  git(r.work, "checkout", "-q", "main");
  return { r, base, head };
}

describe("gantry serve: fork pull requests", () => {
  it("a fork's pull_request gets no secrets or variables (nor its re-run); pull_request_target runs the base's workflow with them", async () => {
    const { r, base, head } = repository();
    const s = await serveWithConfig(config(r), TOKEN);
    // The server's own secrets and variables are kept from the fork's run as the config's are.
    for (const args of [
      ["secret", "set", "STORED_KEY", "--body", STORED],
      ["variable", "set", "STORED_VAR", "--body", STORED_VAR],
    ]) {
      const set = spawnSync(process.execPath, [BIN, ...args, "--repo", "acme/app"], {
        env: { ...process.env, GANTRY_SERVER: s.url, GANTRY_TOKEN: TOKEN },
        encoding: "utf8",
      });
      expect(set.status, set.stderr).toBe(0);
    }
    const res = await deliver(s, "pull_request", pullRequestPayload(7, head, base, "mallory/app"));
    expect(res.status).toBe(202);
    const pr = await completedOf(s, "pull_request");
    expect(pr.conclusion).toBe("success");
    const log = await jobLog(s, pr.id);
    expect(log).toContain("len=0");
    expect(log).toContain("ref=refs/pull/7/merge");
    expect(log).toMatch(/var=\s*$/m);
    expect(log).toMatch(/stored-var=\s*$/m);
    // The values of every secret: GITHUB_TOKEN's alone (a placeholder, masked).
    expect(log).toMatch(/names=\*\*\*\s*$/m);

    // The base's workflow, at the base's head, with the secret.
    const target = await completedOf(s, "pull_request_target");
    expect(target.conclusion).toBe("success");
    const targetLog = await jobLog(s, target.id);
    expect(targetLog).toContain("workflow=base");
    expect(targetLog).toContain(`len=${SECRET.length}`);
    expect(targetLog).toContain(`stored-len=${STORED.length}`);
    expect(targetLog).toContain(`ref=refs/heads/main sha=${base} head_ref=feature base_ref=main`);
    expect(target.head_sha).toBe(base);

    // A re-run of the fork's run is as secretless.
    expect((await api(s, TOKEN, "POST", `/repos/acme/app/actions/runs/${pr.id}/rerun`)).status).toBe(201);
    const again = await until(
      () => api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${pr.id}`),
      (a) => a.json.run_attempt === 2 && a.json.status === "completed",
    );
    expect(again.json.conclusion).toBe("success");
    const rerunLog = await jobLog(s, pr.id);
    expect(rerunLog).toContain("len=0");

    // The secret, in any form the job could print it, and the variable appear nowhere: not in a log,
    // not in the API, not in the data directory (database included).
    const answers = [
      log,
      rerunLog,
      JSON.stringify(await runs(s)),
      (await api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${pr.id}/jobs`)).text,
      everything(s.data),
      s.stdout(),
      s.stderr(),
    ].join("\n");
    for (const leak of [SECRET, REVERSED, VAR, STORED]) expect(answers).not.toContain(leak);
    // The database, wherever it is (SQLite under the data directory, or PostgreSQL): its rows and
    // files. The scan does see what it holds: the stored variable, in a row and in a file.
    const held = await clearTextInStore(s, [SECRET, REVERSED, VAR, STORED, STORED_VAR]);
    expect(held.filter((found) => !found.startsWith(STORED_VAR))).toEqual([]);
    expect(held).toContain(`${STORED_VAR} in a row`);
    expect(held.length).toBeGreaterThan(1);
    // A stored variable is no secret (its database row holds it), but the fork's runs never saw it.
    for (const text of [log, rerunLog]) expect(text).not.toContain(STORED_VAR);

    // The run records the token's permissions: read for the fork's run, write for the target's.
    const rows = await queryStore(s, (db) =>
      db.selectFrom("runs").select(["event", "fork", "token_permissions"]).orderBy("id").execute(),
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { event: "pull_request", fork: 1, token_permissions: "read" },
        { event: "pull_request_target", fork: 0, token_permissions: "write" },
      ]),
    );
  });

  it("a pull request within the repository gets the secrets and variables", async () => {
    const { r, base, head } = repository();
    const s = await serveWithConfig(config(r), TOKEN);
    const res = await deliver(s, "pull_request", pullRequestPayload(7, head, base, "acme/app"));
    expect(res.status).toBe(202);
    const pr = await completedOf(s, "pull_request");
    expect(pr.conclusion).toBe("success");
    const log = await jobLog(s, pr.id);
    expect(log).toContain(`len=${SECRET.length}`);
    expect(log).toContain(`rev=${REVERSED}`);
    expect(log).toContain(`var=${VAR}`);
  });
});

describe("gantry serve: approving a fork's runs", () => {
  it("holds a first-time contributor's fork run as action_required until an admin approves it", async () => {
    const { r, base, head } = repository();
    const s = await serveWithConfig(config(r, "first_time_contributors"), TOKEN);
    const repo = await api(s, TOKEN, "GET", "/repos/acme/app");
    expect(repo.json.fork_approval).toBe("first_time_contributors");
    expect((await deliver(s, "pull_request", pullRequestPayload(7, head, base, "mallory/app"))).status).toBe(
      202,
    );
    const waiting = await until(
      () => runs(s),
      (list) => list.some((x) => x.event === "pull_request" && x.status === "completed"),
    );
    const pr = waiting.find((x) => x.event === "pull_request") as ApiRun;
    expect(pr.conclusion).toBe("action_required");
    expect((await api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${pr.id}/jobs`)).json.jobs).toEqual([]);
    const filtered = await api(s, TOKEN, "GET", "/repos/acme/app/actions/runs?status=action_required");
    expect(filtered.json.workflow_runs.map((x: ApiRun) => x.id)).toEqual([pr.id]);
    // pull_request_target runs the base's workflow: it never waits.
    expect((await completedOf(s, "pull_request_target")).conclusion).toBe("success");
    // A re-run does not run it (a restart does not either: it is completed); an admin's approval
    // does, once.
    expect((await api(s, TOKEN, "POST", `/repos/acme/app/actions/runs/${pr.id}/rerun`)).status).toBe(403);
    const approved = await api(s, TOKEN, "POST", `/repos/acme/app/actions/runs/${pr.id}/approve`);
    expect(approved.status).toBe(201);
    expect(approved.json).toEqual({});
    const done = await until(
      () => api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${pr.id}`),
      (a) => a.json.status === "completed" && a.json.conclusion !== "action_required",
    );
    expect(done.json).toMatchObject({ conclusion: "success", run_attempt: 1 });
    expect(await jobLog(s, pr.id)).toContain("len=0");
    const again = await api(s, TOKEN, "POST", `/repos/acme/app/actions/runs/${pr.id}/approve`);
    expect(again.status).toBe(403);
    expect(again.json.message).toMatch(/not waiting for approval/);
    expect((await api(s, TOKEN, "POST", "/repos/acme/app/actions/runs/999/approve")).status).toBe(404);
    const noToken = await fetch(`${s.url}/api/v1/repos/acme/app/actions/runs/${pr.id}/approve`, {
      method: "POST",
    });
    expect(noToken.status).toBe(401);

    // Approved once, mallory is a known contributor: the next push to the pull request runs at once.
    const sync = pullRequestPayload(7, head, base, "mallory/app", "synchronize");
    expect((await deliver(s, "pull_request", sync)).status).toBe(202);
    const next = await until(
      () => runs(s),
      (list) => list.filter((x) => x.event === "pull_request" && x.status === "completed").length === 2,
    );
    expect(next.filter((x) => x.event === "pull_request").map((x) => x.conclusion)).toEqual([
      "success",
      "success",
    ]);
    // Another first-time contributor waits.
    const eve = pullRequestPayload(8, head, base, "eve/app");
    expect((await deliver(s, "pull_request", eve)).status).toBe(202);
    const held = await until(
      () => runs(s),
      (list) => list.filter((x) => x.event === "pull_request" && x.status === "completed").length === 3,
    );
    expect(held.filter((x) => x.event === "pull_request").map((x) => x.conclusion)).toEqual([
      "action_required",
      "success",
      "success",
    ]);
    // Still unapproved, eve's next push waits too (her pull_request_target runs count for nothing).
    await until(
      () => runs(s),
      (list) => list.filter((x) => x.event === "pull_request_target").length === 3,
    );
    const eveSync = pullRequestPayload(8, head, base, "eve/app", "synchronize");
    expect((await deliver(s, "pull_request", eveSync)).status).toBe(202);
    const still = await until(
      () => runs(s),
      (list) => list.filter((x) => x.event === "pull_request" && x.status === "completed").length === 4,
    );
    expect(still.filter((x) => x.event === "pull_request").map((x) => x.conclusion)).toEqual([
      "action_required",
      "action_required",
      "success",
      "success",
    ]);
  });
});

describe("gantry serve: a GitLab merge request from a fork project", () => {
  it("gets no secrets, and its replay (the same Idempotency-Key) starts nothing", async () => {
    const r = makeRemote({ ".github/workflows/pr.yml": PR_WORKFLOW });
    git(r.work, "push", "-q", "origin", "main");
    git(r.work, "checkout", "-q", "-b", "feature");
    const head = commitFiles(r.work, { "f.txt": "1" });
    git(r.work, "push", "-q", "origin", "feature:refs/merge-requests/5/head"); // where GitLab keeps it
    const s = await serveWithConfig(config(r), TOKEN);
    const body = JSON.stringify({
      object_kind: "merge_request",
      user: { username: "mallory" },
      project: { id: 1, path_with_namespace: "acme/app", default_branch: "main" },
      object_attributes: {
        iid: 5,
        action: "open",
        source_branch: "feature",
        target_branch: "main",
        last_commit: { id: head },
        source_project_id: 2,
        target_project_id: 1,
        source: { path_with_namespace: "mallory/app" },
        target: { path_with_namespace: "acme/app" },
      },
    });
    const send = () =>
      fetch(`${s.url}/hooks/gitlab`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-gitlab-event": "Merge Request Hook",
          "x-gitlab-token": HOOK_SECRET,
          "idempotency-key": "gl-delivery-1",
        },
        body,
      });
    expect((await send()).status).toBe(202);
    const pr = await completedOf(s, "pull_request");
    expect(pr.conclusion).toBe("success");
    const log = await jobLog(s, pr.id);
    expect(log).toContain("len=0");
    expect(log).not.toContain(REVERSED);
    const replay = await send();
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ replay: true, delivery: "gl-delivery-1" });
    await new Promise((done) => setTimeout(done, 1000));
    expect((await runs(s)).filter((x) => x.event === "pull_request")).toHaveLength(1);
  });
});

describe("gantry serve: webhook replays", () => {
  it("starts one run for a delivery sent three times, and one for three sent at once", async () => {
    const r = makeRemote({ ".github/workflows/pr.yml": PR_WORKFLOW });
    git(r.work, "push", "-q", "origin", "main");
    const base = git(r.work, "rev-parse", "HEAD");
    git(r.work, "checkout", "-q", "-b", "feature");
    const head = commitFiles(r.work, { "f.txt": "1" });
    git(r.work, "push", "-q", "origin", "feature");
    const s = await serveWithConfig(config(r), TOKEN);
    const payload = pullRequestPayload(3, head, base, "acme/app");

    const id = randomUUID();
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const res = await deliver(s, "pull_request", payload, id);
      answers.push({ status: res.status, body: await res.json() });
    }
    expect(answers.map((a) => a.status)).toEqual([202, 200, 200]);
    expect(answers[1].body).toMatchObject({ replay: true, delivery: id });
    expect(answers[2].body.message).toContain("replay");
    await completed(s, 1);

    // Three copies of another delivery at once: one is taken, two are replays.
    const other = randomUUID();
    const together = await Promise.all([0, 1, 2].map(() => deliver(s, "pull_request", payload, other)));
    expect(together.map((res) => res.status).sort()).toEqual([200, 200, 202]);
    await completed(s, 2);
    // Nothing more starts: give a wrongly started run time to appear, then count.
    await new Promise((done) => setTimeout(done, 1500));
    expect(await runs(s)).toHaveLength(2);
    await untilSaid(s, `delivery ${id} is a replay`);
  });
});
