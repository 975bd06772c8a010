// Environments on the real server with a real git repository: declared in the config file, made
// through GitHub's REST API and on a job's first use, read back in GitHub's shapes; bad bodies
// refused with the reason and nothing stored; readers cannot change them, strangers cannot see
// them; a branch the deployment branch policy refuses fails the deploy job at once, without a
// step and without the environment's variables, while an allowed branch deploys; every change is
// in the audit trail.
import { describe, expect, it } from "vitest";
import { git, makeRepo } from "./harness.js";
import { type ApiAnswer, api, type Serve, serveWithConfig, until } from "./serve-harness.js";

const ADMIN = "gantry_envs_e2e_admin_token";

const DEPLOY = `name: Deploy
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: production
      url: https://example.test
    steps:
      - run: echo "deploying to \${{ vars.TARGET }}"
  review:
    runs-on: ubuntu-latest
    environment: review-\${{ github.ref_name }}
    steps:
      - run: echo "review app up"
`;

const CONFIG = (repo: string) => `repo_url_schemes: [file]
limits:
  auth_failures_per_minute: 1000
repos:
  - owner: acme
    name: app
    url: ${repo}
    environments:
      production:
        deployment_branch_policy: { protected_branches: false, custom_branch_policies: true }
        branch_policies:
          - { name: main }
          - { name: "v*", type: tag }
`;

async function userWithToken(s: Serve, login: string): Promise<{ id: number; token: string }> {
  const made = await api(s, ADMIN, "POST", "/admin/users", { login });
  expect(made.status).toBe(201);
  const token = await api(s, ADMIN, "POST", `/admin/users/${login}/authorizations`, { note: "e2e" });
  expect(token.status).toBe(201);
  return { id: made.json.id, token: token.json.token };
}

/** Dispatches deploy.yml on `ref` and waits for the run to complete: its jobs by name. */
async function deployOn(s: Serve, ref: string) {
  const answer = await api(s, ADMIN, "POST", "/repos/acme/app/actions/workflows/deploy.yml/dispatches", {
    ref,
    return_run_details: true,
  });
  expect(answer.status).toBe(200);
  const id = answer.json.workflow_run_id as number;
  const run = await until(
    () => api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${id}`),
    (r) => r.json.status === "completed",
  );
  const jobs = await api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${id}/jobs`);
  const byName: Record<string, { id: number; conclusion: string; steps: unknown[]; log: string }> = {};
  for (const j of jobs.json.jobs as Array<{
    id: number;
    name: string;
    conclusion: string;
    steps: unknown[];
  }>) {
    const log = await api(s, ADMIN, "GET", `/repos/acme/app/actions/jobs/${j.id}/logs`);
    byName[j.name] = { ...j, log: log.text };
  }
  return { run: run.json, jobs: byName };
}

const env = "/repos/acme/app/environments";

describe("environments on the real server", () => {
  it("made by config, API and first use; guarded by role; a refused branch fails the deploy job at once", async () => {
    const repo = makeRepo({ files: { ".github/workflows/deploy.yml": DEPLOY } });
    git(repo, "branch", "feature");
    const s = await serveWithConfig(CONFIG(repo), ADMIN);
    const rita = await userWithToken(s, "rita");
    const olga = await userWithToken(s, "olga");
    expect(
      (await api(s, ADMIN, "PUT", "/repos/acme/app/collaborators/rita", { permission: "read" })).status,
    ).toBe(201);

    // The config's environment, in GitHub's shape.
    const prod = await api(s, rita.token, "GET", `${env}/production`);
    expect(prod.status).toBe(200);
    expect(prod.json).toMatchObject({
      name: "production",
      can_admins_bypass: true,
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      protection_rules: [{ type: "branch_policy" }],
    });
    expect(prod.json.protection_rules[0].id).toEqual(expect.any(Number));
    const policies = await api(s, rita.token, "GET", `${env}/production/deployment-branch-policies`);
    expect(policies.json.total_count).toBe(2);
    expect(
      policies.json.branch_policies.map((p: { name: string; type: string }) => `${p.type}:${p.name}`),
    ).toEqual(["branch:main", "tag:v*"]);

    // Made through the API with every rule.
    const qaBody = {
      wait_timer: 5,
      prevent_self_review: true,
      reviewers: [{ type: "User", id: rita.id }],
      can_admins_bypass: false,
      deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
    };
    const qa = await api(s, ADMIN, "PUT", `${env}/qa`, qaBody);
    expect(qa.status).toBe(200);
    expect(qa.json).toMatchObject({
      name: "qa",
      can_admins_bypass: false,
      deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
    });
    expect(qa.json.protection_rules).toEqual([
      expect.objectContaining({ type: "wait_timer", wait_timer: 5 }),
      expect.objectContaining({
        type: "required_reviewers",
        prevent_self_review: true,
        reviewers: [{ type: "User", reviewer: expect.objectContaining({ login: "rita", id: rita.id }) }],
      }),
      expect.objectContaining({ type: "branch_policy" }),
    ]);

    // Bad bodies: 422 with the reason, nothing stored.
    const refusals: Array<[unknown, RegExp]> = [
      [{ wait_timer: 43_201 }, /wait_timer must be between 0 and 43200/],
      [
        { reviewers: Array.from({ length: 7 }, () => ({ type: "User", id: rita.id })) },
        /at most 6 reviewers/,
      ],
      [{ reviewers: [{ type: "User", id: 99_999 }] }, /no user has the id 99999/],
      [{ reviewers: [{ type: "User", id: olga.id }] }, /olga cannot read acme\/app/],
      [
        { deployment_branch_policy: { protected_branches: true, custom_branch_policies: true } },
        /exactly one/,
      ],
      [{ deployment_branch_policy: { custom_branch_policies: true } }, /protected_branches/],
    ];
    for (const [body, reason] of refusals) {
      const refused: ApiAnswer = await api(s, ADMIN, "PUT", `${env}/qa`, body);
      expect(refused.status, JSON.stringify(body)).toBe(422);
      expect(refused.text).toMatch(reason);
      expect((await api(s, ADMIN, "PUT", `${env}/other`, body)).status).toBe(422);
    }
    expect((await api(s, ADMIN, "GET", `${env}/qa`)).json).toEqual(qa.json);
    expect((await api(s, ADMIN, "GET", `${env}/other`)).status).toBe(404);
    // Custom policies while the environment takes protected branches only; a malformed pattern.
    const noCustom = await api(s, ADMIN, "POST", `${env}/qa/deployment-branch-policies`, { name: "main" });
    expect(noCustom.status).toBe(422);
    expect(noCustom.text).toMatch(/custom_branch_policies/);
    for (const bad of [{ name: "" }, { name: "a b" }, { name: "main", type: "commit" }]) {
      expect((await api(s, ADMIN, "POST", `${env}/production/deployment-branch-policies`, bad)).status).toBe(
        422,
      );
    }
    expect(
      (await api(s, ADMIN, "GET", `${env}/production/deployment-branch-policies`)).json.total_count,
    ).toBe(2);

    // A policy added, renamed and removed through the API.
    const added = await api(s, ADMIN, "POST", `${env}/production/deployment-branch-policies`, {
      name: "release/*",
    });
    expect(added.status).toBe(200);
    expect(added.json).toMatchObject({ name: "release/*", type: "branch" });
    const one = `${env}/production/deployment-branch-policies/${added.json.id}`;
    expect((await api(s, rita.token, "GET", one)).json.name).toBe("release/*");
    expect((await api(s, ADMIN, "PUT", one, { name: "hotfix/*" })).json).toMatchObject({ name: "hotfix/*" });
    expect(
      (await api(s, ADMIN, "POST", `${env}/production/deployment-branch-policies`, { name: "main" })).status,
    ).toBe(409);

    // A reader reads and cannot change; a stranger does not see the repository.
    expect((await api(s, rita.token, "GET", env)).status).toBe(200);
    expect((await api(s, rita.token, "PUT", `${env}/qa`, { wait_timer: 0 })).status).toBe(403);
    expect((await api(s, rita.token, "DELETE", `${env}/qa`)).status).toBe(403);
    expect((await api(s, rita.token, "PUT", `${env}/mine`, {})).status).toBe(403);
    expect(
      (await api(s, rita.token, "POST", `${env}/production/deployment-branch-policies`, { name: "x" }))
        .status,
    ).toBe(403);
    expect((await api(s, rita.token, "DELETE", one)).status).toBe(403);
    for (const [method, path] of [
      ["GET", env],
      ["GET", `${env}/production`],
      ["PUT", `${env}/qa`],
      ["DELETE", `${env}/qa`],
      ["GET", `${env}/production/deployment-branch-policies`],
    ]) {
      expect((await api(s, olga.token, method, path, method === "PUT" ? {} : undefined)).status).toBe(404);
    }
    expect((await api(s, ADMIN, "DELETE", one)).status).toBe(204);
    expect((await api(s, ADMIN, "GET", one)).status).toBe(404);

    // The environment's variable reaches only a job the policy lets deploy.
    const variable = await api(s, ADMIN, "POST", `${env}/production/variables`, {
      name: "TARGET",
      value: "prod-cluster-7",
    });
    expect(variable.status).toBe(201);

    const onMain = await deployOn(s, "main");
    expect(onMain.jobs.deploy.conclusion).toBe("success");
    expect(onMain.jobs.deploy.log).toContain("deploying to prod-cluster-7");
    expect(onMain.jobs["review"].conclusion).toBe("success");

    const onFeature = await deployOn(s, "feature");
    expect(onFeature.run.conclusion).toBe("failure");
    const refused = onFeature.jobs.deploy;
    expect(refused.conclusion).toBe("failure");
    expect(refused.steps).toEqual([]);
    expect(refused.log).toContain(
      'Branch "feature" is not allowed to deploy to production due to environment protection rules.',
    );
    expect(refused.log).not.toContain("prod-cluster-7");
    expect(refused.log).not.toContain("deploying");
    // The other job's environment has no rules: it runs.
    expect(onFeature.jobs.review.conclusion).toBe("success");

    // Created on first use, by name as the job evaluated it.
    const listed = await api(s, rita.token, "GET", env);
    expect(listed.json.total_count).toBe(4);
    expect(listed.json.environments.map((e: { name: string }) => e.name)).toEqual([
      "production",
      "qa",
      "review-feature",
      "review-main",
    ]);
    expect(listed.json.environments[2]).toMatchObject({
      protection_rules: [],
      deployment_branch_policy: null,
    });

    // Deleted with its variables.
    expect((await api(s, ADMIN, "DELETE", `${env}/qa`)).status).toBe(204);
    expect((await api(s, ADMIN, "GET", `${env}/qa`)).status).toBe(404);
    expect((await api(s, ADMIN, "DELETE", `${env}/qa`)).status).toBe(404);

    // The audit trail has each change with GitHub's action names.
    const trail = await api(s, ADMIN, "GET", "/audit-log?repo=acme/app&per_page=100&order=asc");
    const seen = (trail.json as Array<{ action: string; actor: string; details: Record<string, unknown> }>)
      .filter((e) => e.action.startsWith("environment."))
      .map((e) => `${e.action} ${e.actor} ${String(e.details.environment)}`);
    expect(seen).toEqual([
      "environment.create gantry production",
      "environment.add_protection_rule gantry production",
      "environment.update_protection_rule gantry production",
      "environment.update_protection_rule gantry production",
      "environment.create admin qa",
      "environment.add_protection_rule admin qa",
      "environment.add_protection_rule admin qa",
      "environment.add_protection_rule admin qa",
      "environment.update_protection_rule admin production",
      "environment.update_protection_rule admin production",
      "environment.update_protection_rule admin production",
      "environment.create_actions_variable admin production",
      "environment.create gantry review-main",
      "environment.create gantry review-feature",
      "environment.delete admin qa",
    ]);
  }, 120_000);

  it("refuses a config whose environment it cannot keep, naming it", async () => {
    const repo = makeRepo({ files: { ".github/workflows/deploy.yml": DEPLOY } });
    const bad = `repo_url_schemes: [file]
repos:
  - owner: acme
    name: app
    url: ${repo}
    environments:
      production:
        wait_timer: 50000
`;
    await expect(serveWithConfig(bad, ADMIN)).rejects.toThrow(/environments\.production\.wait_timer/);
    const unknown = `repo_url_schemes: [file]
repos:
  - owner: acme
    name: app
    url: ${repo}
    environments:
      production:
        reviewers: [{ type: User, id: 4242 }]
`;
    await expect(serveWithConfig(unknown, ADMIN)).rejects.toThrow(
      /environments\.production: .*no user has the id 4242/,
    );
  }, 60_000);
});
