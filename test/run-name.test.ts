// `run-name`: a run's title, evaluated with the github, inputs and vars contexts for every event,
// shown by the server's API (display_title; `name` stays the workflow's) and by `gantry run`.
import { describe, expect, it } from "vitest";
import { gantry, makeRepo } from "./harness.js";
import { api, serveWithConfig, until } from "./serve-harness.js";

const token = "run-name-token";

const DEPLOY = `name: Deploy
run-name: Deploy \${{ inputs.version }} to \${{ inputs.environment }}
on:
  workflow_dispatch:
    inputs:
      version: { required: true }
      environment: { type: choice, options: [staging, prod], default: staging }
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo deploying
`;

const NIGHTLY = `name: Nightly
run-name: \${{ github.event_name }} by \${{ github.actor }} for \${{ vars.TEAM }}
on: [push, workflow_dispatch]
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`;

const BROKEN = `name: Broken
run-name: \${{ fromJSON('not json') }}
on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`;

const PLAIN = `name: Plain
on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`;

describe("run-name", () => {
  it("is the run's display_title on the server from the moment it is queued; name stays the workflow's", async () => {
    const repo = makeRepo({
      files: {
        ".github/workflows/deploy.yml": DEPLOY,
        ".github/workflows/nightly.yml": NIGHTLY,
        ".github/workflows/broken.yml": BROKEN,
        ".github/workflows/plain.yml": PLAIN,
      },
    });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nvars:\n  TEAM: platform\n`,
      token,
    );
    const dispatch = async (file: string, inputs: Record<string, string> = {}) => {
      const answer = await api(s, token, "POST", `/repos/acme/app/actions/workflows/${file}/dispatches`, {
        ref: "main",
        inputs,
        return_run_details: true,
      });
      expect(answer.status, answer.text).toBe(200);
      return answer.json.workflow_run_id as number;
    };
    const run = (id: number) => api(s, token, "GET", `/repos/acme/app/actions/runs/${id}`);

    const deploy = await dispatch("deploy.yml", { version: "1.2.3", environment: "prod" });
    // Said as soon as the run is queued, before it runs.
    expect((await run(deploy)).json).toMatchObject({ name: "Deploy", display_title: "Deploy 1.2.3 to prod" });
    const nightly = await dispatch("nightly.yml");
    expect((await run(nightly)).json.display_title).toMatch(/^workflow_dispatch by \S+ for platform$/);
    // No run-name: a dispatch's title is the workflow's name.
    expect((await run(await dispatch("plain.yml"))).json.display_title).toBe("Plain");

    // A run-name that cannot be evaluated: the workflow's name, and the reason at file:line:col.
    const broken = await dispatch("broken.yml");
    const done = await until(
      () => run(broken),
      (r) => r.json.status === "completed",
    );
    expect(done.json.display_title).toBe("Broken");
    expect(done.json.problems.join("\n")).toMatch(/\.github\/workflows\/broken\.yml:2:11: run-name: /);

    // The list says it too, and filters keep working.
    const listed = await api(s, token, "GET", "/repos/acme/app/actions/runs?workflow=deploy.yml");
    expect(listed.json.workflow_runs.map((r: { display_title: string }) => r.display_title)).toEqual([
      "Deploy 1.2.3 to prod",
    ]);
  });

  it("is printed by gantry run and kept in the run report", async () => {
    const repo = makeRepo({ files: { ".github/workflows/deploy.yml": DEPLOY } });
    const r = await gantry(repo, [
      "run",
      "--event",
      "workflow_dispatch",
      "--input",
      "version=2.0",
      "--input",
      "environment=prod",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.report?.runs[0].title).toBe("Deploy 2.0 to prod");
    expect(r.report?.runs[0].workflow).toBe("Deploy");
    expect(r.stdout).toContain("Deploy 2.0 to prod — Deploy (.github/workflows/deploy.yml): success");
  });
});
