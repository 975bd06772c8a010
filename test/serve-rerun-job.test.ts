// Re-running one job on the real server, as GitHub's POST …/actions/jobs/{job_id}/rerun: the job
// and the jobs that need it run as the next attempt, the others keep their results and outputs.
import { describe, expect, it } from "vitest";
import { makeRepo } from "./harness.js";
import { api, dispatchRun, serveWithConfig } from "./serve-harness.js";

const token = "rerun-job-token";

const CI = `name: CI
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      v: \${{ steps.b.outputs.v }}
    steps:
      - id: b
        run: echo "v=built-in-\${{ github.run_attempt }}" >> "$GITHUB_OUTPUT"
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: echo "lint in attempt \${{ github.run_attempt }}"
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo "got \${{ needs.build.outputs.v }} in attempt \${{ github.run_attempt }}"
  deploy:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: echo "deploy in attempt \${{ github.run_attempt }}"
`;

describe("re-running one job", () => {
  it("runs the job and what needs it again, reusing the outputs of its needs", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": CI } });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      token,
    );
    const runs = "/repos/acme/app/actions/runs";
    const { id, done } = await dispatchRun(s, token, "ci.yml");
    expect((await done(1)).json.conclusion).toBe("success");
    const jobsOf = async (attempt: number) => {
      const list = (await api(s, token, "GET", `${runs}/${id}/attempts/${attempt}/jobs`)).json.jobs as Array<{
        id: number;
        name: string;
        started_at: string;
        conclusion: string;
      }>;
      return Object.fromEntries(list.map((j) => [j.name, j]));
    };
    const first = await jobsOf(1);
    const log = async (jobId: number) =>
      (await api(s, token, "GET", `/repos/acme/app/actions/jobs/${jobId}/logs`)).text;

    expect((await api(s, token, "POST", `/repos/acme/app/actions/jobs/${first.test.id}/rerun`)).status).toBe(
      201,
    );
    expect((await done(2)).json.conclusion).toBe("success");
    const second = await jobsOf(2);
    expect(Object.keys(second).sort()).toEqual(["build", "deploy", "lint", "test"]);
    // Kept as they were: build and lint did not run again.
    expect(second.build.started_at).toBe(first.build.started_at);
    expect(second.lint.started_at).toBe(first.lint.started_at);
    // Ran again: test, with build's output of attempt 1, and deploy, which needs it.
    expect(second.test.started_at > first.test.started_at).toBe(true);
    expect(await log(second.test.id)).toContain("got built-in-1 in attempt 2");
    expect(await log(second.deploy.id)).toContain("deploy in attempt 2");

    // A job of an earlier attempt, a job of another repository's path, or while the run runs: refused.
    const old = await api(s, token, "POST", `/repos/acme/app/actions/jobs/${first.lint.id}/rerun`);
    expect(old.status).toBe(403);
    expect(old.json.message).toMatch(/latest attempt/);
    expect((await api(s, token, "POST", "/repos/acme/app/actions/jobs/999999/rerun")).status).toBe(404);
    expect(
      (await api(s, token, "POST", `/repos/acme/other/actions/jobs/${second.lint.id}/rerun`)).status,
    ).toBe(404);
    expect((await api(s, token, "POST", `/repos/acme/app/actions/jobs/${second.lint.id}/rerun`)).status).toBe(
      201,
    );
    const busy = await api(s, token, "POST", `/repos/acme/app/actions/jobs/${second.lint.id}/rerun`);
    expect(busy.status).toBe(403);
    expect((await done(3)).json.conclusion).toBe("success");
    const third = await jobsOf(3);
    expect(third.build.started_at).toBe(first.build.started_at);
    expect(third.test.started_at).toBe(second.test.started_at);
    expect(await log(third.lint.id)).toContain("lint in attempt 3");
  });
});
