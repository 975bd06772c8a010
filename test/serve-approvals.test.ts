// Environments' protection rules on the real server with real git repositories: a deploy job
// waits (job and run `waiting`) for a required reviewer and its wait timer; GitHub's
// pending_deployments and approvals routes review it; the one who started the run cannot approve
// under prevent_self_review, and neither can a reader, a stranger or a job's own GITHUB_TOKEN;
// a rejection fails the run; a cancel ends the wait; one approval covers every job of the attempt
// that deploys to the environment; the wait timer and the 30-day expiry run on a test clock; a
// run waiting when the server died keeps waiting after its restart; each decision is audited.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, makeRepo } from "./harness.js";
import { type ApiAnswer, api, exited, type Serve, serve, serveWithConfig, until } from "./serve-harness.js";

const ADMIN = "gantry_approvals_e2e_admin_token";

const CONFIG = (repo: string) => `repo_url_schemes: [file]
limits:
  auth_failures_per_minute: 1000
runners:
  isolation: none
repos:
  - owner: acme
    name: app
    url: ${repo}
`;

// A job of the run that tries to approve the deployment with its own GITHUB_TOKEN once it waits.
const SNEAK = `node -e '
const base = process.env.GITHUB_API_URL + "/repos/" + process.env.GITHUB_REPOSITORY + "/actions/runs/" + process.env.GITHUB_RUN_ID + "/pending_deployments";
const headers = { authorization: "Bearer " + process.env.TOKEN, "content-type": "application/json" };
(async () => {
  for (let i = 0; i < 600; i++) {
    const got = await fetch(base, { headers });
    const pending = await got.json();
    if (Array.isArray(pending) && pending.length > 0) {
      const ids = pending.map((p) => p.environment.id);
      const res = await fetch(base, { method: "POST", headers, body: JSON.stringify({ environment_ids: ids, state: "approved", comment: "me" }) });
      console.log("sneak got " + res.status);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log("sneak saw nothing waiting");
})();
'`;

const DEPLOY = `name: Deploy
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built
  sneak:
    needs: build
    runs-on: ubuntu-latest
    # The most a job's token can have: still no reviewer.
    permissions: write-all
    env:
      TOKEN: \${{ github.token }}
    steps:
      - run: |
          ${SNEAK.split("\n").join("\n          ")}
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: echo "deploying to \${{ vars.TARGET }}"
`;

const SIMPLE = `name: Simple
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: echo "deploying to \${{ vars.TARGET }}"
`;

const MATRIX = `name: Matrix
on: workflow_dispatch
jobs:
  deploy:
    strategy:
      matrix:
        region: [east, west, north]
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: echo "deploying \${{ matrix.region }}"
  smoke:
    needs: deploy
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: echo "smoke test"
`;

interface Person {
  id: number;
  login: string;
  token: string;
}

async function person(s: Serve, login: string, permission?: string): Promise<Person> {
  const made = await api(s, ADMIN, "POST", "/admin/users", { login });
  expect(made.status).toBe(201);
  const token = await api(s, ADMIN, "POST", `/admin/users/${login}/authorizations`, {
    note: "e2e",
    scopes: ["repo"],
  });
  expect(token.status).toBe(201);
  if (permission)
    expect(
      (await api(s, ADMIN, "PUT", `/repos/acme/app/collaborators/${login}`, { permission })).status,
    ).toBe(201);
  return { id: made.json.id, login, token: token.json.token };
}

const runs = "/repos/acme/app/actions/runs";

async function dispatch(s: Serve, token: string, file: string): Promise<number> {
  const answer = await api(s, token, "POST", `/repos/acme/app/actions/workflows/${file}/dispatches`, {
    ref: "main",
    return_run_details: true,
  });
  expect(answer.status, answer.text).toBe(200);
  return answer.json.workflow_run_id as number;
}

function waiting(s: Serve, id: number): Promise<ApiAnswer> {
  return until(
    () => api(s, ADMIN, "GET", `${runs}/${id}/pending_deployments`),
    (r) => r.status === 200 && r.json.length > 0,
  );
}

function completed(s: Serve, id: number, attempt = 1): Promise<ApiAnswer> {
  return until(
    () => api(s, ADMIN, "GET", `${runs}/${id}`),
    (r) => r.json.run_attempt === attempt && r.json.status === "completed",
  );
}

async function jobsOf(s: Serve, id: number) {
  const jobs = (await api(s, ADMIN, "GET", `${runs}/${id}/jobs?per_page=100`)).json.jobs as Array<{
    id: number;
    name: string;
    status: string;
    conclusion: string | null;
    steps: unknown[];
  }>;
  const out: Record<string, (typeof jobs)[number] & { log: string }> = {};
  for (const j of jobs)
    out[j.name] = {
      ...j,
      log: (await api(s, ADMIN, "GET", `/repos/acme/app/actions/jobs/${j.id}/logs`)).text,
    };
  return out;
}

async function putEnvironment(s: Serve, name: string, body: unknown): Promise<number> {
  const put = await api(s, ADMIN, "PUT", `/repos/acme/app/environments/${name}`, body);
  expect(put.status, put.text).toBe(200);
  return put.json.id as number;
}

async function trail(s: Serve, prefix: string) {
  const all = await api(s, ADMIN, "GET", "/audit-log?repo=acme/app&per_page=100&order=asc");
  return (all.json as Array<{ action: string; actor: string; details: Record<string, unknown> }>).filter(
    (e) => e.action.startsWith(prefix),
  );
}

describe("deployment reviews on the real server", () => {
  it("a deploy job waits for a reviewer; self-review, readers, strangers and a job's token are refused; an approval runs it", async () => {
    const repo = makeRepo({ files: { ".github/workflows/deploy.yml": DEPLOY } });
    const s = await serveWithConfig(CONFIG(repo), ADMIN);
    const rita = await person(s, "rita", "write");
    const ravi = await person(s, "ravi", "read");
    const olga = await person(s, "olga", "read");
    const stranger = await person(s, "stranger");
    const envId = await putEnvironment(s, "production", {
      reviewers: [
        { type: "User", id: rita.id },
        { type: "User", id: ravi.id },
      ],
      prevent_self_review: true,
      can_admins_bypass: false,
    });
    expect(
      (
        await api(s, ADMIN, "POST", "/repos/acme/app/environments/production/variables", {
          name: "TARGET",
          value: "prod-cluster-7",
        })
      ).status,
    ).toBe(201);

    const id = await dispatch(s, rita.token, "deploy.yml");
    const pending = await waiting(s, id);
    const run = await until(
      () => api(s, ADMIN, "GET", `${runs}/${id}`),
      (r) => r.json.status === "waiting",
    );
    expect(run.json.status).toBe("waiting");
    const waitingJobs = await until(
      () => jobsOf(s, id),
      (j) => j.deploy?.status === "waiting",
    );
    expect(waitingJobs.deploy.steps).toEqual([]);
    expect(pending.json).toEqual([
      {
        environment: {
          id: envId,
          node_id: expect.any(String),
          name: "production",
          url: expect.stringMatching(/\/api\/v1\/repos\/acme\/app\/environments\/production$/),
          html_url: expect.any(String),
        },
        wait_timer: 0,
        wait_timer_started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        current_user_can_approve: false,
        reviewers: [
          { type: "User", reviewer: expect.objectContaining({ login: "rita", id: rita.id }) },
          { type: "User", reviewer: expect.objectContaining({ login: "ravi", id: ravi.id }) },
        ],
        wait_timer_ends_at: expect.any(String),
        approved: false,
      },
    ]);
    const path = `${runs}/${id}/pending_deployments`;
    expect((await api(s, ravi.token, "GET", path)).json[0].current_user_can_approve).toBe(true);
    // rita started the run: prevent_self_review keeps her from approving it.
    expect((await api(s, rita.token, "GET", path)).json[0].current_user_can_approve).toBe(false);
    const approve = { environment_ids: [envId], state: "approved", comment: "ship it" };
    const own = await api(s, rita.token, "POST", path, approve);
    expect(own.status).toBe(403);
    expect(own.json.message).toMatch(/cannot approve your own deployment to production/);
    // A reader who is no reviewer; the admin when admins may not bypass; a stranger.
    const reader = await api(s, olga.token, "POST", path, approve);
    expect(reader.status).toBe(403);
    expect(reader.json.message).toMatch(/not a required reviewer of the environment production/);
    expect((await api(s, ADMIN, "POST", path, approve)).status).toBe(403);
    // The reviewer's own token without the repo scope (one made to read) does not decide.
    const readOnly = await api(s, ADMIN, "POST", "/admin/users/ravi/authorizations", {
      note: "read only",
      scopes: ["user"],
    });
    expect(readOnly.status).toBe(201);
    const unscoped = await api(s, readOnly.json.token, "POST", path, approve);
    expect(unscoped.status).toBe(403);
    expect(unscoped.json.message).toMatch(/repo scope/);
    expect((await api(s, stranger.token, "POST", path, approve)).status).toBe(404);
    expect((await api(s, stranger.token, "GET", path)).status).toBe(404);
    // Bad input: clean 422s naming the problem, nothing decided.
    const unknown = await api(s, ravi.token, "POST", path, { ...approve, environment_ids: [987654] });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toMatch(/987654 is not an environment this run waits on/);
    for (const bad of [
      { ...approve, state: "maybe" },
      { environment_ids: [envId], state: "approved" },
      { ...approve, environment_ids: [] },
      { ...approve, environment_ids: ["x"] },
    ]) {
      const refused = await api(s, ravi.token, "POST", path, bad);
      expect(refused.status, JSON.stringify(bad)).toBe(422);
    }
    const notJson = await fetch(`${s.url}/api/v1${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${ravi.token}`, "content-type": "application/json" },
      body: "{",
    });
    expect(notJson.status).toBe(400);
    // Another job of the run tried with its own GITHUB_TOKEN: refused.
    const sneaked = await until(
      () => jobsOf(s, id),
      (j) => j.sneak?.status === "completed",
    );
    expect(sneaked.sneak.log).toContain("sneak got 403");
    expect((await api(s, ADMIN, "GET", `${runs}/${id}/approvals`)).json).toEqual([]);
    expect((await api(s, ADMIN, "GET", `${runs}/${id}`)).json.status).toBe("waiting");

    // A reviewer approves: the job runs, with the environment's variable.
    const approved = await api(s, ravi.token, "POST", path, approve);
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json[0]).toMatchObject({
      state: "approved",
      comment: "ship it",
      user: { login: "ravi" },
    });
    const again = await api(s, ravi.token, "POST", path, approve);
    expect(again.status).toBe(422);
    const done = await completed(s, id);
    expect(done.json.conclusion).toBe("success");
    const jobs = await jobsOf(s, id);
    expect(jobs.deploy.conclusion).toBe("success");
    expect(jobs.deploy.log).toContain("deploying to prod-cluster-7");
    expect((await api(s, ravi.token, "GET", path)).json).toEqual([]);
    const late = await api(s, ravi.token, "POST", path, approve);
    expect(late.status).toBe(422);
    expect(late.text).toMatch(/not waiting for a deployment review/);

    const approvals = await api(s, olga.token, "GET", `${runs}/${id}/approvals`);
    expect(approvals.status).toBe(200);
    expect(approvals.json).toEqual([
      expect.objectContaining({
        environments: [expect.objectContaining({ id: envId, name: "production" })],
        state: "approved",
        user: expect.objectContaining({ login: "ravi", id: ravi.id }),
        comment: "ship it",
        bypass: false,
      }),
    ]);
    const decisions = await trail(s, "workflows.approve_workflow_job");
    expect(decisions).toEqual([
      expect.objectContaining({
        actor: "ravi",
        details: expect.objectContaining({
          run_id: id,
          environments: ["production"],
          comment: "ship it",
          triggered_by: "rita",
          bypass: false,
        }),
      }),
    ]);
  }, 180_000);

  it("a rejection fails the job and the run; a cancel ends the wait", async () => {
    const repo = makeRepo({ files: { ".github/workflows/simple.yml": SIMPLE } });
    const s = await serveWithConfig(CONFIG(repo), ADMIN);
    const ravi = await person(s, "ravi", "read");
    const envId = await putEnvironment(s, "production", { reviewers: [{ type: "User", id: ravi.id }] });

    const id = await dispatch(s, ADMIN, "simple.yml");
    await waiting(s, id);
    const path = `${runs}/${id}/pending_deployments`;
    const rejected = await api(s, ravi.token, "POST", path, {
      environment_ids: [envId],
      state: "rejected",
      comment: "not today",
    });
    expect(rejected.status, rejected.text).toBe(200);
    const done = await completed(s, id);
    expect(done.json.conclusion).toBe("failure");
    const jobs = await jobsOf(s, id);
    expect(jobs.deploy.conclusion).toBe("failure");
    expect(jobs.deploy.steps).toEqual([]);
    expect(jobs.deploy.log).toContain(
      "The deployment was rejected or didn't satisfy other protection rules.",
    );
    expect(jobs.deploy.log).not.toContain("deploying");
    expect((await api(s, ADMIN, "GET", `${runs}/${id}/approvals`)).json).toEqual([
      expect.objectContaining({
        state: "rejected",
        comment: "not today",
        user: expect.objectContaining({ login: "ravi" }),
      }),
    ]);
    expect(
      (await trail(s, "workflows.reject_workflow_job")).map((e) => [e.actor, e.details.comment]),
    ).toEqual([["ravi", "not today"]]);

    const second = await dispatch(s, ADMIN, "simple.yml");
    await waiting(s, second);
    expect((await api(s, ADMIN, "POST", `${runs}/${second}/cancel`)).status).toBe(202);
    const cancelled = await completed(s, second);
    expect(cancelled.json.conclusion).toBe("cancelled");
    expect((await jobsOf(s, second)).deploy.conclusion).toBe("cancelled");
    expect((await api(s, ADMIN, "GET", `${runs}/${second}/pending_deployments`)).json).toEqual([]);
    const late = await api(s, ravi.token, "POST", `${runs}/${second}/pending_deployments`, {
      environment_ids: [envId],
      state: "approved",
      comment: "too late",
    });
    expect(late.status).toBe(422);
  }, 120_000);

  it("one approval lets every job of the attempt that deploys to the environment go on: 3 matrix legs and a later job; a re-run asks again", async () => {
    const repo = makeRepo({ files: { ".github/workflows/matrix.yml": MATRIX } });
    const s = await serveWithConfig(CONFIG(repo), ADMIN);
    const ravi = await person(s, "ravi", "read");
    const envId = await putEnvironment(s, "production", { reviewers: [{ type: "User", id: ravi.id }] });

    const id = await dispatch(s, ADMIN, "matrix.yml");
    const legs = await until(
      () => jobsOf(s, id),
      (j) => Object.values(j).filter((job) => job.status === "waiting").length === 3,
    );
    expect(Object.keys(legs).sort()).toEqual(["deploy (east)", "deploy (north)", "deploy (west)"]);
    const pending = await waiting(s, id);
    expect(pending.json.map((p: { environment: { name: string } }) => p.environment.name)).toEqual([
      "production",
    ]);
    const approve = { environment_ids: [envId], state: "approved", comment: "all regions" };
    expect((await api(s, ravi.token, "POST", `${runs}/${id}/pending_deployments`, approve)).status).toBe(200);
    const done = await completed(s, id);
    expect(done.json.conclusion).toBe("success");
    const jobs = await jobsOf(s, id);
    expect(
      Object.values(jobs)
        .map((j) => `${j.name}: ${j.conclusion}`)
        .sort(),
    ).toEqual([
      "deploy (east): success",
      "deploy (north): success",
      "deploy (west): success",
      "smoke: success",
    ]);
    expect(jobs.smoke.log).toContain("smoke test");
    expect((await api(s, ADMIN, "GET", `${runs}/${id}/approvals`)).json).toHaveLength(1);

    // The next attempt is a new decision.
    expect((await api(s, ADMIN, "POST", `${runs}/${id}/rerun`)).status).toBe(201);
    const again = await until(
      () => api(s, ADMIN, "GET", `${runs}/${id}/pending_deployments`),
      (r) => r.json.length > 0,
    );
    expect(again.json[0].environment.id).toBe(envId);
    expect((await api(s, ADMIN, "GET", `${runs}/${id}`)).json.run_attempt).toBe(2);
    // Through the CLI, as the reviewer: a wrong environment first (exit 1, saying what it waits on).
    const cli = { env: { GANTRY_SERVER: s.url, GANTRY_TOKEN: ravi.token } };
    const wrong = await gantry(repo, ["approve", String(id), "--env", "staging", "--repo", "acme/app"], cli);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      `run ${id} does not wait on the environment staging (it waits on production)`,
    );
    const viaCli = await gantry(
      repo,
      ["approve", String(id), "--env", "production", "--comment", "again", "--repo", "acme/app"],
      cli,
    );
    expect(viaCli.code, viaCli.stderr).toBe(0);
    expect(viaCli.stdout).toContain(`✓ Approved the deployment of run ${id} to production.`);
    expect((await completed(s, id, 2)).json.conclusion).toBe("success");
    const approvals = (await api(s, ADMIN, "GET", `${runs}/${id}/approvals`)).json as Array<{
      run_attempt: number;
      comment: string;
    }>;
    expect(approvals.map((a) => [a.run_attempt, a.comment])).toEqual([
      [1, "all regions"],
      [2, "again"],
    ]);
  }, 180_000);

  it("wait timers and the 30-day expiry on a test clock; an admin's bypass; a waiting run keeps waiting across a restart", async () => {
    const repo = makeRepo({
      files: {
        ".github/workflows/simple.yml": SIMPLE,
        ".github/workflows/staging.yml": SIMPLE.replace("name: Simple", "name: Staging").replace(
          "environment: production",
          "environment: staging",
        ),
      },
    });
    const clock = join(mkdtempSync(join(tmpdir(), "gantry-clock-")), "offset");
    writeFileSync(clock, "0");
    const env = { GANTRY_TEST_CLOCK_FILE: clock };
    const s = await serveWithConfig(CONFIG(repo), ADMIN, [], env);
    expect(s.stderr()).toMatch(/TEST CLOCK/);
    const ravi = await person(s, "ravi", "read");
    await putEnvironment(s, "staging", { wait_timer: 1, can_admins_bypass: false });
    const prodId = await putEnvironment(s, "production", {
      wait_timer: 10,
      reviewers: [{ type: "User", id: ravi.id }],
      can_admins_bypass: true,
    });

    // A one-minute wait timer: the job waits until the clock moved a minute on.
    const timed = await dispatch(s, ADMIN, "staging.yml");
    const pending = await waiting(s, timed);
    expect(pending.json[0]).toMatchObject({
      environment: { name: "staging" },
      wait_timer: 1,
      current_user_can_approve: false,
      reviewers: [],
    });
    expect(
      Date.parse(pending.json[0].wait_timer_ends_at) - Date.parse(pending.json[0].wait_timer_started_at),
    ).toBe(60_000);
    expect((await api(s, ADMIN, "GET", `${runs}/${timed}`)).json.status).toBe("waiting");
    writeFileSync(clock, String(61_000));
    expect((await completed(s, timed)).json.conclusion).toBe("success");

    // An admin bypasses production's reviewer and its 10-minute timer: recorded as a bypass.
    const bypassed = await dispatch(s, ADMIN, "simple.yml");
    await waiting(s, bypassed);
    const pendingBypass = await api(s, ADMIN, "GET", `${runs}/${bypassed}/pending_deployments`);
    expect(pendingBypass.json[0].current_user_can_approve).toBe(true);
    const bypass = await api(s, ADMIN, "POST", `${runs}/${bypassed}/pending_deployments`, {
      environment_ids: [prodId],
      state: "approved",
      comment: "hotfix",
    });
    expect(bypass.status, bypass.text).toBe(200);
    expect(bypass.json[0].bypass).toBe(true);
    expect((await completed(s, bypassed)).json.conclusion).toBe("success");
    expect(
      (await trail(s, "environment.bypass_protection_rules")).map((e) => [e.actor, e.details.comment]),
    ).toEqual([["admin", "hotfix"]]);

    // Waiting when the server dies: after the restart it still waits, with its recorded start.
    const held = await dispatch(s, ADMIN, "simple.yml");
    const before = await waiting(s, held);
    s.proc.kill("SIGKILL");
    await exited(s.proc);
    const again = await serve(s.args, { GANTRY_ADMIN_TOKEN: ADMIN, ...env });
    const after = await waiting(again, held);
    expect(after.json[0].wait_timer_started_at).toBe(before.json[0].wait_timer_started_at);
    expect(
      (
        await until(
          () => api(again, ADMIN, "GET", `${runs}/${held}`),
          (r) => r.json.status === "waiting",
        )
      ).json.status,
    ).toBe("waiting");
    const approved = await api(again, ravi.token, "POST", `${runs}/${held}/pending_deployments`, {
      environment_ids: [prodId],
      state: "approved",
      comment: "after the restart",
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json[0].bypass).toBe(false);
    // Approved, the job still waits for production's 10-minute timer, started before the restart.
    const timerLeft = await api(again, ADMIN, "GET", `${runs}/${held}/pending_deployments`);
    expect(timerLeft.json[0]).toMatchObject({ approved: true, current_user_can_approve: false });
    writeFileSync(clock, String(61_000 + 11 * 60_000));
    const ran = await completed(again, held);
    expect(ran.json.conclusion).toBe("success");

    // 30 days without a decision: the job fails.
    const forgotten = await dispatch(again, ADMIN, "simple.yml");
    await waiting(again, forgotten);
    writeFileSync(clock, String(61_000 + 11 * 60_000 + 31 * 24 * 3600_000));
    const expired = await completed(again, forgotten);
    expect(expired.json.conclusion).toBe("failure");
    const jobs = await jobsOf(again, forgotten);
    expect(jobs.deploy.log).toContain("not approved within 30 days");
    expect(jobs.deploy.steps).toEqual([]);
  }, 240_000);
});
