// The server as an OpenID Connect issuer for its jobs (issue 15 §3), on a real `gantry serve`: a
// JavaScript action calls the real @actions/core getIDToken(), and `jose` verifies what it got
// against the server's JWKS (createRemoteJWKSet over HTTP), for a push to a branch and for a pull
// request, and for a job with an environment (sub repo:O/R:environment:NAME); a job without `id-token: write`, and a fork's pull request, get no variables; the
// request token dies with its job.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { hmacSha256 } from "../src/triggers/index.js";
import { commitFiles, makeRemote } from "./git-remote.js";
import { gantry, git, scratch } from "./harness.js";
import { api, type Serve, serveWithConfig, until } from "./serve-harness.js";

const TOKEN = "e2e-oidc-admin-token";
const HOOK_SECRET = "oidc-test-webhook-secret";

/**
 * A JavaScript action driving the real @actions/core: getIDToken(audience), the token written to
 * `<out>/<event>-<job>.jwt`, the request's URL and token to `.req` (for the test to ask again once
 * the job has ended), or the error @actions/core threw to `.err`.
 */
function oidcAction(): Record<string, string> {
  const core = import.meta.resolve("@actions/core");
  const main = `
import { writeFileSync } from "node:fs";
import { join } from "node:path";
const core = await import(${JSON.stringify(core)});
const out = join(process.env.INPUT_OUT, process.env.GITHUB_EVENT_NAME + "-" + process.env.GITHUB_JOB);
try {
  const token = await core.getIDToken(process.env.INPUT_AUDIENCE || undefined);
  writeFileSync(out + ".jwt", token);
  writeFileSync(out + ".req", JSON.stringify({ url: process.env.ACTIONS_ID_TOKEN_REQUEST_URL, token: process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN }));
  console.log("got an ID token: " + token);
} catch (err) {
  writeFileSync(out + ".err", err.message);
  console.log("no ID token: " + err.message);
}
`;
  const manifest = `name: oidc
description: gets an ID token with @actions/core
inputs:
  audience: { required: false }
  out: { required: true }
runs:
  using: node20
  main: main.mjs
`;
  return { ".github/actions/oidc/action.yml": manifest, ".github/actions/oidc/main.mjs": main };
}

const workflow = (out: string) => `name: OIDC
on: [push, pull_request]
permissions:
  contents: read
jobs:
  granted:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/actions/oidc
        with: { audience: sts.amazonaws.com, out: ${JSON.stringify(out)} }
  deploy:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    environment: production
    permissions:
      id-token: write
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/actions/oidc
        with: { audience: sts.amazonaws.com, out: ${JSON.stringify(out)} }
  plain:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "url=\${ACTIONS_ID_TOKEN_REQUEST_URL:-absent} token=\${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-absent}"
      - uses: ./.github/actions/oidc
        with: { out: ${JSON.stringify(out)} }
`;

/** A signed GitHub delivery. */
function deliver(s: Serve, event: string, payload: unknown): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${s.url}/hooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${hmacSha256(HOOK_SECRET, body)}`,
    },
    body,
  });
}

/** GitHub's pull_request payload for #7, its head in `headRepo` (acme/app: the same repository). */
function pullRequest(head: string, base: string, headRepo: string) {
  const forked = headRepo !== "acme/app";
  return {
    action: "opened",
    number: 7,
    pull_request: {
      number: 7,
      head: { ref: "feature", sha: head, repo: { id: forked ? 2 : 1, full_name: headRepo, fork: forked } },
      base: { ref: "main", sha: base, repo: { id: 1, full_name: "acme/app", fork: false } },
    },
    repository: {
      id: 1,
      name: "app",
      full_name: "acme/app",
      owner: { login: "acme" },
      default_branch: "main",
    },
    sender: { login: forked ? "mallory" : "dev" },
  };
}

interface ApiRun {
  id: number;
  event: string;
  status: string;
  conclusion: string | null;
  head_sha: string;
}

async function completedRuns(s: Serve, n: number): Promise<ApiRun[]> {
  const list = await until(
    async () => (await api(s, TOKEN, "GET", "/repos/acme/app/actions/runs")).json.workflow_runs as ApiRun[],
    (runs) => runs.length >= n && runs.every((r) => r.status === "completed"),
  );
  return [...list].reverse();
}

/** The log of the run's job named `name`. */
async function jobLog(s: Serve, runId: number, name: string): Promise<string> {
  const jobs = (await api(s, TOKEN, "GET", `/repos/acme/app/actions/runs/${runId}/jobs`)).json.jobs as {
    id: number;
    name: string;
  }[];
  const job = jobs.find((j) => j.name === name);
  if (!job) throw new Error(`no job ${name} in run ${runId}`);
  return (await api(s, TOKEN, "GET", `/repos/acme/app/actions/jobs/${job.id}/logs`)).text;
}

describe("gantry serve: OIDC ID tokens for jobs", () => {
  it("a job granted id-token: write gets tokens jose verifies against the JWKS; others get no variables; the request token dies with the job", async () => {
    const out = scratch();
    const r = makeRemote({
      ".github/workflows/oidc.yml": workflow(out),
      ...oidcAction(),
      "README.md": "hi\n",
    });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]
repos:
  - { owner: acme, name: app, url: ${JSON.stringify(r.origin)}, poll_interval_seconds: 0 }
runners:
  writable: [${JSON.stringify(out)}]
hooks:
  github_secret: ${JSON.stringify(HOOK_SECRET)}
`,
      TOKEN,
    );

    // The issuer, public: its discovery document names the JWKS a relying party fetches.
    const discovery = await fetch(`${s.url}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    const doc = (await discovery.json()) as { issuer: string; jwks_uri: string };
    expect(doc.issuer).toBe(s.url);
    const jwks = createRemoteJWKSet(new URL(doc.jwks_uri));

    // A push to a branch, through gantry's post-receive hook.
    const hooked = await gantry(r.work, ["hook", "install", r.origin, "--server", s.url, "--token", TOKEN]);
    expect(hooked.code, hooked.stderr).toBe(0);
    git(r.work, "checkout", "-q", "-b", "release/1.x");
    const pushed = commitFiles(r.work, { "a.txt": "1" }, "release");
    git(r.work, "push", "-q", "origin", "release/1.x");
    const [push] = await completedRuns(s, 1);
    expect(push).toMatchObject({ event: "push", head_sha: pushed, conclusion: "success" });

    const token = readFileSync(join(out, "push-granted.jwt"), "utf8");
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", typ: "JWT" });
    const { payload } = await jwtVerify(token, jwks, { issuer: s.url, audience: "sts.amazonaws.com" });
    expect(payload).toMatchObject({
      sub: "repo:acme/app:ref:refs/heads/release/1.x",
      aud: "sts.amazonaws.com",
      repository: "acme/app",
      repository_owner: "acme",
      ref: "refs/heads/release/1.x",
      ref_type: "branch",
      sha: pushed,
      event_name: "push",
      workflow: "OIDC",
      workflow_ref: "acme/app/.github/workflows/oidc.yml@refs/heads/release/1.x",
      job_workflow_ref: "acme/app/.github/workflows/oidc.yml@refs/heads/release/1.x",
      run_id: String(push.id),
      run_attempt: "1",
      runner_environment: "self-hosted",
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
    // The token was masked in the job's log, as @actions/core asks.
    const grantedLog = await jobLog(s, push.id, "granted");
    expect(grantedLog).toContain("got an ID token: ***");
    expect(grantedLog).not.toContain(token.split(".")[1]);

    // A job with an environment: the environment claim, and sub names the environment.
    const deployToken = readFileSync(join(out, "push-deploy.jwt"), "utf8");
    const deployed = await jwtVerify(deployToken, jwks, { issuer: s.url, audience: "sts.amazonaws.com" });
    expect(deployed.payload).toMatchObject({
      sub: "repo:acme/app:environment:production",
      environment: "production",
      ref: "refs/heads/release/1.x",
      event_name: "push",
    });
    expect(payload.environment).toBeUndefined();

    // Without id-token: write, neither variable, and @actions/core says so.
    const plainLog = await jobLog(s, push.id, "plain");
    expect(plainLog).toMatch(/url=absent token=absent/);
    expect(readFileSync(join(out, "push-plain.err"), "utf8")).toContain(
      "Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable",
    );
    expect(existsSync(join(out, "push-plain.jwt"))).toBe(false);

    // The job has ended: its request token is refused (the URL already has its query string).
    const request = JSON.parse(readFileSync(join(out, "push-granted.req"), "utf8")) as {
      url: string;
      token: string;
    };
    expect(request.url).toBe(`${s.url}/_services/oidc/token?api-version=2.0`);
    const after = await fetch(`${request.url}&audience=sts.amazonaws.com`, {
      headers: { authorization: `Bearer ${request.token}` },
    });
    expect(after.status).toBe(401);
    // Nor is an API token a request token.
    expect((await fetch(request.url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);

    // A pull request within the repository: sub names pull_request.
    git(r.work, "checkout", "-q", "main");
    const base = git(r.work, "rev-parse", "HEAD");
    git(r.work, "checkout", "-q", "-b", "feature");
    const head = commitFiles(r.work, { "f.txt": "1" }, "feature");
    git(r.work, "push", "-q", "origin", "feature:refs/pull/7/head");
    expect((await deliver(s, "pull_request", pullRequest(head, base, "acme/app"))).status).toBeLessThan(300);
    const [, pr] = await completedRuns(s, 2);
    expect(pr).toMatchObject({ event: "pull_request", conclusion: "success" });
    const prToken = readFileSync(join(out, "pull_request-granted.jwt"), "utf8");
    const verified = await jwtVerify(prToken, jwks, { issuer: s.url, audience: "sts.amazonaws.com" });
    expect(verified.payload).toMatchObject({
      sub: "repo:acme/app:pull_request",
      event_name: "pull_request",
      ref: "refs/pull/7/merge",
      head_ref: "feature",
      base_ref: "main",
    });

    // A fork's pull request: its token only reads, so no ID token, whatever its workflow asks.
    rmOutputs(out, "pull_request");
    expect((await deliver(s, "pull_request", pullRequest(head, base, "mallory/app"))).status).toBeLessThan(
      300,
    );
    const [, , fork] = await completedRuns(s, 3);
    expect(fork.event).toBe("pull_request");
    expect(existsSync(join(out, "pull_request-granted.jwt"))).toBe(false);
    expect(readFileSync(join(out, "pull_request-granted.err"), "utf8")).toContain(
      "Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable",
    );

    // Nothing of the private key reached the jobs' logs or the API.
    const keyFile = readFileSync(join(s.data, "oidc-keys.json"), "utf8");
    const pem = (JSON.parse(keyFile).keys[0].private_key as string).split("\n")[5];
    for (const run of [push, pr, fork]) {
      for (const job of ["granted", "plain"]) expect(await jobLog(s, run.id, job)).not.toContain(pem);
    }
  });
});

function rmOutputs(dir: string, prefix: string): void {
  for (const suffix of ["granted.jwt", "granted.req", "granted.err", "plain.err"]) {
    const path = join(dir, `${prefix}-${suffix}`);
    if (existsSync(path)) rmSync(path);
  }
}
