// A three-environment promotion on the real server with a real repository, end to end: dev
// deploys at once, staging after a one-minute wait timer (driven by the test clock), production
// after a reviewer's approval (prevent_self_review, main only). The one who started a run cannot
// approve it; a reviewer approves through the API; another run is rejected and fails; a feature
// branch is refused production at once. Deployments and statuses read back in GitHub's shapes, an
// external tool's status starts a deployment_status workflow, the evidence lists the production
// deployment with its approver, and the audit trail holds each decision.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeRemote } from "./git-remote.js";
import { git } from "./harness.js";
import { type ApiAnswer, api, serveWithConfig, until } from "./serve-harness.js";

const ADMIN = "gantry_promotion_e2e_admin_token";

const PROMOTE = `name: Promote
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built
  dev:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: dev
      url: https://dev.example/\${{ github.run_id }}
    steps:
      - run: echo "to dev"
  staging:
    needs: dev
    runs-on: ubuntu-latest
    environment: staging
    steps:
      - run: echo "to staging"
  production:
    needs: staging
    runs-on: ubuntu-latest
    environment:
      name: production
      url: \${{ steps.ship.outputs.url }}
    steps:
      - id: ship
        run: echo "url=https://prod.example/\${{ github.run_id }}" >> "$GITHUB_OUTPUT"
`;

// What a team runs when its deploy tool reports a deployment's state.
const NOTIFY = `name: Notify
on: deployment_status
jobs:
  tell:
    runs-on: ubuntu-latest
    steps:
      - run: echo "deployment \${{ github.event.deployment.id }} to \${{ github.event.deployment.environment }} is \${{ github.event.deployment_status.state }}"
`;

interface Person {
  id: number;
  login: string;
  token: string;
}

const runs = "/repos/acme/app/actions/runs";

describe("gantry serve: promotion through dev, staging and production", () => {
  it("gates, records and reports each stage as GitHub does", async () => {
    const r = makeRemote({
      ".github/workflows/promote.yml": PROMOTE,
      ".github/workflows/notify.yml": NOTIFY,
    });
    git(r.work, "checkout", "-q", "-b", "feature/x");
    git(r.work, "push", "-q", "origin", "feature/x");
    const clock = join(mkdtempSync(join(tmpdir(), "gantry-clock-")), "offset");
    let offset = 0;
    const advance = (ms: number) => {
      offset += ms;
      writeFileSync(clock, String(offset));
    };
    advance(0);
    const s = await serveWithConfig(
      `repo_url_schemes: [file]
limits:
  auth_failures_per_minute: 1000
runners:
  isolation: none
repos:
  - owner: acme
    name: app
    url: ${JSON.stringify(r.origin)}
    environments:
      dev: {}
      staging: { wait_timer: 1 }
`,
      ADMIN,
      [],
      { GANTRY_TEST_CLOCK_FILE: clock },
    );
    const person = async (login: string): Promise<Person> => {
      const made = await api(s, ADMIN, "POST", "/admin/users", { login });
      const token = await api(s, ADMIN, "POST", `/admin/users/${login}/authorizations`, {
        note: "e2e",
        scopes: ["repo"],
      });
      expect(
        (await api(s, ADMIN, "PUT", `/repos/acme/app/collaborators/${login}`, { permission: "write" }))
          .status,
      ).toBe(201);
      return { id: made.json.id, login, token: token.json.token };
    };
    const paula = await person("paula");
    const rob = await person("rob");
    const production = await api(s, ADMIN, "PUT", "/repos/acme/app/environments/production", {
      reviewers: [
        { type: "User", id: paula.id },
        { type: "User", id: rob.id },
      ],
      prevent_self_review: true,
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    });
    expect(production.status, production.text).toBe(200);
    const policy = await api(
      s,
      ADMIN,
      "POST",
      "/repos/acme/app/environments/production/deployment-branch-policies",
      {
        name: "main",
        type: "branch",
      },
    );
    expect(policy.status, policy.text).toBe(200);

    const dispatch = async (by: Person, ref: string): Promise<number> => {
      const started = await api(
        s,
        by.token,
        "POST",
        "/repos/acme/app/actions/workflows/promote.yml/dispatches",
        {
          ref,
          return_run_details: true,
        },
      );
      expect(started.status, started.text).toBe(200);
      return started.json.workflow_run_id;
    };
    const pendingOf = (id: number, env: string): Promise<ApiAnswer> =>
      until(
        () => api(s, ADMIN, "GET", `${runs}/${id}/pending_deployments`),
        (p) =>
          p.status === 200 &&
          p.json.some((x: { environment: { name: string } }) => x.environment.name === env),
      );
    const completed = (id: number) =>
      until(
        () => api(s, ADMIN, "GET", `${runs}/${id}`),
        (x) => x.json.status === "completed",
      );
    const jobsOf = async (id: number) => {
      const list = await api(s, ADMIN, "GET", `${runs}/${id}/jobs`);
      return Object.fromEntries(
        (
          list.json.jobs as Array<{ name: string; conclusion: string | null; status: string; id: number }>
        ).map((j) => [j.name, j]),
      );
    };
    /** Through dev and the staging wait timer, to production's review. */
    const toProduction = async (id: number) => {
      const staging = await pendingOf(id, "staging");
      expect(
        staging.json.find((p: { environment: { name: string } }) => p.environment.name === "staging"),
      ).toMatchObject({
        wait_timer: 1,
        reviewers: [],
      });
      expect((await jobsOf(id)).dev.conclusion).toBe("success");
      advance(61_000);
      return pendingOf(id, "production");
    };

    // 1. Paula starts a promotion; she cannot approve her own production deployment; Rob does.
    const first = await dispatch(paula, "main");
    const waiting = await toProduction(first);
    const prodId = waiting.json[0].environment.id;
    const review = (who: Person, state: string, comment: string) =>
      api(s, who.token, "POST", `${runs}/${first}/pending_deployments`, {
        environment_ids: [prodId],
        state,
        comment,
      });
    const self = await review(paula, "approved", "mine");
    expect(self.status).toBe(403);
    expect(self.json.message).toMatch(/cannot approve your own deployment to production/);
    const approved = await review(rob, "approved", "staging looks good");
    expect(approved.status, approved.text).toBe(200);
    expect((await completed(first)).json.conclusion).toBe("success");

    // 2. A second promotion: Rob rejects it with a comment; production fails, and so does the run.
    const second = await dispatch(paula, "main");
    await toProduction(second);
    const rejected = await api(s, rob.token, "POST", `${runs}/${second}/pending_deployments`, {
      environment_ids: [prodId],
      state: "rejected",
      comment: "not on a Friday",
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect((await completed(second)).json.conclusion).toBe("failure");
    expect((await jobsOf(second)).production.conclusion).toBe("failure");

    // 3. A feature branch goes to dev and staging, but production refuses it at once.
    const third = await dispatch(paula, "feature/x");
    await pendingOf(third, "staging");
    advance(61_000);
    expect((await completed(third)).json.conclusion).toBe("failure");
    const refusedJobs = await jobsOf(third);
    expect(refusedJobs.staging.conclusion).toBe("success");
    expect(refusedJobs.production.conclusion).toBe("failure");
    const refusedLog = await api(
      s,
      ADMIN,
      "GET",
      `/repos/acme/app/actions/jobs/${refusedJobs.production.id}/logs`,
    );
    expect(refusedLog.text).toContain(
      'Branch "feature/x" is not allowed to deploy to production due to environment protection rules.',
    );

    // Deployments in GitHub's shapes: production has the approved one only; dev has three, one active.
    const prod = await api(s, ADMIN, "GET", "/repos/acme/app/deployments?environment=production");
    expect(prod.json).toHaveLength(1);
    expect(prod.json[0]).toMatchObject({
      environment: "production",
      ref: "main",
      production_environment: true,
      creator: { login: "paula" },
    });
    const statuses = await api(s, ADMIN, "GET", `/repos/acme/app/deployments/${prod.json[0].id}/statuses`);
    expect(statuses.json.map((x: { state: string }) => x.state)).toEqual([
      "success",
      "in_progress",
      "queued",
    ]);
    expect(statuses.json[0].environment_url).toBe(`https://prod.example/${first}`);
    const dev = await api(s, ADMIN, "GET", "/repos/acme/app/deployments?environment=dev");
    expect(dev.json).toHaveLength(3);
    const devStates = [];
    for (const d of dev.json)
      devStates.push(
        (await api(s, ADMIN, "GET", `/repos/acme/app/deployments/${d.id}/statuses`)).json[0].state,
      );
    expect(devStates).toEqual(["success", "inactive", "inactive"]);

    // The deploy tool reports production healthy with a person's token: the deployment_status workflow runs.
    const reported = await api(
      s,
      rob.token,
      "POST",
      `/repos/acme/app/deployments/${prod.json[0].id}/statuses`,
      {
        state: "success",
        description: "Argo CD: synced and healthy",
        environment_url: "https://prod.example/",
      },
    );
    expect(reported.status, reported.text).toBe(201);
    const notified = await until(
      () => api(s, ADMIN, "GET", `${runs}?event=deployment_status`),
      (x) => x.json.workflow_runs?.[0]?.status === "completed",
    );
    const notifyRun = notified.json.workflow_runs[0];
    expect(notifyRun).toMatchObject({ name: "Notify", conclusion: "success" });
    const notifyJobs = await jobsOf(notifyRun.id);
    const notifyLog = await api(s, ADMIN, "GET", `/repos/acme/app/actions/jobs/${notifyJobs.tell.id}/logs`);
    expect(notifyLog.text).toContain(`deployment ${prod.json[0].id} to production is success`);

    // The evidence names the production deployment with its approver and comment.
    const evidence = await api(s, ADMIN, "GET", "/repos/acme/app/environments/production/evidence");
    expect(evidence.json.total_count).toBe(1);
    expect(evidence.json.deployments[0]).toMatchObject({
      triggered_by: "paula",
      deploy_run: { id: first },
      approvals: [{ state: "approved", user: "rob", comment: "staging looks good" }],
      flags: { approver_is_author: false, approver_is_triggering_actor: false, unapproved: false },
    });

    // The audit trail holds each decision, with who made it and why.
    const trail = await api(s, ADMIN, "GET", "/audit-log?repo=acme/app&per_page=100&order=asc");
    const decisions = (
      trail.json as Array<{ action: string; actor: string; details: Record<string, unknown> }>
    )
      .filter((e) => /^workflows\.(approve|reject)_workflow_job$/.test(e.action))
      .map((e) => [e.action, e.actor, e.details.comment]);
    expect(decisions).toEqual([
      ["workflows.approve_workflow_job", "rob", "staging looks good"],
      ["workflows.reject_workflow_job", "rob", "not on a Friday"],
    ]);
    s.proc.kill("SIGTERM");
  }, 180_000);
});
