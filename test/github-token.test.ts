// github.token and secrets.GITHUB_TOKEN are never empty: an action whose required input defaults to
// `${{ github.token }}` (actions/github-script, codecov …) starts, and the token shows as `***`.
// gantry run has a placeholder; gantry serve gives each job a token for its API (serve-job-token
// test), unless the config's secrets.GITHUB_TOKEN overrides it.
import { describe, expect, it } from "vitest";
import { clearTextInStore } from "./db-query.js";
import { gantry, makeRepo } from "./harness.js";
import { api, type Serve, serveWithConfig, until } from "./serve-harness.js";

const ACTION = {
  ".github/actions/needs-token/action.yml": `name: needs-token
inputs:
  github-token:
    description: a token, as actions/github-script takes it
    required: true
    default: \${{ github.token }}
runs:
  using: node20
  main: index.js
`,
  // As @actions/core's getInput(name, { required: true }) does.
  ".github/actions/needs-token/index.js": `const token = process.env["INPUT_GITHUB-TOKEN"] || "";
if (!token) {
  console.log("::error::Input required and not supplied: github-token");
  process.exit(1);
}
console.log("the action got " + token);
`,
};

const WORKFLOW = `name: Token
on: [push, workflow_dispatch]
jobs:
  token:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/actions/needs-token
      - run: |
          echo "secret is \${{ secrets.GITHUB_TOKEN }}"
          echo "context is \${{ github.token }}"
          test "\${{ github.token }}" = "\${{ secrets.GITHUB_TOKEN }}" && echo "the same token"
      - if: github.token == 'given-by-the-user'
        run: echo "the token given with --secret"
      - if: github.token == 'given-in-the-config'
        run: echo "the token given in the config"
      - run: echo "api=$GITHUB_API_URL"
`;

describe("GITHUB_TOKEN", () => {
  it("gantry run: a placeholder, masked, unless --secret GITHUB_TOKEN gives one", async () => {
    const repo = makeRepo({ files: { ".github/workflows/token.yml": WORKFLOW, ...ACTION } });
    const r = await gantry(repo, ["run"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("[Token/token] | the action got ***");
    expect(r.stdout).toContain("[Token/token] | secret is ***");
    expect(r.stdout).toContain("[Token/token] | context is ***");
    expect(r.stdout).toContain("[Token/token] | the same token");
    expect(r.stdout).not.toContain("gantry_placeholder_");
    expect(r.stdout).not.toContain("the token given with --secret");

    const given = await gantry(repo, ["run", "--secret", "GITHUB_TOKEN=given-by-the-user"]);
    expect(given.code, given.stdout + given.stderr).toBe(0);
    expect(given.stdout).toContain("[Token/token] | the action got ***");
    expect(given.stdout).toContain("[Token/token] | the token given with --secret");
    expect(given.stdout).not.toContain("given-by-the-user");
  });

  it("gantry serve: the job's own token (for the server's API), masked in the job's log and never stored", async () => {
    const repo = makeRepo({ files: { ".github/workflows/token.yml": WORKFLOW, ...ACTION } });
    const token = "github-token-admin-token";
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nrunners:\n  isolation: none\n`,
      token,
    );
    const { log, conclusion } = await dispatched(s, token);
    expect(conclusion, log).toBe("success");
    expect(log).toContain("the action got ***");
    expect(log).toContain("secret is ***");
    expect(log).toContain("the same token");
    expect(log).toMatch(/^\S+ api=http:\/\/127\.0\.0\.1:\d+\/api\/v1$/m);
    expect(log).not.toContain("gantry_placeholder_");
    expect(log).not.toContain("gantry_job_");
    expect(log).not.toMatch(/^\S+ the token given in the config$/m);
    expect(await clearTextInStore(s, ["gantry_placeholder_", "gantry_job_"])).toEqual([]);
  });

  it("gantry serve: the config's secrets.GITHUB_TOKEN overrides the job's own, with GitHub's URLs", async () => {
    const repo = makeRepo({ files: { ".github/workflows/token.yml": WORKFLOW, ...ACTION } });
    const token = "github-token-admin-token";
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nrunners:\n  isolation: none\nsecrets:\n  GITHUB_TOKEN: given-in-the-config\n`,
      token,
    );
    const { log, conclusion } = await dispatched(s, token);
    expect(conclusion, log).toBe("success");
    expect(log).toContain("the action got ***");
    expect(log).toMatch(/^\S+ the token given in the config$/m);
    expect(log).toMatch(/^\S+ api=https:\/\/api\.github\.com$/m);
    expect(log).not.toContain("given-in-the-config");
  });
});

/** Dispatches token.yml and waits for its run: its conclusion and its job's log. */
async function dispatched(s: Serve, token: string): Promise<{ log: string; conclusion: string }> {
  const id = (
    await api(s, token, "POST", "/repos/acme/app/actions/workflows/token.yml/dispatches", {
      ref: "main",
      return_run_details: true,
    })
  ).json.workflow_run_id as number;
  const run = await until(
    () => api(s, token, "GET", `/repos/acme/app/actions/runs/${id}`),
    (a) => a.json.status === "completed",
  );
  const jobs = (await api(s, token, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs as {
    id: number;
  }[];
  const log = (await api(s, token, "GET", `/repos/acme/app/actions/jobs/${jobs[0].id}/logs`)).text;
  return { log, conclusion: run.json.conclusion as string };
}
