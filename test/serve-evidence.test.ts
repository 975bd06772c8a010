// Change evidence on the real server with a real repository: a pull request by one person is
// merged, CI runs on the merge commit, two deployments to production wait for a reviewer and are
// approved; `gantry evidence` (JSON and CSV) and the API list each deployment with its commit,
// pull request, CI runs, trigger and approval, and flag the one its commit's author approved.
// Readers may take it, strangers see nothing, and each export is in the audit trail.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeRemote } from "./git-remote.js";
import { gantry, git, scratch } from "./harness.js";
import { api, type Serve, serveWithConfig, until } from "./serve-harness.js";

const ADMIN = "gantry_evidence_e2e_admin_token";

const CI = `name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: echo tested
`;

const DEPLOY = `name: Deploy
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: production
      url: https://prod.example/\${{ github.sha }}
    steps:
      - run: echo deploying
`;

interface Person {
  id: number;
  token: string;
}

async function person(s: Serve, login: string, email: string | null, permission?: string): Promise<Person> {
  const made = await api(s, ADMIN, "POST", "/admin/users", { login, ...(email ? { email } : {}) });
  expect(made.status, made.text).toBe(201);
  const token = await api(s, ADMIN, "POST", `/admin/users/${login}/authorizations`, {
    note: "e2e",
    scopes: ["repo"],
  });
  if (permission)
    expect(
      (await api(s, ADMIN, "PUT", `/repos/acme/app/collaborators/${login}`, { permission })).status,
    ).toBe(201);
  return { id: made.json.id, token: token.json.token };
}

async function deploy(s: Serve, by: Person, approver: Person, comment: string): Promise<number> {
  const started = await api(s, by.token, "POST", "/repos/acme/app/actions/workflows/deploy.yml/dispatches", {
    ref: "main",
    return_run_details: true,
  });
  expect(started.status, started.text).toBe(200);
  const id = started.json.workflow_run_id as number;
  const runs = `/repos/acme/app/actions/runs/${id}`;
  const pending = await until(
    () => api(s, ADMIN, "GET", `${runs}/pending_deployments`),
    (r) => r.status === 200 && r.json.length > 0,
  );
  const approved = await api(s, approver.token, "POST", `${runs}/pending_deployments`, {
    environment_ids: [pending.json[0].environment.id],
    state: "approved",
    comment,
  });
  expect(approved.status, approved.text).toBe(200);
  const done = await until(
    () => api(s, ADMIN, "GET", runs),
    (r) => r.json.status === "completed",
  );
  expect(done.json.conclusion).toBe("success");
  return id;
}

describe("gantry serve: change evidence", () => {
  it("lists each production deployment with its commit, pull request, CI runs, trigger and approver, flagged where one person held two roles", async () => {
    const r = makeRemote({ ".github/workflows/ci.yml": CI, ".github/workflows/deploy.yml": DEPLOY });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nlimits:\n  auth_failures_per_minute: 1000\nrunners:\n  isolation: none\nrepos:\n  - owner: acme\n    name: app\n    url: ${JSON.stringify(r.origin)}\n    poll_interval_seconds: 1\n`,
      ADMIN,
    );
    const carl = await person(s, "carl", "carl@example.com", "write");
    const rita = await person(s, "rita", "rita@example.com", "write");
    const dana = await person(s, "dana", null, "write");
    const reader = await person(s, "rhea", null, "read");
    const stranger = await person(s, "sam", null);
    const env = await api(s, ADMIN, "PUT", "/repos/acme/app/environments/production", {
      reviewers: [
        { type: "User", id: carl.id },
        { type: "User", id: rita.id },
      ],
      prevent_self_review: true,
    });
    expect(env.status, env.text).toBe(200);

    // Carl's change comes through a pull request, merged into main with a merge commit.
    git(r.work, "checkout", "-q", "-b", "feature");
    writeFileSync(join(r.work, "feature.txt"), "new\n");
    git(r.work, "add", "-A");
    git(
      r.work,
      "-c",
      "user.name=Carl Coder",
      "-c",
      "user.email=carl@example.com",
      "commit",
      "-q",
      "-m",
      "Add the feature",
    );
    const head = git(r.work, "rev-parse", "HEAD");
    git(r.work, "push", "-q", "origin", "feature");
    const cwd = scratch();
    const cli = (args: string[], token = ADMIN) =>
      gantry(cwd, args, { env: { GANTRY_SERVER: s.url, GANTRY_TOKEN: token, GANTRY_REPO: "acme/app" } });
    const opened = await cli([
      "pr",
      "open",
      "--head",
      "feature",
      "--base",
      "main",
      "--title",
      "Add the feature",
    ]);
    expect(opened.code, opened.stderr).toBe(0);
    git(r.work, "checkout", "-q", "main");
    git(r.work, "merge", "-q", "--no-ff", "-m", "Merge pull request #1 from feature", "feature");
    const merge = git(r.work, "rev-parse", "HEAD");
    git(r.work, "push", "-q", "origin", "main");
    const ci = await until(
      () => api(s, ADMIN, "GET", `/repos/acme/app/actions/runs?head_sha=${merge}&event=push`),
      (x) => x.json.workflow_runs?.[0]?.status === "completed",
    );
    const ciRun = ci.json.workflow_runs[0];
    expect(ciRun.conclusion).toBe("success");
    expect(head).not.toBe(merge);

    const before = new Date().toISOString();
    // Dana deploys; Carl, who wrote the change, approves: flagged. Then Rita approves a second one.
    const first = await deploy(s, dana, carl, "my change, looks fine");
    const second = await deploy(s, dana, rita, "LGTM");

    const json = await cli(["evidence", "--env", "production", "--since", before]);
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const evidence = JSON.parse(json.stdout);
    expect(evidence).toMatchObject({ repository: "acme/app", environment: "production", total_count: 2 });
    const [a, b] = evidence.deployments;
    // The first deployment became inactive when the second succeeded.
    expect(a).toMatchObject({
      state: "inactive",
      sha: merge,
      ref: "main",
      environment_url: `https://prod.example/${merge}`,
      commit: {
        sha: merge,
        message: "Merge pull request #1 from feature",
        author: { name: "Test User", email: "test@example.com" },
      },
      pull_request: { number: 1, title: "Add the feature", head_ref: "feature", base_ref: "main" },
      triggered_by: "dana",
      deploy_run: { id: first, workflow: "Deploy", conclusion: "success", actor: "dana" },
      approvals: [{ state: "approved", user: "carl", comment: "my change, looks fine", bypass: false }],
    });
    expect(a.ci_runs.map((x: { id: number; conclusion: string }) => [x.id, x.conclusion])).toEqual([
      [ciRun.id, "success"],
      [first, "success"],
      [second, "success"],
    ]);
    expect(a.pull_request.author).toEqual({ name: "Carl Coder", email: "carl@example.com" });
    // Test User merged, but Carl wrote the change he approved.
    expect(a.flags).toEqual({
      approver_is_author: true,
      approver_is_triggering_actor: false,
      unapproved: false,
    });
    expect(b).toMatchObject({
      deploy_run: { id: second },
      approvals: [{ user: "rita", comment: "LGTM" }],
      flags: { approver_is_author: false, approver_is_triggering_actor: false, unapproved: false },
    });
    // Approvers' e-mail addresses are never in the answer.
    expect(
      JSON.stringify(evidence.deployments.map((d: { approvals: unknown }) => d.approvals)),
    ).not.toContain("@");

    // CSV, one row per deployment; the window leaves out what came before it.
    const csv = await cli(["evidence", "--env", "production", "--since", before, "--format", "csv"]);
    const rows = csv.stdout.trim().split("\r\n");
    expect(rows).toHaveLength(3);
    expect(rows[1]).toContain(`,dana,"carl approved `);
    expect(rows[1]).toMatch(/",true,false,false,https:\/\/prod\.example\//);
    const later = await cli(["evidence", "--env", "production", "--since", "1m", "--until", before]);
    expect(JSON.parse(later.stdout).total_count).toBe(0);

    // A reader may take it; a stranger sees no such repository; bad input is refused, naming it.
    expect(
      (await api(s, reader.token, "GET", "/repos/acme/app/environments/production/evidence")).status,
    ).toBe(200);
    expect(
      (await api(s, stranger.token, "GET", "/repos/acme/app/environments/production/evidence")).status,
    ).toBe(404);
    expect((await api(s, ADMIN, "GET", "/repos/acme/app/environments/staging/evidence")).status).toBe(404);
    const bad = await api(
      s,
      ADMIN,
      "GET",
      "/repos/acme/app/environments/production/evidence?since=yesterday",
    );
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/since/);
    const noEnv = await cli(["evidence"]);
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toMatch(/needs --env NAME/);

    // Each export is in the audit trail, with who took it.
    const trail = await api(s, ADMIN, "GET", "/audit-log?action=environment.export_evidence&per_page=100");
    expect(trail.json.map((e: { actor: string }) => e.actor).sort()).toEqual([
      "admin",
      "admin",
      "admin",
      "rhea",
    ]);
    s.proc.kill("SIGTERM");
  }, 120_000);
});
