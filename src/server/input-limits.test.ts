// What the server takes from a client, in process: bodies under per-route limits (413) and never
// read before authentication, 400 for a malformed URL or JSON nested too deep, refs and ids read
// one way on every route, and failed authentications throttled per client address (429).

import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeRepo } from "../../test/harness.js";
import { issuePersonalToken } from "../identity/index.js";
import { hmacSha256 } from "../triggers/index.js";
import { AuthThrottle } from "./auth-throttle.js";
import { type GantryServer, startServer } from "./index.js";
import { refProblem } from "./validate.js";

const TOKEN = "test-token";
const SECRET = "webhook-secret";
const auth = { authorization: `Bearer ${TOKEN}` };
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

async function server(config: Record<string, unknown> = {}): Promise<GantryServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-server-"));
  const s = await startServer({
    dataDir,
    listen: false,
    adminToken: TOKEN,
    triggers: false,
    webDir: join(dataDir, "no-web"),
    config: {
      hooks: { github_secret: SECRET, gitea_secret: SECRET, gitlab_token: SECRET, git_token: SECRET },
      limits: { webhook_body_bytes: 64 * 1024, api_body_bytes: 8 * 1024 },
      ...config,
    },
  });
  servers.push(s);
  return s;
}

/** A body that counts what the server pulled of it: `size` bytes in 1 KiB chunks. */
function countedBody(size: number) {
  const pulled = { bytes: 0 };
  let left = size;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left <= 0) return controller.close();
      const n = Math.min(1024, left);
      left -= n;
      pulled.bytes += n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
  });
  return { stream, pulled };
}

/** A request from a client address (the Node adapter's `incoming.socket`). */
function from(address: string) {
  return { incoming: { socket: { remoteAddress: address } } };
}

async function message(res: Response): Promise<string> {
  return ((await res.json()) as { message: string }).message;
}

describe("request bodies", () => {
  it("refuses a declared length over a hook's limit with 413 before reading, authenticated or not", async () => {
    const s = await server();
    for (const headers of [
      { "x-github-event": "push" },
      { "x-github-event": "push", "x-hub-signature-256": "sha256=00" },
    ]) {
      const body = countedBody(1024 * 1024);
      const res = await s.app.request("/hooks/github", {
        method: "POST",
        headers: { ...headers, "content-length": String(1024 * 1024) },
        body: body.stream,
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(await message(res)).toMatch(/over this route's limit of 64 KiB|65536 bytes/);
      expect(res.headers.get("connection")).toBe("close");
      expect(body.pulled.bytes).toBeLessThanOrEqual(2048);
    }
  });

  it("cuts a chunked hook body at the limit (413), the rest never read", async () => {
    const s = await server();
    const body = countedBody(1024 * 1024);
    const res = await s.app.request("/hooks/github", {
      method: "POST",
      headers: { "x-github-event": "push", "x-hub-signature-256": "sha256=00" },
      body: body.stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(body.pulled.bytes).toBeLessThan(80 * 1024);
  });

  it("checks a hook's token or signature header before reading the body (401, nothing read)", async () => {
    const s = await server();
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ["/hooks/github", { "x-github-event": "push" }, /missing X-Hub-Signature-256/],
      ["/hooks/gitea", { "x-gitea-event": "push" }, /missing X-Gitea-Signature/],
      ["/hooks/gitlab", { "x-gitlab-event": "Push Hook", "x-gitlab-token": "guess" }, /does not match/],
      ["/hooks/git", { authorization: "Bearer guess" }, /not this server's/],
    ];
    for (const [path, headers, reason] of cases) {
      const body = countedBody(32 * 1024);
      const res = await s.app.request(path, {
        method: "POST",
        headers,
        body: body.stream,
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(401);
      expect(await message(res)).toMatch(reason);
      expect(body.pulled.bytes).toBeLessThanOrEqual(2048);
    }
  });

  it("400 for a signed delivery whose shas or refs git could take for options", async () => {
    const s = await server();
    const sha = "a".repeat(40);
    const push = (over: Record<string, unknown>) =>
      JSON.stringify({
        ref: "refs/heads/main",
        before: sha,
        after: sha,
        repository: { name: "app", full_name: "acme/app", default_branch: "main" },
        ...over,
      });
    for (const [body, reason] of [
      [
        push({ after: "--output=/tmp/gantry-pwned" }),
        /(?:sha|after) '--output=\/tmp\/gantry-pwned' is not a commit id/,
      ],
      [push({ before: "HEAD~1" }), /before 'HEAD~1' is not a commit id/],
      [
        push({ ref: "--output=/tmp/gantry-pwned" }),
        /ref '--output=\/tmp\/gantry-pwned': a ref must not start with '-'/,
      ],
    ] as const) {
      const res = await s.app.request("/hooks/github", {
        method: "POST",
        headers: { "x-github-event": "push", "x-hub-signature-256": `sha256=${hmacSha256(SECRET, body)}` },
        body,
      });
      expect(res.status, body).toBe(400);
      expect(await message(res)).toMatch(reason);
    }
  });

  it("still takes a signed delivery, its HMAC computed while it streams", async () => {
    const s = await server();
    const body = JSON.stringify({ zen: "Keep it logically awesome." });
    const res = await s.app.request("/hooks/github", {
      method: "POST",
      headers: { "x-github-event": "ping", "x-hub-signature-256": `sha256=${hmacSha256(SECRET, body)}` },
      body,
    });
    expect(res.status).toBe(202);
    const bad = await s.app.request("/hooks/gitea", {
      method: "POST",
      headers: { "x-gitea-event": "push", "x-gitea-signature": hmacSha256("other", body) },
      body,
    });
    expect(bad.status).toBe(401);
    expect(await message(bad)).toMatch(/does not match the body/);
  });

  it("checks the API token before reading the body, then reads it under the API's limit", async () => {
    const s = await server();
    const unread = countedBody(64 * 1024);
    const anonymous = await s.app.request("/api/v1/repos", {
      method: "POST",
      body: unread.stream,
      duplex: "half",
    } as RequestInit);
    expect(anonymous.status).toBe(401);
    expect(unread.pulled.bytes).toBeLessThanOrEqual(2048);
    const declared = await s.app.request("/api/v1/repos", {
      method: "POST",
      headers: { ...auth, "content-length": String(9 * 1024) },
      body: "x".repeat(9 * 1024),
    });
    expect(declared.status).toBe(413);
    const chunked = countedBody(64 * 1024);
    const cut = await s.app.request("/api/v1/repos", {
      method: "POST",
      headers: auth,
      body: chunked.stream,
      duplex: "half",
    } as RequestInit);
    expect(cut.status).toBe(413);
    expect(await message(cut)).toMatch(/limit of 8192 bytes/);
    expect(chunked.pulled.bytes).toBeLessThan(16 * 1024);
  });

  it("has GitHub's 25 MiB for webhooks and 1 MiB for the API by default", async () => {
    const s = await server({ limits: {} });
    const hook = await s.app.request("/hooks/github", {
      method: "POST",
      headers: { "content-length": String(25 * 1024 * 1024 + 1) },
    });
    expect(hook.status).toBe(413);
    const fine = await s.app.request("/hooks/github", {
      method: "POST",
      headers: { "content-length": String(2 * 1024 * 1024) },
    });
    expect(fine.status).toBe(401);
    const api = await s.app.request("/api/v1/repos", {
      method: "POST",
      headers: { ...auth, "content-length": String(1024 * 1024 + 1) },
    });
    expect(api.status).toBe(413);
  });
});

describe("malformed input answers 400 with the reason", () => {
  it("a path that is not valid percent-encoding", async () => {
    const s = await server();
    for (const path of ["/%", "/assets/%ff", "/api/v1/repos/%E0%A4%A/app", "/hooks/%"]) {
      const res = await s.app.request(path, { headers: auth });
      expect(res.status, path).toBe(400);
      expect(await message(res)).toMatch(/malformed percent-encoding/);
    }
  });

  it("JSON nested 10,000 deep, in the API and in a webhook", async () => {
    const dir = makeRepo({ files: { "README.md": "hi" } });
    const s = await server({ repo_url_schemes: ["file"], limits: {} });
    await s.store.addRepo({
      owner: "acme",
      name: "app",
      url: dir,
      defaultBranch: "main",
      pollIntervalSeconds: 0,
    });
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    for (const [path, body] of [
      ["/repos", deep],
      ["/repos/acme/app/dispatches", `{"event_type":"x","client_payload":{"a":${deep}}}`],
    ]) {
      const res = await s.app.request(`/api/v1${path}`, { method: "POST", headers: auth, body });
      expect(res.status, path).toBe(400);
      expect(await message(res)).toMatch(/nested deeper than 100 levels/);
    }
    const body = `{"ref":"refs/heads/main","x":${deep}}`;
    const hook = await s.app.request("/hooks/github", {
      method: "POST",
      headers: { "x-github-event": "push", "x-hub-signature-256": `sha256=${hmacSha256(SECRET, body)}` },
      body,
    });
    expect(hook.status).toBe(400);
    expect(await message(hook)).toMatch(/nested deeper than 100 levels/);
  });
});

describe("refs and ids, read one way on every route", () => {
  const WF = `name: CI
on: [workflow_dispatch, repository_dispatch]
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`;

  it("takes refs as git check-ref-format does", () => {
    for (const ok of ["main", "refs/heads/main", "feature/a-b_c.d", "v1.2.3", "a@b"])
      expect(refProblem(ok), ok).toBeUndefined();
    for (const bad of [
      "main~0",
      "HEAD^",
      "a..b",
      "-x",
      "a b",
      "a:b",
      "a//b",
      "/a",
      "a/",
      "a.",
      ".a",
      "a/.b",
      "x.lock",
      "@",
      "a@{1}",
      "a\\b",
      "*",
      "",
    ])
      expect(refProblem(bad), bad).toBeDefined();
  });

  it("422 for a dispatch ref, branch filter or page that is not one; 404 for ids like 0x1 and 1e3", async () => {
    const dir = makeRepo({ files: { ".github/workflows/ci.yml": WF } });
    const s = await server({ repo_url_schemes: ["file"] });
    await s.store.addRepo({
      owner: "acme",
      name: "app",
      url: dir,
      defaultBranch: "main",
      pollIntervalSeconds: 0,
    });
    const post = (path: string, body: unknown) =>
      s.app.request(`/api/v1/repos/acme/app${path}`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify(body),
      });
    const get = (path: string) => s.app.request(`/api/v1/repos/acme/app${path}`, { headers: auth });
    for (const ref of ["main~0", "main^", "-main", "ma in"]) {
      const res = await post("/actions/workflows/ci.yml/dispatches", { ref });
      expect(res.status, ref).toBe(422);
    }
    expect((await get("/actions/workflows?ref=main~0")).status).toBe(422);
    expect((await get("/commits/main~0/status")).status).toBe(422);
    expect((await get("/actions/runs?branch=main~0")).status).toBe(422);
    for (const page of ["0x1", "1e1", "abc", "0"]) {
      expect((await get(`/actions/runs?page=${page}`)).status, page).toBe(422);
      expect((await get(`/actions/runs?per_page=${page}`)).status, page).toBe(422);
    }
    // Above GitHub's maximum of 100 a page is served at 100, as GitHub does (no error).
    expect((await get("/actions/runs?per_page=101")).status).toBe(200);
    expect((await get("/actions/runs?page=2&per_page=10")).status).toBe(200);

    const ok = await post("/actions/workflows/ci.yml/dispatches", { ref: "main", return_run_details: true });
    expect(ok.status).toBe(200);
    const { workflow_run_id: id } = (await ok.json()) as { workflow_run_id: number };
    expect(id).toBe(1);
    await s.whenIdle();
    expect((await get("/actions/runs/1")).status).toBe(200);
    for (const bad of ["0x1", "1e0", "01", "+1", "1.0", "0"]) {
      expect((await get(`/actions/runs/${bad}`)).status, bad).toBe(404);
      expect((await get(`/actions/jobs/${bad}`)).status, bad).toBe(404);
    }
    for (const route of [
      "/actions/runs/1/jobs",
      "/actions/runs/1/annotations",
      "/actions/runs/1/summaries",
    ]) {
      expect((await get(`${route}?attempt=1`)).status, route).toBe(200);
      for (const attempt of ["abc", "0x1", "2", "0"]) {
        const res = await get(`${route}?attempt=${attempt}`);
        expect(res.status, `${route}?attempt=${attempt}`).toBe(422);
        expect(await message(res)).toMatch(/attempt must be a decimal integer from 1 to 1/);
      }
    }
    expect((await get("/actions/runs/1/attempts/1/jobs")).status).toBe(200);
    for (const attempt of ["2", "0x1", "abc"]) {
      expect((await get(`/actions/runs/1/attempts/${attempt}/jobs`)).status, attempt).toBe(404);
    }
    const events = await s.app.request("/api/v1/events?run_id=0x1", { headers: auth });
    expect(events.status).toBe(422);
  });
});

describe("failed authentication is throttled per client address", () => {
  it("429 with Retry-After after 10 failures a minute, for API tokens and webhook signatures alike", async () => {
    const s = await server();
    const bad = { authorization: "Bearer nope" };
    for (let i = 0; i < 10; i++) {
      const res = await s.app.request("/api/v1/repos", { headers: bad }, from("10.0.0.1"));
      expect(res.status).toBe(401);
    }
    const blocked = await s.app.request("/api/v1/repos", { headers: bad }, from("10.0.0.1"));
    expect(blocked.status).toBe(429);
    const retry = Number(blocked.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    // Blocked means blocked: the right token is not even looked at, nor a webhook's signature.
    expect((await s.app.request("/api/v1/repos", { headers: auth }, from("10.0.0.1"))).status).toBe(429);
    const hook = await s.app.request(
      "/hooks/github",
      { method: "POST", headers: { "x-github-event": "ping" } },
      from("10.0.0.1"),
    );
    expect(hook.status).toBe(429);
    // Another address is not affected.
    expect((await s.app.request("/api/v1/repos", { headers: auth }, from("10.0.0.2"))).status).toBe(200);

    // Webhook signatures count too.
    for (let i = 0; i < 10; i++) {
      const res = await s.app.request(
        "/hooks/gitlab",
        { method: "POST", headers: { "x-gitlab-event": "Push Hook", "x-gitlab-token": `guess-${i}` } },
        from("10.0.0.3"),
      );
      expect(res.status).toBe(401);
    }
    expect((await s.app.request("/api/v1/repos", { headers: auth }, from("10.0.0.3"))).status).toBe(429);
  });

  it("successful requests neither count nor are held back", async () => {
    const s = await server({ limits: { auth_failures_per_minute: 3 } });
    for (let i = 0; i < 30; i++) {
      expect((await s.app.request("/api/v1/repos", { headers: auth }, from("10.0.0.9"))).status).toBe(200);
    }
    for (let i = 0; i < 2; i++) {
      expect((await s.app.request("/api/v1/repos", {}, from("10.0.0.9"))).status).toBe(401);
      expect((await s.app.request("/api/v1/repos", { headers: auth }, from("10.0.0.9"))).status).toBe(200);
    }
    expect((await s.app.request("/api/v1/repos", {}, from("10.0.0.9"))).status).toBe(401);
    expect((await s.app.request("/api/v1/repos", { headers: auth }, from("10.0.0.9"))).status).toBe(429);
  });

  it("forgets an address after its minute, and keeps the table bounded", () => {
    let now = 0;
    const throttle = new AuthThrottle({ limit: 2, windowMs: 60_000, maxEntries: 100, now: () => now });
    throttle.fail("a");
    throttle.fail("a");
    expect(throttle.blockedFor("a")).toBe(60);
    now = 45_000;
    expect(throttle.blockedFor("a")).toBe(15);
    now = 60_000;
    expect(throttle.blockedFor("a")).toBeUndefined();
    for (let i = 0; i < 10_000; i++) throttle.fail(`addr-${i}`);
    expect(throttle.size).toBeLessThanOrEqual(100);
    // The newest addresses are the ones kept.
    throttle.fail("addr-9999");
    expect(throttle.blockedFor("addr-9999")).toBeDefined();
  });
});

describe("repositories are named as GitHub names them, from URLs of the allowed schemes", () => {
  it("422 naming the reason for a bad owner, name or URL; 404 for a path no repository can have", async () => {
    const s = await server();
    const post = async (body: Record<string, unknown>) => {
      const res = await s.app.request("/api/v1/repos", {
        method: "POST",
        headers: auth,
        body: JSON.stringify(body),
      });
      return { status: res.status, errors: ((await res.json()) as { errors?: string[] }).errors ?? [] };
    };
    const url = "https://example.com/acme/app.git";
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ owner: "acme", name: "..", url }, /name: name must not be '\.' or '\.\.'/],
      [{ owner: "acme", name: ".", url }, /name: name must not be '\.' or '\.\.'/],
      [{ owner: "--help", name: "app", url }, /owner: owner must not start with '-'/],
      [{ owner: "acme", name: "a/b", url }, /name: name may hold only letters/],
      [{ owner: "a".repeat(40), name: "app", url }, /owner: owner must be at most 39 characters/],
      [{ owner: "acme", name: "a".repeat(101), url }, /name: name must be at most 100 characters/],
      [
        { owner: "acme", name: "app", url: "--upload-pack=touch /tmp/gantry-pwned" },
        /url: url must not start with '-'/,
      ],
      [{ owner: "acme", name: "app", url: "ext::sh -c touch% /tmp/gantry-pwned" }, /remote helper/],
      [
        { owner: "acme", name: "app", url: "/srv/git/app.git" },
        /local path.*repo_url_schemes is \[https, ssh\]/,
      ],
      [{ owner: "acme", name: "app", url: "file:///srv/git/app.git" }, /local path/],
      [{ owner: "acme", name: "app", url: "git://example.com/app.git" }, /scheme 'git' is not allowed/],
      [
        { owner: "acme", name: "app", url: "ftp://example.com/app.git" },
        /scheme 'ftp' is not one the server clones/,
      ],
      [
        { owner: "acme", name: "app", url: "ssh://-oProxyCommand=touch/app.git" },
        /host must not start with '-'/,
      ],
      [
        { owner: "acme", name: "app", url, default_branch: "main~0" },
        /default_branch: a ref must not contain/,
      ],
    ];
    for (const [body, reason] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.errors.join("\n"), JSON.stringify(body)).toMatch(reason);
    }
    const repo = makeRepo({ files: { "a.txt": "a" } });
    const patch = await s.app.request("/api/v1/repos/acme/app", {
      method: "PATCH",
      headers: auth,
      body: JSON.stringify({ url: repo }),
    });
    expect(patch.status).toBe(404);
    for (const path of ["/repos/acme/a%20b", "/repos/--help/app", "/repos/-x/app/actions/runs"]) {
      const res = await s.app.request(`/api/v1${path}`, { headers: auth });
      expect(res.status, path).toBe(404);
      expect(await message(res), path).toMatch(/must not|may hold only/);
    }
  });

  it("takes local paths when the config allows them (file), and refuses them on PATCH when it does not", async () => {
    const repo = makeRepo({ files: { "a.txt": "a" } });
    const allowed = await server({ repo_url_schemes: ["https", "file"] });
    const res = await allowed.app.request("/api/v1/repos", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ owner: "acme", name: "app", url: repo }),
    });
    expect(res.status).toBe(201);
    const s = await server();
    await s.store.addRepo({
      owner: "acme",
      name: "app",
      url: "https://example.com/a.git",
      defaultBranch: "main",
      pollIntervalSeconds: 0,
    });
    const patch = await s.app.request("/api/v1/repos/acme/app", {
      method: "PATCH",
      headers: auth,
      body: JSON.stringify({ url: repo }),
    });
    expect(patch.status).toBe(422);
    expect(((await patch.json()) as { errors: string[] }).errors[0]).toMatch(/^url: .* is a local path/);
  });
});

describe("DELETE /repos/{owner}/{repo}", () => {
  const WF = `name: CI
on: workflow_dispatch
jobs:
  ok:
    runs-on: ubuntu-latest
    steps:
      - run: echo done
  stuck:
    runs-on: [no-runner-has-this]
    steps:
      - run: echo never
`;

  it("an admin's: refuses while a run is not completed (409), then removes the repository, its clone and its runs (204)", async () => {
    const dir = makeRepo({ files: { ".github/workflows/ci.yml": WF } });
    const s = await server({ repo_url_schemes: ["file"] });
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = auth) =>
      s.app.request(`/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await call("POST", "/repos", { owner: "acme", name: "app", url: dir })).status).toBe(201);
    const dispatched = await call("POST", "/repos/acme/app/actions/workflows/ci.yml/dispatches", {
      ref: "main",
      return_run_details: true,
    });
    const { workflow_run_id: id } = (await dispatched.json()) as { workflow_run_id: number };
    const clone = s.context.clones.path({ owner: "acme", name: "app" });
    const logs = s.context.logs.dirOf(id, 1);
    // `ok` ran and wrote its log; `stuck` waits for a runner that never comes.
    for (;;) {
      const jobs = (await (await call("GET", `/repos/acme/app/actions/runs/${id}/jobs`)).json()) as {
        jobs: { name: string; status: string }[];
      };
      if (jobs.jobs.find((j) => j.name === "ok")?.status === "completed") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(existsSync(clone)).toBe(true);
    expect(existsSync(logs)).toBe(true);

    // A reader of the repository may not remove it (403); it sees it, so the answer is not 404.
    const reader = await s.store.addUser({ login: "reader" });
    await s.store.putCollaborator((await s.store.getRepo("acme", "app"))?.id ?? 0, reader.id, "read");
    const { value } = await issuePersonalToken(s.store, reader, { note: "t" });
    const notAdmin = await call("DELETE", "/repos/acme/app", undefined, {
      authorization: `Bearer ${value}`,
    });
    expect(notAdmin.status).toBe(403);
    const busy = await call("DELETE", "/repos/acme/app");
    expect(busy.status).toBe(409);
    expect(await message(busy)).toMatch(new RegExp(`1 run\\(s\\) not completed .*${id}.*cancel them`));
    expect((await call("GET", "/repos/acme/app")).status).toBe(200);

    expect((await call("POST", `/repos/acme/app/actions/runs/${id}/cancel`)).status).toBe(202);
    await s.whenIdle();
    const removed = await call("DELETE", "/repos/acme/app");
    expect(removed.status).toBe(204);
    expect(await removed.text()).toBe("");
    expect((await call("GET", "/repos/acme/app")).status).toBe(404);
    expect((await call("GET", "/repos")).status).toBe(200);
    expect(await (await call("GET", "/repos")).json()).toEqual([]);
    expect(await s.store.getRun(id)).toBeUndefined();
    expect(existsSync(clone)).toBe(false);
    expect(existsSync(logs)).toBe(false);
    expect((await call("DELETE", "/repos/acme/app")).status).toBe(404);
    // The name is free again.
    expect((await call("POST", "/repos", { owner: "acme", name: "app", url: dir })).status).toBe(201);
    const doc = (await (await s.app.request("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths["/repos/{owner}/{repo}"].delete.responses)).toEqual(
      expect.arrayContaining(["204", "403", "404", "409"]),
    );
  });
});
