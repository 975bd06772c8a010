// `gantry serve` on loopback with real git repositories: repository_dispatch (the API and
// `gantry dispatch --event-type`) and workflow_run chains.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, git, makeRepo, scratch } from "./harness.js";
import { api, type Serve, serveWithConfig, until, untilSaid } from "./serve-harness.js";

const TOKEN = "chain-admin-token";

/** `gantry serve` serving `repo` as acme/app (no polling). */
function start(repo: string): Promise<Serve> {
  return serveWithConfig(
    `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${JSON.stringify(repo)}, poll_interval_seconds: 0 }\n`,
    TOKEN,
  );
}

/** An API call about acme/app. */
function call(s: Serve, method: string, path: string, body?: unknown) {
  return api(s, TOKEN, method, `/repos/acme/app${path}`, body);
}

interface ApiRun {
  id: number;
  name: string;
  event: string;
  head_branch: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  run_attempt: number;
  problems: string[];
}

/** The repository's runs, oldest first. */
async function listRuns(s: Serve): Promise<ApiRun[]> {
  return ((await call(s, "GET", "/actions/runs?per_page=100")).json.workflow_runs as ApiRun[]).reverse();
}

/** Asks the API again until `done` holds for the runs (the test's timeout bounds the wait). */
function waitRuns(s: Serve, done: (runs: ApiRun[]) => boolean): Promise<ApiRun[]> {
  return until(() => listRuns(s), done);
}

const allCompleted = (n: number) => (runs: ApiRun[]) =>
  runs.length >= n && runs.every((r) => r.status === "completed");

/** The whole log of a run's jobs. */
async function runLog(s: Serve, id: number): Promise<string> {
  const jobs = (await call(s, "GET", `/actions/runs/${id}/jobs`)).json.jobs as Array<{ id: number }>;
  let text = "";
  for (const job of jobs) text += (await call(s, "GET", `/actions/jobs/${job.id}/logs`)).text;
  return text;
}

describe("gantry serve: repository_dispatch", () => {
  it("runs the default branch's workflows whose types take the event, with the client_payload", async () => {
    const step = (name: string, types: string) => `name: ${name}
on:
  repository_dispatch:
    types: [${types}]
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: echo "got \${{ github.event.action }} for \${{ github.event.client_payload.who }} n=\${{ github.event.client_payload.n }} at $GITHUB_REF $GITHUB_SHA"
`;
    const repo = makeRepo({
      files: {
        ".github/workflows/deploy.yml": step("Deploy", "deploy, ship"),
        ".github/workflows/other.yml": step("Other", "other"),
      },
    });
    const sha = git(repo, "rev-parse", "HEAD");
    const s = await start(repo);
    const env = { GANTRY_SERVER: s.url, GANTRY_TOKEN: TOKEN, GANTRY_REPO: "acme/app" };
    const cwd = scratch();
    writeFileSync(join(cwd, "payload.json"), JSON.stringify({ who: "bob", n: 3 }));

    const sent = await gantry(cwd, ["dispatch", "--event-type", "deploy", "--payload", "@payload.json"], {
      env,
    });
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    expect(sent.stdout).toBe("repository_dispatch 'deploy' sent to acme/app\n");
    const [run] = await waitRuns(s, allCompleted(1));
    expect(run).toMatchObject({
      name: "Deploy",
      event: "repository_dispatch",
      head_branch: "main",
      head_sha: sha,
    });
    expect(run.conclusion).toBe("success");
    expect(await runLog(s, run.id)).toContain(`got deploy for bob n=3 at refs/heads/main ${sha}`);

    const bad = await gantry(cwd, ["dispatch", "--event-type", "deploy", "--payload", "[1]"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("client_payload: client_payload must be a JSON object");
    expect((await call(s, "POST", "/dispatches", { event_type: "nobody" })).status).toBe(204);
    // The answer comes once the event's runs are stored: none was.
    expect((await listRuns(s)).map((r) => r.name)).toEqual(["Deploy"]);
  });
});

const listener = (name: string, on: string, echo: string) => `name: ${name}
on:
  workflow_run:
${on}
jobs:
  show:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "${echo}"
`;

describe("gantry serve: workflow_run", () => {
  it("chains A → B → C → D on completion (E, a fourth level, is refused), with branches filters, requested and re-runs", async () => {
    const dispatched = (name: string, run: string) =>
      `name: ${name}\non: workflow_dispatch\njobs:\n  main:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${run}\n`;
    const repo = makeRepo({
      files: {
        ".github/workflows/a.yml": dispatched("A", 'echo "A on $GITHUB_REF"'),
        ".github/workflows/b.yml": listener(
          "B",
          "    workflows: [A]\n    types: [completed]\n    branches: [main, 'release/**']",
          "B after ${{ github.event.workflow_run.name }} #${{ github.event.workflow_run.run_number }} " +
            "${{ github.event.action }} ${{ github.event.workflow_run.conclusion }} " +
            "on ${{ github.event.workflow_run.head_branch }} ${{ github.event.workflow_run.head_sha }}; " +
            "runs at $GITHUB_REF $GITHUB_SHA",
        ),
        ".github/workflows/c.yml": listener(
          "C",
          "    workflows: [B]\n    types: [completed]",
          "C after ${{ github.event.workflow_run.name }} ${{ github.event.workflow.path }}",
        ),
        ".github/workflows/d.yml": listener("D", "    workflows: ['[C]']\n    types: completed", "D"),
        ".github/workflows/e.yml": listener("E", "    workflows: [D]", "E must not run"),
        ".github/workflows/requested.yml": listener(
          "Requested",
          "    workflows: [A]\n    types: [requested]",
          "requested ${{ github.event.workflow_run.name }} status=${{ github.event.workflow_run.status }}",
        ),
        ".github/workflows/fail.yml": dispatched("Fail", "exit 1"),
        ".github/workflows/watch.yml": listener(
          "Watch",
          "    workflows: [Fail]\n    types: [completed]",
          "saw ${{ github.event.workflow_run.conclusion }} attempt ${{ github.event.workflow_run.run_attempt }}",
        ),
        ".github/workflows/all.yml": listener(
          "All",
          "    workflows: [Fail]",
          "all ${{ github.event.action }} attempt ${{ github.event.workflow_run.run_attempt }}",
        ),
      },
    });
    const main = git(repo, "rev-parse", "HEAD");
    git(repo, "checkout", "-q", "-b", "feature");
    git(repo, "checkout", "-q", "-b", "release/v1");
    git(repo, "commit", "-q", "--allow-empty", "-m", "release");
    const release = git(repo, "rev-parse", "HEAD");
    git(repo, "checkout", "-q", "main");
    const s = await start(repo);
    const dispatch = async (file: string, ref: string) => {
      const res = await call(s, "POST", `/actions/workflows/${file}/dispatches`, {
        ref,
        return_run_details: true,
      });
      expect(res.status).toBe(200);
      return res.json.workflow_run_id as number;
    };

    await dispatch("a.yml", "feature");
    await dispatch("a.yml", "release/v1");
    const fail = await dispatch("fail.yml", "main");
    // Completed in the API a moment before the server has let go of it: asked again until taken.
    for (;;) {
      const res = await call(s, "POST", `/actions/runs/${fail}/rerun`);
      if (res.status === 201) break;
      expect(res.status).toBe(403);
      await new Promise((r) => setTimeout(r, 100));
    }

    // A on feature: Requested only (B takes main and release/**). A on release/v1: Requested, and
    // B → C → D; E (any type: D's requested, in_progress and completed) would be the fourth
    // level. Fail: Watch and All (every type) for attempt 1, again for attempt 2 but without
    // `requested`.
    const expected = { A: 2, Requested: 2, B: 1, C: 1, D: 1, E: 3, Fail: 1, Watch: 2, All: 5 };
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    const runs = await waitRuns(
      s,
      (all) =>
        allCompleted(total)(all) &&
        all.some((r) => r.id === fail && r.run_attempt === 2) &&
        all.filter((r) => r.name === "All").length === expected.All,
    );
    const count: Record<string, number> = {};
    for (const r of runs) count[r.name] = (count[r.name] ?? 0) + 1;
    expect(count).toEqual(expected);
    const byName = (name: string) => runs.filter((r) => r.name === name);
    // The line each listener's step printed (log lines start with their time).
    const logsOf = async (name: string) =>
      Promise.all(
        byName(name).map(
          async (r) => /^\S+ ((?:B after|C after|requested|saw|all) .*)$/m.exec(await runLog(s, r.id))?.[1],
        ),
      );

    for (const name of ["B", "C", "D", "Requested", "Watch", "All"]) {
      for (const r of byName(name)) {
        expect(r, name).toMatchObject({ event: "workflow_run", head_branch: "main", head_sha: main });
      }
    }
    for (const name of ["A", "B", "C", "D", "Requested", "Watch", "All"]) {
      for (const r of byName(name)) expect(r.conclusion, name).toBe("success");
    }
    expect(byName("Fail")[0]).toMatchObject({ conclusion: "failure", run_attempt: 2 });

    expect(await logsOf("B")).toEqual([
      `B after A #2 completed success on release/v1 ${release}; runs at refs/heads/main ${main}`,
    ]);
    expect(await logsOf("C")).toEqual(["C after B .github/workflows/b.yml"]);
    expect(await logsOf("Requested")).toEqual(["requested A status=queued", "requested A status=queued"]);
    expect((await logsOf("Watch")).sort()).toEqual(["saw failure attempt 1", "saw failure attempt 2"]);
    expect((await logsOf("All")).sort()).toEqual([
      "all completed attempt 1",
      "all completed attempt 2",
      "all in_progress attempt 1",
      "all in_progress attempt 2",
      "all requested attempt 1",
    ]);

    const d = byName("D")[0];
    const reason =
      `.github/workflows/e.yml: not started: this workflow_run would be level 4 of a chain after 'D' (run ${d.id}), ` +
      "and workflow_run chains at most 3 levels of workflows (GitHub's limit)";
    for (const refused of byName("E")) {
      expect(refused).toMatchObject({ status: "completed", conclusion: "skipped", head_sha: main });
      expect(refused.problems).toEqual([reason]);
      expect((await call(s, "GET", `/actions/runs/${refused.id}/jobs`)).json.total_count).toBe(0);
    }
    const said = `acme/app: E (.github/workflows/e.yml) ${reason.split(": ").slice(1).join(": ")}`;
    await untilSaid(s, said);
    // Eighteen runs, one after another along the chain: more than the default minute on a busy machine.
  }, 240_000);
});
