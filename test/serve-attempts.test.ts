// Each attempt of a run keeps its own status, times, jobs and artifacts, on the real server: an
// earlier attempt never shows what a re-run made.
import { describe, expect, it } from "vitest";
import { makeRepo } from "./harness.js";
import { api, dispatchRun, serveWithConfig } from "./serve-harness.js";

const token = "attempts-token";

const CI = `name: CI
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "built in attempt \${{ github.run_attempt }}" > out.txt
      - uses: actions/upload-artifact@v4
        with: { name: build-out, path: out.txt }
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "tested in attempt \${{ github.run_attempt }}" > report.txt
          [ "\${{ github.run_attempt }}" != 1 ]
      - uses: actions/upload-artifact@v4
        with: { name: test-report, path: report.txt }
`;

describe("run attempts on the server", () => {
  it("shows each attempt's own status, times, jobs and artifacts after re-runs", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": CI } });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      token,
    );
    const runs = "/repos/acme/app/actions/runs";
    const { id, done } = await dispatchRun(s, token, "ci.yml");
    const first = (await done(1)).json;
    expect(first.conclusion).toBe("failure");
    expect(first.previous_attempt_url).toBeNull();

    expect((await api(s, token, "POST", `${runs}/${id}/rerun-failed-jobs`)).status).toBe(201);
    const second = (await done(2)).json;
    expect(second.conclusion).toBe("success");
    expect(second.previous_attempt_url).toMatch(new RegExp(`/actions/runs/${id}/attempts/1$`));

    // Attempt 1 as it ended: failed, with its own start and end.
    const one = await api(s, token, "GET", `${runs}/${id}/attempts/1`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id, run_attempt: 1, status: "completed", conclusion: "failure" });
    expect(one.json.run_started_at).toBe(first.run_started_at);
    expect(one.json.updated_at).toBe(first.updated_at);
    expect(second.run_started_at > first.run_started_at).toBe(true);
    const two = await api(s, token, "GET", `${runs}/${id}/attempts/2`);
    expect(two.json).toMatchObject({ run_attempt: 2, conclusion: "success" });
    expect((await api(s, token, "GET", `${runs}/${id}/attempts/3`)).status).toBe(404);
    expect((await api(s, token, "GET", `${runs}/${id}/attempts/0`)).status).toBe(404);

    // Each attempt's jobs.
    const jobs = async (n: number) =>
      Object.fromEntries(
        (await api(s, token, "GET", `${runs}/${id}/attempts/${n}/jobs`)).json.jobs.map(
          (j: { name: string; conclusion: string }) => [j.name, j.conclusion],
        ),
      );
    expect(await jobs(1)).toEqual({ build: "success", test: "failure" });
    expect(await jobs(2)).toEqual({ build: "success", test: "success" });

    // Each attempt's artifacts: attempt 1 never shows the report attempt 2 made.
    const artifacts = async (query: string) =>
      (await api(s, token, "GET", `${runs}/${id}/artifacts${query}`)).json.artifacts.map(
        (a: { name: string; run_attempt: number }) => `${a.name}@${a.run_attempt}`,
      );
    expect(await artifacts("?attempt=1")).toEqual(["build-out@1"]);
    expect(await artifacts("?attempt=2")).toEqual(["build-out@1", "test-report@2"]);
    expect(await artifacts("")).toEqual(["build-out@1", "test-report@2"]);
    const missing = await api(s, token, "GET", `${runs}/${id}/artifacts/test-report/zip?attempt=1`);
    expect(missing.status).toBe(404);

    // Re-running every job uploads build-out again: attempt 3 has its own copy, attempt 2 keeps 1's.
    expect((await api(s, token, "POST", `${runs}/${id}/rerun`)).status).toBe(201);
    expect((await done(3)).json.conclusion).toBe("success");
    expect(await artifacts("")).toEqual(["build-out@3", "test-report@3"]);
    expect(await artifacts("?attempt=2")).toEqual(["build-out@1", "test-report@2"]);
    const zip = async (attempt: number) =>
      (await api(s, token, "GET", `${runs}/${id}/artifacts/build-out/zip?attempt=${attempt}`)).text;
    expect(await zip(2)).toContain("built in attempt 1");
    expect(await zip(3)).toContain("built in attempt 3");
    expect((await api(s, token, "GET", `${runs}/${id}/attempts/2`)).json.conclusion).toBe("success");
  });
});
