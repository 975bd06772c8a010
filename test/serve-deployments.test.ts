// Deployments on the real server with a real git repository: a job with an environment deploys
// (queued → in_progress → success, its environment.url from a step's output, the job's page as
// log_url) and the previous deployment of the environment becomes inactive; `deployment: false`
// deploys nothing; an external tool's deployment and status (GitHub's REST API, a person's token)
// start the `deployment` and `deployment_status` workflows, `inactive` none, and a job's token
// none (GitHub's GITHUB_TOKEN rule); readers cannot create, a job's token needs deployments: write;
// bad bodies get 422 with the reason and store nothing; GitHub's delete rule; a cancelled deploy
// job leaves its deployment failed.
import { describe, expect, it } from "vitest";
import { git, makeRepo } from "./harness.js";
import { type ApiAnswer, api, type Serve, serveWithConfig, until } from "./serve-harness.js";

const ADMIN = "gantry_deployments_e2e_admin_token";

const DEPLOY = `name: Deploy
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: production
      url: \${{ steps.site.outputs.url }}
    steps:
      - id: site
        run: echo "url=https://app.example.test/run-\${{ github.run_id }}" >> "$GITHUB_OUTPUT"
  check:
    runs-on: ubuntu-latest
    environment:
      name: production
      deployment: false
    steps:
      - run: echo "checked"
`;

/** Listens to both deployment events and says what it got. */
const AFTER = `name: After
on: [deployment, deployment_status]
jobs:
  note:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "event=\${{ github.event_name }} env=\${{ github.event.deployment.environment }} task=\${{ github.event.deployment.task }}"
          echo "state=\${{ github.event.deployment_status.state }} url=\${{ github.event.deployment_status.environment_url }}"
          echo "ref=\${{ github.ref }} sha=\${{ github.sha }} version=\${{ github.event.deployment.payload.version }} sender=\${{ github.event.sender.login }}"
`;

/** A job's token tries to create a deployment, with and without deployments: write. */
const TOKEN = `name: Token
on: workflow_dispatch
jobs:
  granted:
    runs-on: ubuntu-latest
    permissions:
      deployments: write
    steps:
      - env:
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
        run: |
          code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $GITHUB_TOKEN" \\
            -d '{"ref":"main","environment":"from-token","required_contexts":[]}' \\
            "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/deployments")
          echo "granted=$code"
  denied:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - env:
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
        run: |
          code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $GITHUB_TOKEN" \\
            -d '{"ref":"main","environment":"from-token","required_contexts":[]}' \\
            "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/deployments")
          echo "denied=$code"
`;

const CONFIG = (repo: string) => `repo_url_schemes: [file]
limits:
  auth_failures_per_minute: 1000
repos:
  - owner: acme
    name: app
    url: ${repo}
`;

async function userWithToken(s: Serve, login: string, permission?: string): Promise<string> {
  expect((await api(s, ADMIN, "POST", "/admin/users", { login })).status).toBe(201);
  const token = await api(s, ADMIN, "POST", `/admin/users/${login}/authorizations`, { note: "e2e" });
  expect(token.status).toBe(201);
  if (permission)
    expect(
      (await api(s, ADMIN, "PUT", `/repos/acme/app/collaborators/${login}`, { permission })).status,
    ).toBe(201);
  return token.json.token as string;
}

/** Dispatches a workflow on main, waits for the run: the run and its jobs' logs by job name. */
async function dispatch(s: Serve, file: string) {
  const answer = await api(s, ADMIN, "POST", `/repos/acme/app/actions/workflows/${file}/dispatches`, {
    ref: "main",
    return_run_details: true,
  });
  expect(answer.status).toBe(200);
  const id = answer.json.workflow_run_id as number;
  const run = await until(
    () => api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${id}`),
    (r) => r.json.status === "completed",
  );
  return { run: run.json, logs: await jobLogs(s, id) };
}

async function jobLogs(s: Serve, runId: number): Promise<Record<string, { id: number; log: string }>> {
  const jobs = await api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${runId}/jobs`);
  const out: Record<string, { id: number; log: string }> = {};
  for (const j of jobs.json.jobs as Array<{ id: number; name: string }>) {
    const log = await api(s, ADMIN, "GET", `/repos/acme/app/actions/jobs/${j.id}/logs`);
    out[j.name] = { id: j.id, log: log.text };
  }
  return out;
}

/** The runs of one event, completed, oldest first. */
async function runsOf(
  s: Serve,
  event: string,
  count: number,
): Promise<Array<{ id: number; conclusion: string }>> {
  const answer = await until(
    () => api(s, ADMIN, "GET", `/repos/acme/app/actions/runs?event=${event}`),
    (r: ApiAnswer) =>
      r.json.workflow_runs.length >= count &&
      r.json.workflow_runs.every((w: { status: string }) => w.status === "completed"),
  );
  return [...answer.json.workflow_runs].reverse();
}

const deployments = "/repos/acme/app/deployments";

describe("deployments on the real server", () => {
  it("a job deploys with GitHub's statuses; external tools report through the API and start deployment workflows", async () => {
    const repo = makeRepo({
      files: {
        ".github/workflows/deploy.yml": DEPLOY,
        ".github/workflows/after.yml": AFTER,
        ".github/workflows/token.yml": TOKEN,
      },
    });
    const head = git(repo, "rev-parse", "HEAD").trim();
    const s = await serveWithConfig(CONFIG(repo), ADMIN);
    const rita = await userWithToken(s, "rita", "read");
    const wade = await userWithToken(s, "wade", "write");
    const stranger = await userWithToken(s, "stan");

    // A job with an environment deploys; the one with deployment: false does not.
    const first = await dispatch(s, "deploy.yml");
    expect(first.run.conclusion).toBe("success");
    const actor = first.run.actor.login as string;
    let listed = await api(s, rita, "GET", `${deployments}?environment=production`);
    expect(listed.status).toBe(200);
    expect(listed.json).toHaveLength(1);
    const one = listed.json[0];
    expect(one).toMatchObject({
      sha: head,
      ref: "main",
      task: "deploy",
      payload: {},
      environment: "production",
      original_environment: "production",
      creator: { login: actor, type: "User" },
      transient_environment: false,
      production_environment: true,
      statuses_url: `${s.url}/api/v1/repos/acme/app/deployments/${one.id}/statuses`,
    });
    expect((await api(s, rita, "GET", `${deployments}/${one.id}`)).json).toEqual(one);
    const statuses = await api(s, rita, "GET", `${deployments}/${one.id}/statuses`);
    expect(statuses.json.map((x: { state: string }) => x.state)).toEqual([
      "success",
      "in_progress",
      "queued",
    ]);
    const jobPage = `${s.url}/acme/app/jobs/${first.logs.deploy.id}`;
    expect(statuses.json[0]).toMatchObject({
      environment: "production",
      environment_url: `https://app.example.test/run-${first.run.id}`,
      log_url: jobPage,
      target_url: jobPage,
      creator: { login: actor },
      deployment_url: `${s.url}/api/v1/repos/acme/app/deployments/${one.id}`,
    });
    const single = await api(s, rita, "GET", `${deployments}/${one.id}/statuses/${statuses.json[0].id}`);
    expect(single.json).toEqual(statuses.json[0]);

    // The next deployment's success makes the first inactive.
    const second = await dispatch(s, "deploy.yml");
    expect(second.run.conclusion).toBe("success");
    listed = await api(s, rita, "GET", `${deployments}?environment=PRODUCTION`);
    expect(listed.json.map((d: { id: number }) => d.id)).toEqual([expect.any(Number), one.id]);
    const oldStates = await api(s, rita, "GET", `${deployments}/${one.id}/statuses`);
    expect(oldStates.json.map((x: { state: string }) => x.state)).toEqual([
      "inactive",
      "success",
      "in_progress",
      "queued",
    ]);
    const newest = listed.json[0].id as number;
    expect((await api(s, rita, "GET", `${deployments}/${newest}/statuses`)).json[0].state).toBe("success");

    // Roles: a reader reads but cannot create; a stranger does not see the repository.
    const body = { ref: "main", environment: "staging", required_contexts: [], payload: { version: "1.2" } };
    const refused = await api(s, rita, "POST", deployments, body);
    expect(refused.status).toBe(403);
    expect((await api(s, stranger, "GET", deployments)).status).toBe(404);
    expect((await api(s, stranger, "POST", deployments, body)).status).toBe(404);
    expect(
      (await api(s, rita, "POST", `${deployments}/${one.id}/statuses`, { state: "success" })).status,
    ).toBe(403);

    // Bad input: 422 with the reason, nothing stored.
    const bad: Array<[string, unknown, RegExp]> = [
      [deployments, {}, /ref is required/],
      [deployments, { ref: "nope", required_contexts: [] }, /No ref found for: nope/],
      [deployments, { ref: "main~1" }, /ref: a ref must not contain/],
      [
        deployments,
        { ref: "main", environment: " x", required_contexts: [] },
        /cannot start or end with a space/,
      ],
      [deployments, { ref: "main", payload: 3 }, /payload must be an object or a string/],
      [deployments, { ref: "main", surprise: true }, /surprise/],
      [`${deployments}/${newest}/statuses`, { state: "done" }, /state must be one of/],
      [
        `${deployments}/${newest}/statuses`,
        { state: "success", environment_url: "javascript:alert(1)" },
        /environment_url must be an http or https URL/,
      ],
      [
        `${deployments}/${newest}/statuses`,
        { state: "success", description: "x".repeat(141) },
        /at most 140/,
      ],
    ];
    for (const [path, given, reason] of bad) {
      const answer = await api(s, wade, "POST", path, given);
      expect({ path, given, status: answer.status }).toEqual({ path, given, status: 422 });
      expect(answer.text).toMatch(reason);
    }
    const conflict = await api(s, wade, "POST", deployments, { ref: "main", required_contexts: ["Nightly"] });
    expect(conflict.status).toBe(409);
    expect(conflict.json.errors).toEqual([`Nightly: no such check on ${head}`]);
    expect((await api(s, rita, "GET", deployments)).json).toHaveLength(2);
    expect((await api(s, rita, "GET", `${deployments}/${newest}/statuses`)).json).toHaveLength(3);
    expect((await api(s, rita, "GET", `${deployments}/999999`)).status).toBe(404);

    // An external tool (a person's token) deploys: the deployment event starts After.
    const made = await api(s, wade, "POST", deployments, body);
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({
      sha: head,
      ref: "main",
      environment: "staging",
      payload: { version: "1.2" },
      creator: { login: "wade" },
      production_environment: false,
    });
    const [onDeployment] = await runsOf(s, "deployment", 1);
    expect(onDeployment.conclusion).toBe("success");
    const deployLog = (await jobLogs(s, onDeployment.id)).note.log;
    expect(deployLog).toContain("event=deployment env=staging task=deploy");
    expect(deployLog).toContain(`ref=refs/heads/main sha=${head} version=1.2 sender=wade`);
    // Created on first use.
    expect((await api(s, rita, "GET", "/repos/acme/app/environments/staging")).status).toBe(200);

    // Its status: deployment_status starts After, with the state and URL.
    const status = await api(s, wade, "POST", `${deployments}/${made.json.id}/statuses`, {
      state: "success",
      environment_url: "https://staging.example.test",
      log_url: "https://argocd.example.test/applications/app",
      description: "Synced by Argo CD",
    });
    expect(status.status).toBe(201);
    expect(status.json).toMatchObject({
      state: "success",
      environment: "staging",
      environment_url: "https://staging.example.test",
      log_url: "https://argocd.example.test/applications/app",
      target_url: "https://argocd.example.test/applications/app",
      description: "Synced by Argo CD",
      creator: { login: "wade" },
    });
    const [onStatus] = await runsOf(s, "deployment_status", 1);
    const statusLog = (await jobLogs(s, onStatus.id)).note.log;
    expect(statusLog).toContain("event=deployment_status env=staging");
    expect(statusLog).toContain("state=success url=https://staging.example.test");

    // inactive starts none; then the deployment is inactive and may be deleted, unlike an active one.
    const inactive = await api(s, wade, "POST", `${deployments}/${made.json.id}/statuses`, {
      state: "inactive",
    });
    expect(inactive.status).toBe(201);
    const active = await api(s, wade, "DELETE", `${deployments}/${newest}`);
    expect(active.status).toBe(422);
    expect(active.json.message).toMatch(/cannot delete an active deployment/);
    expect((await api(s, rita, "DELETE", `${deployments}/${made.json.id}`)).status).toBe(403);
    expect((await api(s, wade, "DELETE", `${deployments}/${made.json.id}`)).status).toBe(204);
    expect((await api(s, wade, "GET", `${deployments}/${made.json.id}`)).status).toBe(404);

    // A job's token: deployments: write creates one (whose events start nothing), without it 403.
    const token = await dispatch(s, "token.yml");
    expect(token.logs.granted.log).toContain("granted=201");
    expect(token.logs.denied.log).toContain("denied=403");
    const fromToken = await api(s, rita, "GET", `${deployments}?environment=from-token`);
    expect(fromToken.json).toHaveLength(1);
    expect(fromToken.json[0].creator).toMatchObject({ login: "github-actions[bot]", type: "Bot" });

    // Exactly the external tool's events started runs: not the jobs' deployments, not the job's
    // token, not inactive (each would have been stored by now: they start as the request is answered).
    const all = await api(s, ADMIN, "GET", "/repos/acme/app/actions/runs?per_page=100");
    const events = (all.json.workflow_runs as Array<{ event: string }>).map((r) => r.event).sort();
    expect(events).toEqual([
      "deployment",
      "deployment_status",
      "workflow_dispatch",
      "workflow_dispatch",
      "workflow_dispatch",
    ]);

    // Every change is in the audit trail.
    const audit = await api(s, ADMIN, "GET", "/audit-log?action=deployment&per_page=100");
    expect(audit.status).toBe(200);
    const actions = (audit.json as Array<{ action: string; actor: string }>)
      .map((e) => `${e.action}:${e.actor}`)
      .sort();
    expect(actions).toEqual(
      expect.arrayContaining([
        "deployment.create:wade",
        "deployment.delete:wade",
        "deployment.create:github-actions[bot]",
      ]),
    );
  });
});

const SLOW = `name: Slow
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: canary
    steps:
      - run: sleep 120
`;

describe("a cancelled deploy job", () => {
  it("leaves its deployment failed, saying it was cancelled (as GitHub)", async () => {
    const repo = makeRepo({ files: { ".github/workflows/slow.yml": SLOW } });
    const s = await serveWithConfig(CONFIG(repo), ADMIN);
    const answer = await api(s, ADMIN, "POST", "/repos/acme/app/actions/workflows/slow.yml/dispatches", {
      ref: "main",
      return_run_details: true,
    });
    const runId = answer.json.workflow_run_id as number;
    const listed = await until(
      () => api(s, ADMIN, "GET", `${deployments}?environment=canary`),
      (r) => r.json.length === 1,
    );
    const id = listed.json[0].id as number;
    await until(
      () => api(s, ADMIN, "GET", `${deployments}/${id}/statuses`),
      (r) => r.json[0]?.state === "in_progress",
    );
    expect((await api(s, ADMIN, "POST", `/repos/acme/app/actions/runs/${runId}/cancel`)).status).toBe(202);
    await until(
      () => api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${runId}`),
      (r) => r.json.status === "completed",
    );
    const statuses = await until(
      () => api(s, ADMIN, "GET", `${deployments}/${id}/statuses`),
      (r) => r.json.length === 3,
    );
    expect(statuses.json.map((x: { state: string }) => x.state)).toEqual([
      "failure",
      "in_progress",
      "queued",
    ]);
    expect(statuses.json[0].description).toBe("The job was cancelled");
  });
});
