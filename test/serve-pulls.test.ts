// `gantry serve` with a pull request opened through `gantry pr open`, a real repository the server
// polls and real pushes: the run on the merge commit, synchronize on a push to head, and
// `gantry pr status` exiting as a merge tool reads it (3 pending, 1 failure, 0 success).
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { polledOnce } from "./db-query.js";
import { commitFiles, makeRemote } from "./git-remote.js";
import { gantry, git, scratch } from "./harness.js";
import { api as call, serveWithConfig, until } from "./serve-harness.js";

const TOKEN = "e2e-pr-token";

interface ApiRun {
  id: number;
  name: string;
  event: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
}

// any: each endpoint answers its own shape; the test reads the fields it checks
async function api(url: string, path: string): Promise<any> {
  const answer = await call({ url }, TOKEN, "GET", `/repos/acme/app${path}`);
  expect(answer.status).toBe(200);
  return answer.json;
}

/** The completed pull_request run of the merge commit `sha`. */
async function completedRun(url: string, sha: string): Promise<ApiRun> {
  const list = await until(
    () => api(url, `/actions/runs?head_sha=${sha}`),
    (l: { workflow_runs: ApiRun[] }) => l.workflow_runs.some((r) => r.status === "completed"),
  );
  return (list.workflow_runs as ApiRun[]).find((r) => r.status === "completed") as ApiRun;
}

describe("gantry serve: pull requests", () => {
  it("runs on the merge commit, synchronizes on a push to head, and `gantry pr status` blocks on the required check", async () => {
    const shared = scratch();
    const CI = `name: CI
on:
  pull_request:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "ref=$GITHUB_REF head=$GITHUB_HEAD_REF base=$GITHUB_BASE_REF sha=$GITHUB_SHA"
      - run: while [ ! -e ${shared}/go ]; do sleep 0.1; done
      - run: test ! -e src/broken.txt
`;
    const DOCS = `name: Docs
on:
  pull_request:
    paths: ["docs/**"]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo docs
`;
    const r = makeRemote({
      ".github/workflows/ci.yml": CI,
      ".github/workflows/docs.yml": DOCS,
      "README.md": "hi\n",
    });
    // The job waits for a file the test writes in `shared`: the sandbox lets it see that folder.
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - owner: acme\n    name: app\n    url: ${JSON.stringify(r.origin)}\n    poll_interval_seconds: 1\n    required_checks: ["CI / test"]\nrunners:\n  writable: [${JSON.stringify(shared)}]\n`,
      TOKEN,
    );
    // The first poll records what is there (the repository's trigger state); pushes after it are news.
    await until(
      () => polledOnce(s),
      (seen) => seen,
    );
    const env = { GANTRY_SERVER: s.url, GANTRY_TOKEN: TOKEN, GANTRY_REPO: "acme/app" };
    const cwd = scratch();
    const pr = (...args: string[]) => gantry(cwd, ["pr", ...args], { env });

    git(r.work, "checkout", "-q", "-b", "feature");
    const head = commitFiles(r.work, { "src/a.txt": "a\n" }, "add a");
    git(r.work, "push", "-q", "origin", "feature");

    const opened = await pr("open", "--head", "feature", "--base", "main", "--title", "Add a");
    expect(opened.stderr).toBe("");
    expect(opened.code).toBe(0);
    expect(opened.stdout).toMatch(/^Opened #1 Add a \(feature → main\): http:\/\/\S+\/pulls\/1$/m);
    const pull = await api(s.url, "/pulls/1");
    expect(pull).toMatchObject({
      number: 1,
      state: "open",
      head: { ref: "feature", sha: head },
      mergeable: true,
    });
    const merge = pull.merge_commit_sha as string;

    // The run waits for the test's go: the required check is pending, and so is the merge.
    const pending = await pr("status", "1");
    expect(pending.stdout).toMatch(/^CI \/ test\s+pending\s+yes/m);
    expect(pending.code).toBe(3);
    expect(pending.stdout).toMatch(/^Checks: pending$/m);
    writeFileSync(join(shared, "go"), "");
    const first = await completedRun(s.url, merge);
    expect(first).toMatchObject({ name: "CI", event: "pull_request", conclusion: "success" });
    const jobs = await api(s.url, `/actions/runs/${first.id}/jobs`);
    const log = (await call(s, TOKEN, "GET", `/repos/acme/app/actions/jobs/${jobs.jobs[0].id}/logs`)).text;
    expect(log).toContain(`ref=refs/pull/1/merge head=feature base=main sha=${merge}`);
    // Docs' paths filter: the pull request changes src/ only.
    const all = (await api(s.url, "/actions/runs")).workflow_runs as ApiRun[];
    expect(all.map((x) => x.name)).toEqual(["CI"]);
    const ok = await pr("status", "1");
    expect(ok.stdout).toMatch(/^CI \/ test\s+success\s+yes/m);
    expect(ok.code).toBe(0);

    // A push to head: synchronize on a new merge commit; the required check fails.
    const broken = commitFiles(r.work, { "src/broken.txt": "x\n" }, "break");
    git(r.work, "push", "-q", "origin", "feature");
    const moved = await until(
      () => api(s.url, "/pulls/1"),
      (p) => p.head.sha === broken,
    );
    const failed = await completedRun(s.url, moved.merge_commit_sha);
    expect(failed).toMatchObject({ event: "pull_request", conclusion: "failure" });
    const blocked = await pr("status", "1");
    expect(blocked.stdout).toMatch(/^CI \/ test\s+failure\s+yes/m);
    expect(blocked.stdout).toMatch(/^Checks: failure$/m);
    expect(blocked.code).toBe(1);
    const listed = await pr("list");
    expect(listed.stdout).toMatch(/^1\s+Add a\s+feature\s+main\s+open\s+failure/m);

    // Fixed: success again.
    git(r.work, "rm", "-q", "src/broken.txt");
    git(r.work, "commit", "-q", "-m", "fix");
    const fixed = git(r.work, "rev-parse", "HEAD");
    git(r.work, "push", "-q", "origin", "feature");
    const again = await until(
      () => api(s.url, "/pulls/1"),
      (p) => p.head.sha === fixed,
    );
    expect(await completedRun(s.url, again.merge_commit_sha)).toMatchObject({ conclusion: "success" });
    const green = await pr("status", "1");
    expect(green.code).toBe(0);
    expect(green.stdout).toMatch(/^Checks: success$/m);
    const runs = (await api(s.url, "/actions/runs")).workflow_runs as ApiRun[];
    expect(runs.map((x) => [x.name, x.event, x.conclusion])).toEqual([
      ["CI", "pull_request", "success"],
      ["CI", "pull_request", "failure"],
      ["CI", "pull_request", "success"],
    ]);
    rmSync(shared, { recursive: true, force: true });
  });
});
