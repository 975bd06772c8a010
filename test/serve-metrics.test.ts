// Delivery metrics on the real server with a real repository: production is deployed, two changes
// committed an hour and two hours back are deployed (failing once, then succeeding), then it fails
// again. The API and `gantry metrics` give the deployment counts, the changes' lead times from
// their commits, the change failure rate, the time to restore from the deployments' own statuses,
// and since when production is failing. Readers may read them; strangers and bad windows may not.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, makeRepo } from "./harness.js";
import { api, type Serve, serveWithConfig, until } from "./serve-harness.js";

const ADMIN = "gantry_metrics_e2e_admin_token";

const DEPLOY = `name: Deploy
on:
  workflow_dispatch:
    inputs:
      fail:
        type: boolean
        default: false
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: test "\${{ inputs.fail }}" != "true"
`;

const HOUR = 3_600_000;

/** A commit whose committer date is `ago` ms back. */
function commitAgo(repo: string, file: string, ago: number): void {
  writeFileSync(join(repo, file), `${file}\n`);
  const env = { ...process.env, GIT_COMMITTER_DATE: new Date(Date.now() - ago).toISOString() };
  execFileSync("git", ["add", file], { cwd: repo });
  execFileSync("git", ["commit", "-q", "-m", `change ${file}`], { cwd: repo, env });
}

/** Dispatches the deploy workflow and waits for its run; resolves to its conclusion. */
async function deploy(s: Serve, fail: boolean): Promise<string> {
  const started = await api(s, ADMIN, "POST", "/repos/acme/app/actions/workflows/deploy.yml/dispatches", {
    ref: "main",
    inputs: { fail },
    return_run_details: true,
  });
  expect(started.status, started.text).toBe(200);
  const done = await until(
    () => api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${started.json.workflow_run_id}`),
    (r) => r.json.status === "completed",
  );
  return done.json.conclusion;
}

/** When each deployment to production (newest first) ended: its latest status's time. */
async function endings(s: Serve): Promise<string[]> {
  const list = await api(s, ADMIN, "GET", "/repos/acme/app/deployments?environment=production");
  const out: string[] = [];
  for (const d of list.json as Array<{ id: number }>) {
    const statuses = await api(s, ADMIN, "GET", `/repos/acme/app/deployments/${d.id}/statuses`);
    const last = (statuses.json as Array<{ state: string; created_at: string }>).find(
      (x) => x.state !== "inactive",
    );
    out.push(last?.created_at ?? "");
  }
  return out;
}

const metrics = (s: Serve, token: string, query = "") =>
  api(s, token, "GET", `/repos/acme/app/environments/production/metrics${query}`);

describe("delivery metrics", () => {
  it("give frequency, lead time, failure rate and time to restore from deployments and commits", async () => {
    const repo = makeRepo({ files: { ".github/workflows/deploy.yml": DEPLOY } });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      ADMIN,
    );
    expect(await deploy(s, false)).toBe("success");
    commitAgo(repo, "a.txt", 2 * HOUR);
    commitAgo(repo, "b.txt", HOUR);
    expect(await deploy(s, true)).toBe("failure");
    expect(await deploy(s, false)).toBe("success");

    const m = await metrics(s, ADMIN);
    expect(m.status, m.text).toBe(200);
    expect(m.json).toMatchObject({
      repository: "acme/app",
      environment: "production",
      days: 30,
      deployments: { succeeded: 2, failed: 1 },
      change_failure_rate: 0.333,
      time_to_restore: { restored: 1, unrestored_since: null },
    });
    expect(m.json.deployment_frequency).toEqual({ per_day: 0.067, per_week: 0.467 });
    // Three changes: the first deployment's commit (seconds old), then the two: median one hour.
    const lead = m.json.lead_time_for_changes;
    expect(lead.changes).toBe(3);
    expect(lead.median_seconds).toBeGreaterThanOrEqual(3600);
    expect(lead.median_seconds).toBeLessThan(3600 + 600);
    expect(lead.p90_seconds).toBeGreaterThanOrEqual(7200);
    expect(lead.p90_seconds).toBeLessThan(7200 + 600);
    // Restored: from the failed deployment's failure to the next one's success (the statuses'
    // times are to the second, the server's own to the millisecond).
    const [restoredAt, failedAt] = await endings(s);
    const restore = (Date.parse(restoredAt) - Date.parse(failedAt)) / 1000;
    expect(Math.abs(m.json.time_to_restore.median_seconds - restore)).toBeLessThanOrEqual(1);

    // Failing again: said, with since when; a window after it holds no deployment, but production
    // is still down.
    expect(await deploy(s, true)).toBe("failure");
    const [downAt] = await endings(s);
    const down = await metrics(s, ADMIN);
    expect(down.json.deployments).toEqual({ succeeded: 2, failed: 2 });
    expect(down.json.change_failure_rate).toBe(0.5);
    expect(down.json.time_to_restore.unrestored_since).toBe(downAt);
    const later = (ms: number) => new Date(Date.parse(downAt) + ms).toISOString();
    const after = await metrics(s, ADMIN, `?since=${later(1000)}&until=${later(HOUR)}`);
    expect(after.status, after.text).toBe(200);
    expect(after.json.deployments).toEqual({ succeeded: 0, failed: 0 });
    expect(after.json.change_failure_rate).toBeNull();
    expect(after.json.lead_time_for_changes.median_seconds).toBeNull();
    expect(after.json.time_to_restore.unrestored_since).toBe(downAt);

    // gantry metrics: the same, as a person reads it, and as JSON.
    const env = { GANTRY_SERVER: s.url, GANTRY_TOKEN: ADMIN, GANTRY_REPO: "acme/app" };
    const text = await gantry(repo, ["metrics", "--env", "production"], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^acme\/app production: .* \(30 days\)\n/);
    expect(text.stdout).toMatch(/Deployment frequency +0\.467 a week \(2 successful deployments\)/);
    expect(text.stdout).toMatch(/Lead time for changes +median 1h0m\d+s, p90 2h0m\d+s \(3 changes\)/);
    expect(text.stdout).toMatch(/Change failure rate +50% \(2 of 4 finished deployments failed\)/);
    expect(text.stdout).toContain(`; failing since ${downAt}`);
    const json = await gantry(repo, ["metrics", "--env", "production", "--json"], { env });
    expect(JSON.parse(json.stdout)).toEqual(
      expect.objectContaining({ deployments: { succeeded: 2, failed: 2 } }),
    );

    // A reader may; a stranger finds no such repository; bad windows and names are refused.
    await api(s, ADMIN, "POST", "/admin/users", { login: "rita" });
    await api(s, ADMIN, "POST", "/admin/users", { login: "sam" });
    const token = async (login: string) =>
      (await api(s, ADMIN, "POST", `/admin/users/${login}/authorizations`, { note: "e2e", scopes: ["repo"] }))
        .json.token as string;
    expect(
      (await api(s, ADMIN, "PUT", "/repos/acme/app/collaborators/rita", { permission: "read" })).status,
    ).toBe(201);
    expect((await metrics(s, await token("rita"))).status).toBe(200);
    expect((await metrics(s, await token("sam"))).status).toBe(404);
    const backwards = await metrics(s, ADMIN, "?since=2026-12-02&until=2026-12-01");
    expect(backwards.status).toBe(422);
    expect(backwards.text).toContain("since (2026-12-02T00:00:00.000Z) must come before until");
    expect((await metrics(s, ADMIN, "?since=2020-01-01&until=2026-01-01")).status).toBe(422);
    expect((await metrics(s, ADMIN, "?days=7")).status).toBe(422);
    expect((await api(s, ADMIN, "GET", "/repos/acme/app/environments/nowhere/metrics")).status).toBe(404);
  });
});
