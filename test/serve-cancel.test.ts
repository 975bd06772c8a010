// A cancelled run says so, as GitHub's: the stopped step's log ends its open group and says "The
// operation was canceled.", and the run's annotation names who cancelled it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeRepo, scratch } from "./harness.js";
import { api, serveWithConfig, until } from "./serve-harness.js";

const token = "cancel-token";

describe("a cancelled run on the server", () => {
  it("ends the stopped step's group, says the operation was canceled and who cancelled the run", async () => {
    const shared = scratch();
    const repo = makeRepo({
      files: {
        ".github/workflows/long.yml": `name: Long
on: workflow_dispatch
jobs:
  work:
    runs-on: ubuntu-latest
    steps:
      - name: Long work
        run: |
          echo "::group::Compiling"
          echo "inside the group"
          touch ${JSON.stringify(join(shared, "started"))}
          sleep 120
`,
      },
    });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nrunners:\n  writable: [${JSON.stringify(shared)}]\n`,
      token,
    );
    const id = (
      await api(s, token, "POST", "/repos/acme/app/actions/workflows/long.yml/dispatches", {
        ref: "main",
        return_run_details: true,
      })
    ).json.workflow_run_id as number;
    await until(
      async () => existsSync(join(shared, "started")),
      (started) => started,
    );
    expect((await api(s, token, "POST", `/repos/acme/app/actions/runs/${id}/cancel`)).status).toBe(202);
    const run = (
      await until(
        () => api(s, token, "GET", `/repos/acme/app/actions/runs/${id}`),
        (r) => r.json.status === "completed",
      )
    ).json;
    expect(run.conclusion).toBe("cancelled");
    expect(run.problems).toContain("The run was canceled by @admin.");

    const job = (await api(s, token, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs[0];
    expect(job.conclusion).toBe("cancelled");
    const log = (await api(s, token, "GET", `/repos/acme/app/actions/jobs/${job.id}/logs`)).text
      .split("\n")
      .map((l) => l.replace(/^\S+ /, ""));
    const inside = log.indexOf("inside the group");
    expect(inside).toBeGreaterThan(0);
    expect(log.slice(inside + 1, inside + 3)).toEqual([
      "##[endgroup]",
      "##[error]The operation was canceled.",
    ]);
    const annotations = (await api(s, token, "GET", `/repos/acme/app/actions/runs/${id}/annotations`)).json
      .annotations;
    expect(annotations.map((a: { message: string }) => a.message)).toContain("The operation was canceled.");
  });
});
