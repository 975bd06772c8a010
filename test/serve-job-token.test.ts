// Each job of `gantry serve` gets a GITHUB_TOKEN of its own (issue 14, section 2): a token for its
// repository only, whose rights follow `permissions:`, that the job reaches the server's API with
// (GITHUB_API_URL, from inside its sandbox), masked in every log, refused once the job has ended
// (success, cancel, timeout, a crash of the server) and read-only for a fork's pull request.
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractZip } from "../src/artifacts/zip-read.js";
import { hmacSha256 } from "../src/triggers/index.js";
import { commitFiles, makeRemote } from "./git-remote.js";
import { git, makeRepo } from "./harness.js";
import { type ApiAnswer, api, exited, type Serve, serve, serveWithConfig, until } from "./serve-harness.js";

const ADMIN = "job-token-admin-token";
const HOOK_SECRET = "job-token-webhook-secret";

/** A step's shell function: the HTTP status of a call to the server's API with the job's token. */
const CALL = `call() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $GITHUB_TOKEN" "$@"; }`;

/** A job that tries its token on the API, prints it (masked) and keeps it in an artifact. */
const probe = (artifact: string, permissions = "") => `    runs-on: ubuntu-latest
${permissions}    env:
      FROM_ENV: \${{ secrets.GITHUB_TOKEN }}
    steps:
      - env:
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
        run: |
          ${CALL}
          echo "api=$GITHUB_API_URL"
          echo "read-run=$(call "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID")"
          echo "read-repo=$(call "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY")"
          echo "other-repo=$(call "$GITHUB_API_URL/repos/acme/other/actions/runs")"
          echo "dispatch=$(call -X POST -d '{"ref":"main"}' "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/actions/workflows/noop.yml/dispatches")"
          echo "user=$(call "$GITHUB_API_URL/user")"
          echo "new-token=$(call -X POST -d '{"note":"mine now"}' "$GITHUB_API_URL/user/tokens")"
          echo "add-collaborator=$(call -X PUT -d '{"permission":"admin"}' "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/collaborators/admin")"
          echo "token=$GITHUB_TOKEN"
          echo "base64=$(printf %s "$GITHUB_TOKEN" | base64 -w0)"
          test "$GITHUB_TOKEN" = "\${{ github.token }}" && test "$FROM_ENV" = "$GITHUB_TOKEN" && echo "one token"
          printf %s "$GITHUB_TOKEN" > token.txt
      - uses: actions/upload-artifact@v4
        with:
          name: ${artifact}
          path: token.txt
`;

const TOKEN_WORKFLOW = `name: Token
on: workflow_dispatch
permissions:
  actions: write
  contents: read
jobs:
  writer:
${probe("writer")}
  reader:
${probe("reader", "    environment: production\n    permissions:\n      actions: read\n")}
  called:
    permissions:
      actions: read
    uses: ./.github/workflows/called.yml
`;

/** A called workflow without permissions: its job has its caller's. */
const CALLED_WORKFLOW = `name: Called
on: workflow_call
jobs:
  probe:
${probe("called")}
`;

/** A called workflow may not ask for more than its caller has (GitHub's startup failure). */
const OVERREACH_WORKFLOW = `name: Overreach
on: workflow_dispatch
jobs:
  call:
    uses: ./.github/workflows/asks-more.yml
`;

const ASKS_MORE = `name: Asks more
on: workflow_call
permissions:
  actions: write
jobs:
  probe:
    runs-on: ubuntu-latest
    steps:
      - run: echo "should not run"
`;

const DEFAULT_WORKFLOW = `name: Default
on: workflow_dispatch
jobs:
  plain:
${probe("plain")}
`;

const NOOP = `name: Noop
on: workflow_dispatch
jobs:
  noop:
    runs-on: ubuntu-latest
    steps:
      - run: echo noop
`;

/** A job that leaves its token where the test reads it, then waits to be ended. */
const WAITER = `name: Waiter
on:
  workflow_dispatch:
    inputs:
      dir: { required: true }
      minutes: { default: "10" }
permissions:
  actions: read
jobs:
  wait:
    runs-on: ubuntu-latest
    timeout-minutes: \${{ inputs.minutes }}
    steps:
      - run: |
          printf %s "\${{ github.token }}" > "\${{ inputs.dir }}/token.tmp"
          mv "\${{ inputs.dir }}/token.tmp" "\${{ inputs.dir }}/token"
          sleep 300
`;

const config = (app: string, other: string, extra = "") => `repo_url_schemes: [file]
repos:
  - { owner: acme, name: app, url: ${JSON.stringify(app)}, poll_interval_seconds: 0 }
  - { owner: acme, name: other, url: ${JSON.stringify(other)}, poll_interval_seconds: 0 }
${extra}`;

interface ApiRun {
  id: number;
  event: string;
  path: string;
  status: string;
  conclusion: string | null;
  actor: { login: string };
}

async function dispatch(
  s: Pick<Serve, "url">,
  file: string,
  inputs: Record<string, string> = {},
): Promise<number> {
  const answer = await api(s, ADMIN, "POST", `/repos/acme/app/actions/workflows/${file}/dispatches`, {
    ref: "main",
    inputs,
    return_run_details: true,
  });
  expect(answer.status, answer.text).toBe(200);
  return answer.json.workflow_run_id as number;
}

function completed(s: Pick<Serve, "url">, id: number): Promise<ApiAnswer> {
  return until(
    () => api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${id}`),
    (a) => a.json.status === "completed",
  );
}

/** Each job's log of the run, by the job's name. */
async function logs(s: Pick<Serve, "url">, id: number): Promise<Record<string, string>> {
  const jobs = (await api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json.jobs as {
    id: number;
    name: string;
  }[];
  const out: Record<string, string> = {};
  for (const job of jobs) {
    out[job.name] = (await api(s, ADMIN, "GET", `/repos/acme/app/actions/jobs/${job.id}/logs`)).text;
  }
  return out;
}

/** The token a job kept in its artifact, downloaded through the API. */
async function keptToken(s: Pick<Serve, "url">, id: number, artifact: string): Promise<string> {
  const res = await fetch(`${s.url}/api/v1/repos/acme/app/actions/runs/${id}/artifacts/${artifact}/zip`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  expect(res.status).toBe(200);
  const dir = mkdtempSync(join(tmpdir(), "gantry-job-token-"));
  writeFileSync(join(dir, "a.zip"), Buffer.from(await res.arrayBuffer()));
  await extractZip(join(dir, "a.zip"), join(dir, "out"), 1_000_000);
  return readFileSync(join(dir, "out", "token.txt"), "utf8");
}

/** What a line of output `key=value` says (the step's header, which quotes its script, does not count). */
function said(log: string, key: string): string | undefined {
  return new RegExp(`^\\S+ ${key}=(\\S*)\\s*$`, "m").exec(log)?.[1];
}

/** Every file under dir but those under `skip`, as text (the database, its WAL, logs …). */
function everything(dir: string, skip: string[]): string {
  let out = "";
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st || skip.includes(path)) continue;
    if (st.isDirectory()) out += everything(path, skip);
    else if (st.isFile()) out += readFileSync(path, "latin1");
  }
  return out;
}

function twoRepos(): { app: string; other: string } {
  const app = makeRepo({
    files: {
      ".github/workflows/token.yml": TOKEN_WORKFLOW,
      ".github/workflows/default.yml": DEFAULT_WORKFLOW,
      ".github/workflows/noop.yml": NOOP,
      ".github/workflows/waiter.yml": WAITER,
      ".github/workflows/called.yml": CALLED_WORKFLOW,
      ".github/workflows/overreach.yml": OVERREACH_WORKFLOW,
      ".github/workflows/asks-more.yml": ASKS_MORE,
    },
  });
  const other = makeRepo({ files: { ".github/workflows/noop.yml": NOOP } });
  return { app, other };
}

describe("gantry serve: each job's GITHUB_TOKEN", () => {
  it("reaches the server's API from the job (its repository only, as its permissions allow), is masked, and is refused once the job has ended", async () => {
    const { app, other } = twoRepos();
    // The jobs run in the server's sandbox when this host has one: the API is reached from inside it.
    const s = await serveWithConfig(config(app, other), ADMIN);
    const token = await dispatch(s, "token.yml");
    const plain = await dispatch(s, "default.yml");
    const overreach = await dispatch(s, "overreach.yml");
    const run = await completed(s, token);
    const plainRun = await completed(s, plain);
    const all = { ...(await logs(s, token)), ...(await logs(s, plain)) };
    expect(run.json.conclusion, JSON.stringify(all)).toBe("success");
    expect(plainRun.json.conclusion, JSON.stringify(all)).toBe("success");
    const { writer, reader, plain: plainLog, "called / probe": called } = all;

    // GITHUB_API_URL is this server's API.
    expect(said(writer, "api")).toBe(`${s.url}/api/v1`);
    // workflow `permissions: actions: write`: reads its run and dispatches.
    expect(said(writer, "read-run")).toBe("200");
    expect(said(writer, "read-repo")).toBe("200");
    expect(said(writer, "dispatch")).toBe("204");
    // job `permissions: actions: read` (in place of the workflow's): reads, may not dispatch.
    expect(said(reader, "read-run")).toBe("200");
    expect(said(reader, "dispatch")).toBe("403");
    // A called workflow without permissions: has its calling job's.
    expect(said(called, "read-run")).toBe("200");
    expect(said(called, "dispatch")).toBe("403");
    // One asking for more than its caller has fails, saying so.
    expect((await completed(s, overreach)).json.conclusion).toBe("failure");
    expect(Object.values(await logs(s, overreach)).join("\n")).toContain(
      "The nested job 'probe' is requesting 'actions: write', but is only allowed 'actions: none'.",
    );
    // No permissions: anywhere: contents and metadata only: the repository, not its runs.
    expect(said(plainLog, "read-repo")).toBe("200");
    expect(said(plainLog, "read-run")).toBe("403");
    expect(said(plainLog, "dispatch")).toBe("403");
    // It is no user: it cannot act as one, make itself a personal token, or administer the repository.
    for (const log of [writer, reader, called, plainLog]) {
      expect(said(log, "user")).toBe("403");
      expect(said(log, "new-token")).toBe("403");
      expect(said(log, "add-collaborator")).toBe("403");
    }
    // Another repository of the same server does not exist for the token.
    for (const log of [writer, reader, called, plainLog]) expect(said(log, "other-repo")).toBe("404");

    // One token per job: github.token, secrets.GITHUB_TOKEN and the job's env all hold it.
    const tokens = [
      await keptToken(s, token, "writer"),
      await keptToken(s, token, "reader"),
      await keptToken(s, token, "called"),
      await keptToken(s, plain, "plain"),
    ];
    for (const log of [writer, reader, called, plainLog]) expect(log).toMatch(/^\S+ one token$/m);
    expect(new Set(tokens).size).toBe(4);
    for (const t of tokens) expect(t).toMatch(/^gantry_job_[0-9a-f]{48}$/);

    // Masked in every log, as itself and as base64.
    for (const log of [writer, reader, called, plainLog]) {
      expect(said(log, "token")).toBe("***");
      expect(said(log, "base64")).toBe("***");
    }
    const answers = [
      JSON.stringify(all),
      (await api(s, ADMIN, "GET", "/repos/acme/app/actions/runs")).text,
      (await api(s, ADMIN, "GET", `/repos/acme/app/actions/runs/${token}/jobs`)).text,
      s.stdout(),
      s.stderr(),
    ].join("\n");
    for (const t of tokens) {
      expect(answers).not.toContain(t);
      expect(answers).not.toContain(Buffer.from(t).toString("base64"));
    }

    // The writer's dispatch started noop.yml, as github-actions[bot].
    const runs = (await api(s, ADMIN, "GET", "/repos/acme/app/actions/runs")).json.workflow_runs as ApiRun[];
    const noop = runs.filter((r) => r.path === ".github/workflows/noop.yml");
    expect(noop).toHaveLength(1);
    expect(noop[0].actor.login).toBe("github-actions[bot]");
    // The audit trail names the job's token as GitHub does: github-actions[bot].
    const audit = await api(
      s,
      ADMIN,
      "GET",
      `/audit-log?action=workflows.created_workflow_run&actor=${encodeURIComponent("github-actions[bot]")}`,
    );
    expect(audit.status, audit.text).toBe(200);
    expect(audit.json).toHaveLength(1);
    expect(audit.json[0]).toMatchObject({ actor: "github-actions[bot]", actor_id: null });

    // The jobs are over: their tokens are refused everywhere.
    for (const t of tokens) {
      expect((await api(s, t, "GET", `/repos/acme/app/actions/runs/${token}`)).status).toBe(401);
      expect((await api(s, t, "GET", "/repos/acme/app")).status).toBe(401);
    }
    // The store keeps their hashes only: the values are nowhere under the data directory (database,
    // its WAL, logs …) but in the files the jobs wrote them to (their workspaces, on their way out,
    // and artifacts).
    const data = everything(
      s.data,
      ["artifacts", "work", "work-trash"].map((d) => join(s.data, d)),
    );
    for (const t of tokens) expect(data).not.toContain(t);
  });

  it("is good while its job runs, and refused once the job is cancelled, times out, or its server crashed", async () => {
    const { app, other } = twoRepos();
    const s = await serveWithConfig(config(app, other, "runners:\n  isolation: none\n"), ADMIN);
    const waitFor = async (dir: string) => {
      await until(
        async () => existsSync(join(dir, "token")),
        (found) => found,
      );
      return readFileSync(join(dir, "token"), "utf8");
    };

    // Cancelled.
    const cancelDir = mkdtempSync(join(tmpdir(), "gantry-job-token-"));
    const cancelled = await dispatch(s, "waiter.yml", { dir: cancelDir });
    const first = await waitFor(cancelDir);
    expect((await api(s, first, "GET", `/repos/acme/app/actions/runs/${cancelled}`)).status).toBe(200);
    expect((await api(s, ADMIN, "POST", `/repos/acme/app/actions/runs/${cancelled}/cancel`)).status).toBe(
      202,
    );
    expect((await completed(s, cancelled)).json.conclusion).toBe("cancelled");
    expect((await api(s, first, "GET", `/repos/acme/app/actions/runs/${cancelled}`)).status).toBe(401);

    // Timed out (timeout-minutes: 0.02, about a second).
    const timeoutDir = mkdtempSync(join(tmpdir(), "gantry-job-token-"));
    const timedOut = await dispatch(s, "waiter.yml", { dir: timeoutDir, minutes: "0.02" });
    const second = await waitFor(timeoutDir);
    expect((await completed(s, timedOut)).json.conclusion).toBe("failure");
    expect((await api(s, second, "GET", `/repos/acme/app/actions/runs/${timedOut}`)).status).toBe(401);

    // The server is killed while the job runs: the next start refuses its token (and ends the
    // job's processes, which the process ledger names).
    const crashDir = mkdtempSync(join(tmpdir(), "gantry-job-token-"));
    const crashed = await dispatch(s, "waiter.yml", { dir: crashDir });
    const third = await waitFor(crashDir);
    expect((await api(s, third, "GET", `/repos/acme/app/actions/runs/${crashed}`)).status).toBe(200);
    s.proc.kill("SIGKILL");
    await exited(s.proc);
    const again = await serve(s.args, { GANTRY_ADMIN_TOKEN: ADMIN });
    expect((await api(again, third, "GET", `/repos/acme/app/actions/runs/${crashed}`)).status).toBe(401);
    expect((await api(again, ADMIN, "GET", `/repos/acme/app/actions/runs/${crashed}`)).status).toBe(200);
  });
});

// A fork's pull request (issue 14, section 3): its jobs' token reads at most, whatever its workflow
// asks; pull_request_target runs the base's workflow, whose token writes as its permissions say.
const PR_WORKFLOW = `name: PR
on: pull_request
permissions:
  actions: write
jobs:
  try:
    runs-on: ubuntu-latest
    steps:
      - env:
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
        run: |
          ${CALL}
          echo "read-run=$(call "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID")"
          echo "dispatch=$(call -X POST -d '{"ref":"main"}' "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/actions/workflows/noop.yml/dispatches")"
`;

const targetWorkflow = (which: string) => `name: Target
on: pull_request_target
permissions:
  actions: write
jobs:
  try:
    runs-on: ubuntu-latest
    steps:
      - env:
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
          KEY: \${{ secrets.DEPLOY_KEY }}
        run: |
          ${CALL}
          echo "workflow=${which}"
          echo "secret-length=\${#KEY}"
          echo "dispatch=$(call -X POST -d '{"ref":"main"}' "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/actions/workflows/noop.yml/dispatches")"
`;

function pullRequestPayload(head: string, base: string) {
  return {
    action: "opened",
    number: 7,
    pull_request: {
      number: 7,
      head: { ref: "feature", sha: head, repo: { id: 2, full_name: "mallory/app", fork: true } },
      base: { ref: "main", sha: base, repo: { id: 1, full_name: "acme/app", fork: false } },
    },
    repository: {
      id: 1,
      name: "app",
      full_name: "acme/app",
      owner: { login: "acme" },
      default_branch: "main",
    },
    sender: { login: "mallory" },
  };
}

describe("gantry serve: a fork's pull request and its GITHUB_TOKEN", () => {
  it("gets a read-only token, while pull_request_target runs the base's workflow with secrets and a token that writes", async () => {
    const r = makeRemote({
      ".github/workflows/pr.yml": PR_WORKFLOW,
      ".github/workflows/target.yml": targetWorkflow("base"),
      ".github/workflows/noop.yml": NOOP,
    });
    git(r.work, "push", "-q", "origin", "main");
    const base = git(r.work, "rev-parse", "HEAD");
    git(r.work, "checkout", "-q", "-b", "feature");
    const head = commitFiles(r.work, {
      ".github/workflows/target.yml": targetWorkflow("head"),
      "f.txt": "1",
    });
    git(r.work, "push", "-q", "origin", "feature:refs/pull/7/head");
    git(r.work, "checkout", "-q", "main");
    const s = await serveWithConfig(
      `repo_url_schemes: [file]
repos:
  - { owner: acme, name: app, url: ${JSON.stringify(r.origin)}, poll_interval_seconds: 0, fork_approval: none }
secrets:
  DEPLOY_KEY: deploy-key-of-acme
hooks:
  github_secret: ${JSON.stringify(HOOK_SECRET)}
`,
      ADMIN,
    );
    const body = JSON.stringify(pullRequestPayload(head, base));
    const res = await fetch(`${s.url}/hooks/github`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": `sha256=${hmacSha256(HOOK_SECRET, body)}`,
      },
      body,
    });
    expect(res.status).toBe(202);
    const runs = await until(
      async () => (await api(s, ADMIN, "GET", "/repos/acme/app/actions/runs")).json.workflow_runs as ApiRun[],
      (list) =>
        ["pull_request", "pull_request_target"].every((e) =>
          list.some((x) => x.event === e && x.status === "completed"),
        ),
    );
    const pr = runs.find((x) => x.event === "pull_request") as ApiRun;
    const target = runs.find((x) => x.event === "pull_request_target") as ApiRun;
    const prLog = Object.values(await logs(s, pr.id))[0];
    const targetLog = Object.values(await logs(s, target.id))[0];
    expect(pr.conclusion, prLog).toBe("success");
    expect(target.conclusion, targetLog).toBe("success");

    // The fork's job reads (its workflow's actions: write is capped at read), and may not write.
    expect(said(prLog, "read-run")).toBe("200");
    expect(said(prLog, "dispatch")).toBe("403");
    // pull_request_target: the base's workflow, with the secret and a token that writes.
    expect(said(targetLog, "workflow")).toBe("base");
    expect(said(targetLog, "secret-length")).toBe(String("deploy-key-of-acme".length));
    expect(said(targetLog, "dispatch")).toBe("204");
  });
});
