// GitHub's self-hosted runners API as people use it (routes/runners.ts): registration tokens, the
// runners lists, one runner, removing one; who may do each (a stranger, a reader, a job's
// GITHUB_TOKEN whatever its permissions, a repository admin, a site admin), the shapes (status,
// busy, labels, what each runs now, the built-in pool as runner 0) and a job naming its runner.
// Runner rows are put in the store directly: registering is the runner protocol's.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeRepo } from "../../test/harness.js";
import { sampleRun } from "../../test/store-samples.js";
import {
  hashToken,
  issueJobToken,
  issuePersonalToken,
  PERMISSIONS,
  REGISTRATION_PREFIX,
} from "../identity/index.js";
import type { Runner } from "../store/index.js";
import { type GantryServer, startServer } from "./index.js";
import { RUNNER_ONLINE_MS } from "./runner-status.js";

const ADMIN = "runners-admin-token";
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

interface Answer {
  status: number;
  // any: each endpoint answers its own shape; a test reads the fields it checks.
  json: any;
  text: string;
  headers: Headers;
}

async function setup(config: Record<string, unknown> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-runners-"));
  const s = await startServer({
    dataDir,
    listen: false,
    triggers: false,
    adminToken: ADMIN,
    config: { repo_url_schemes: ["file"], ...config },
  });
  servers.push(s);
  const call = async (token: string | null, method: string, path: string): Promise<Answer> => {
    const res = await s.app.request(`http://gantry.test/api/v1${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, text, headers: res.headers };
  };
  for (const name of ["app", "other"]) {
    const dir = makeRepo({ files: { "README.md": "hi\n" } });
    const res = await s.app.request("/api/v1/repos", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ owner: "acme", name, url: dir }),
    });
    expect(res.status).toBe(201);
  }
  const app = await s.store.getRepo("acme", "app");
  const other = await s.store.getRepo("acme", "other");
  if (!app || !other) throw new Error("no repositories");
  /** A person's token with the `repo` scope (and more when given) and, when given, a role on acme/app. */
  const person = async (login: string, role?: string, scopes = ["repo"]) => {
    const user = await s.store.addUser({ login });
    if (role) await s.store.putCollaborator(app.id, user.id, role);
    return (await issuePersonalToken(s.store, user, { note: "t", scopes })).value;
  };
  /** A run of acme/app with one job, queued. */
  const queuedJob = async (repoId = app.id, key = "ci.yml/build") => {
    const run = await s.store.createRun(sampleRun(repoId));
    const job = await s.store.putJob({ runId: run.id, runAttempt: 1, key, name: "build", status: "queued" });
    return { run, job };
  };
  /** A runner machine's row, as registering would make it. */
  const runner = async (name: string, repoId: number | null, labels = ["self-hosted", "Linux", "X64"]) => {
    const made = await s.store.addRunner({
      name,
      repoId,
      labels,
      slots: 1,
      os: "linux",
      arch: "x64",
      version: "0.1.0",
      ephemeral: false,
      tokenHash: hashToken(`gantry_runner_${name}`),
    });
    if (!made) throw new Error(`runner ${name} exists`);
    return made;
  };
  /** The job, claimed by the runner (as its claim would). */
  const claim = async (r: Runner, jobId: number) => {
    await s.store.offerJob(jobId, "sealed");
    const lease = { id: `lease-${jobId}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    const claimed = await s.store.claimOfferedJob(r, (j) => j.id === jobId, lease);
    expect(claimed?.job.id).toBe(jobId);
  };
  /** A job's GITHUB_TOKEN for a run of acme/app, with every permission at write. */
  const jobToken = async () => {
    const { run } = await queuedJob(app.id, "ci.yml/token");
    const permissions = Object.fromEntries(PERMISSIONS.map((p) => [p, "write"]));
    return (await issueJobToken(s.store, { repoId: app.id, runId: run.id, name: "job", permissions })).value;
  };
  return { s, dataDir, call, app, other, person, queuedJob, runner, claim, jobToken };
}

const REPO = "/repos/acme/app/actions/runners";
const SERVER = "/actions/runners";

describe("runner registration tokens", () => {
  it("gives a repository admin and a site admin a one-hour token, kept hashed, audited without its value", async () => {
    const { s, dataDir, call, app, person } = await setup();
    const ada = await person("ada", "admin");
    const before = Date.now();
    const made = await call(ada, "POST", `${REPO}/registration-token`);
    expect(made.status).toBe(201);
    expect(made.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(made.json).sort()).toEqual(["expires_at", "token"]);
    const token: string = made.json.token;
    expect(token.startsWith(REGISTRATION_PREFIX)).toBe(true);
    const expires = Date.parse(made.json.expires_at);
    expect(expires - before).toBeGreaterThanOrEqual(3_600_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(3_600_000);
    // The store knows it by its hash, for acme/app, until it expires.
    const now = new Date().toISOString();
    expect(await s.store.findRunnerRegistration(hashToken(token), now)).toEqual({
      repoId: app.id,
      createdBy: "ada",
      expiresAt: made.json.expires_at,
    });
    expect(await s.store.findRunnerRegistration(token, now)).toBeUndefined();
    expect(
      await s.store.findRunnerRegistration(hashToken(token), new Date(expires + 1000).toISOString()),
    ).toBeUndefined();

    const server = await call(ADMIN, "POST", `${SERVER}/registration-token`);
    expect(server.status).toBe(201);
    expect(await s.store.findRunnerRegistration(hashToken(server.json.token), now)).toMatchObject({
      repoId: null,
      createdBy: "admin",
    });
    // A site admin may make a repository's too.
    expect((await call(ADMIN, "POST", `${REPO}/registration-token`)).status).toBe(201);

    const trail = await call(ADMIN, "GET", "/audit-log?action=repo.create_runner_registration_token");
    expect(trail.json.map((e: { actor: string; repo: string }) => [e.actor, e.repo])).toEqual([
      ["admin", "acme/app"],
      ["ada", "acme/app"],
    ]);
    const org = await call(ADMIN, "GET", "/audit-log?action=org.create_runner_registration_token");
    expect(org.json).toHaveLength(1);
    expect(org.json[0].details).toEqual({ expires_at: server.json.expires_at });
    // No token's value is kept anywhere: not in the database, not in the trail.
    await s.close();
    servers = [];
    const bytes = readdirSync(dataDir)
      .filter((f) => f.startsWith("gantry.db"))
      .map((f) => readFileSync(join(dataDir, f), "latin1"))
      .join("\n");
    // (The first was forgotten when it was looked up past its expiry.)
    expect(bytes.includes(hashToken(server.json.token))).toBe(true);
    expect(bytes.includes(token)).toBe(false);
    expect(bytes.includes(server.json.token)).toBe(false);
  });

  it("refuses everyone else, and stores nothing for them", async () => {
    const { s, call, person, jobToken } = await setup();
    const rita = await person("rita", "read");
    const mona = await person("mona", "maintain");
    const stranger = await person("stranger");
    const readOnlyAdmin = await person("ro", "admin", ["user"]);
    const job = await jobToken();
    const ada = await person("ada", "admin");
    const cases: Array<[string | null, string, number]> = [
      [null, REPO, 401],
      ["gantry_not_a_token", REPO, 401],
      [stranger, REPO, 404],
      [rita, REPO, 403],
      [mona, REPO, 403],
      [readOnlyAdmin, REPO, 403],
      [job, REPO, 403],
      [job, "/repos/acme/other/actions/runners", 404],
      [ada, "/repos/acme/other/actions/runners", 404],
      [null, SERVER, 401],
      [stranger, SERVER, 403],
      [ada, SERVER, 403],
      [job, SERVER, 403],
    ];
    for (const [token, path, status] of cases) {
      const answer = await call(token, "POST", `${path}/registration-token`);
      expect({ path, token: token?.slice(0, 12), status: answer.status }).toEqual({
        path,
        token: token?.slice(0, 12),
        status,
      });
      expect(answer.text).not.toContain(REGISTRATION_PREFIX);
    }
    // A site admin's token without the site_admin scope is no site admin's.
    const admin = await s.store.getUser("admin");
    if (!admin) throw new Error("no admin");
    const noScope = (await issuePersonalToken(s.store, admin, { note: "repo only", scopes: ["repo"] })).value;
    expect((await call(noScope, "POST", `${SERVER}/registration-token`)).status).toBe(403);
    const trail = await call(ADMIN, "GET", "/audit-log?action=repo.create_runner_registration_token");
    expect(trail.json).toEqual([]);
    expect((await call(ADMIN, "GET", "/audit-log?action=org.create_runner_registration_token")).json).toEqual(
      [],
    );
  });
});

describe("the runners lists", () => {
  it("shows a repository's runners to its admins: status, busy, labels, what each runs now", async () => {
    const { s, call, app, other, person, queuedJob, runner, claim } = await setup();
    const ada = await person("ada", "admin");
    const fast = await runner("fast", app.id, ["self-hosted", "Linux", "X64", "gpu"]);
    const idle = await runner("idle", app.id);
    await runner("elsewhere", other.id);
    await runner("shared", null);
    const { job } = await queuedJob();
    await claim(fast, job.id);
    // idle was last seen long ago: offline.
    await s.store.touchRunner(idle.id, new Date(Date.now() - RUNNER_ONLINE_MS - 5000).toISOString());

    const list = await call(ada, "GET", REPO);
    expect(list.status).toBe(200);
    expect(list.json.total_count).toBe(2);
    expect(list.json.runners.map((r: { name: string }) => r.name)).toEqual(["fast", "idle"]);
    expect(list.json.runners[0]).toEqual({
      id: fast.id,
      name: "fast",
      os: "Linux",
      status: "online",
      busy: true,
      ephemeral: false,
      labels: [
        { id: 1, name: "self-hosted", type: "read-only" },
        { id: 2, name: "Linux", type: "read-only" },
        { id: 3, name: "X64", type: "read-only" },
        { id: 4, name: "gpu", type: "custom" },
      ],
      built_in: false,
      repository: "acme/app",
      arch: "X64",
      slots: 1,
      version: "0.1.0",
      draining: false,
      last_seen_at: fast.lastSeenAt,
      jobs: [
        {
          id: job.id,
          run_id: job.runId,
          name: "build",
          repository: "acme/app",
          url: `http://gantry.test/api/v1/repos/acme/app/actions/jobs/${job.id}`,
          html_url: `http://gantry.test/acme/app/jobs/${job.id}`,
        },
      ],
    });
    expect(list.json.runners[1]).toMatchObject({ name: "idle", status: "offline", busy: false, jobs: [] });

    // One runner; another repository's or a server-wide one is not found here.
    expect((await call(ada, "GET", `${REPO}/${fast.id}`)).json).toEqual(list.json.runners[0]);
    const shared = (await s.store.listRunners(null))[0];
    for (const id of [shared.id, (await s.store.listRunners(other.id))[0].id, 0, 999])
      expect((await call(ada, "GET", `${REPO}/${id}`)).status).toBe(404);
    expect((await call(ada, "GET", `${REPO}/abc`)).status).toBe(404);

    // GitHub's paging and name filter.
    const page = await call(ada, "GET", `${REPO}?per_page=1&page=2`);
    expect(page.json.total_count).toBe(2);
    expect(page.json.runners.map((r: { name: string }) => r.name)).toEqual(["idle"]);
    expect(page.headers.get("link")).toContain('rel="prev"');
    expect((await call(ada, "GET", `${REPO}?per_page=1`)).headers.get("link")).toContain('rel="next"');
    const named = await call(ada, "GET", `${REPO}?name=idle`);
    expect(named.json.runners.map((r: { name: string }) => r.name)).toEqual(["idle"]);
    expect(named.json.total_count).toBe(1);
    expect((await call(ada, "GET", `${REPO}?per_page=101`)).json.runners).toHaveLength(2);
    for (const bad of ["per_page=0", "page=x", "page=-1"]) {
      const refused = await call(ada, "GET", `${REPO}?${bad}`);
      expect({ bad, status: refused.status }).toEqual({ bad, status: 422 });
    }
  });

  it("refuses the lists and a runner to everyone but a repository's admins and site admins", async () => {
    const { call, app, person, runner, jobToken } = await setup();
    const r = await runner("fast", app.id);
    const rita = await person("rita", "read");
    const mona = await person("mona", "maintain");
    const stranger = await person("stranger");
    const job = await jobToken();
    const ada = await person("ada", "admin");
    for (const path of [REPO, `${REPO}/${r.id}`]) {
      for (const [token, status] of [
        [null, 401],
        [stranger, 404],
        [rita, 403],
        [mona, 403],
        [job, 403],
        [ada, 200],
        [ADMIN, 200],
      ] as Array<[string | null, number]>) {
        const answer = await call(token, "GET", path);
        expect({ path, token: token?.slice(0, 12), status: answer.status }).toEqual({
          path,
          token: token?.slice(0, 12),
          status,
        });
      }
    }
    for (const path of [SERVER, `${SERVER}/${r.id}`, `${SERVER}/0`]) {
      for (const [token, status] of [
        [null, 401],
        [stranger, 403],
        [rita, 403],
        [job, 403],
        [ada, 403],
        [ADMIN, 200],
      ] as Array<[string | null, number]>) {
        const answer = await call(token, "GET", path);
        expect({ path, token: token?.slice(0, 12), status: answer.status }).toEqual({
          path,
          token: token?.slice(0, 12),
          status,
        });
      }
    }
  });

  it("shows site admins every runner, the built-in pool first as runner 0", async () => {
    const { s, call, app, other, runner, queuedJob, claim } = await setup();
    const shared = await runner("shared", null);
    await runner("app-runner", app.id);
    await runner("other-runner", other.id);
    const { job } = await queuedJob(other.id);
    await claim(shared, job.id);

    const list = await call(ADMIN, "GET", SERVER);
    expect(list.status).toBe(200);
    expect(list.json.total_count).toBe(4);
    expect(list.json.runners.map((r: { id: number; name: string }) => [r.id, r.name])).toEqual([
      [0, "gantry"],
      [shared.id, "shared"],
      [shared.id + 1, "app-runner"],
      [shared.id + 2, "other-runner"],
    ]);
    const builtIn = list.json.runners[0];
    expect(builtIn).toMatchObject({
      id: 0,
      built_in: true,
      status: "online",
      busy: false,
      repository: null,
      slots: 2,
      version: null,
      last_seen_at: null,
      jobs: [],
    });
    expect(builtIn.labels.every((l: { type: string }) => l.type === "read-only")).toBe(true);
    expect(builtIn.labels.map((l: { name: string }) => l.name)).toContain("self-hosted");
    // A server-wide runner runs any repository's job, and a site admin sees which.
    expect(list.json.runners[1]).toMatchObject({
      repository: null,
      busy: true,
      jobs: [{ id: job.id, repository: "acme/other" }],
    });
    expect(list.json.runners.map((r: { repository: string | null }) => r.repository)).toEqual([
      null,
      null,
      "acme/app",
      "acme/other",
    ]);
    expect((await call(ADMIN, "GET", `${SERVER}/0`)).json).toEqual(builtIn);
    expect((await call(ADMIN, "GET", `${SERVER}/${shared.id}`)).json).toEqual(list.json.runners[1]);
    expect((await call(ADMIN, "GET", `${SERVER}/999`)).status).toBe(404);
    for (const id of ["-1", "00", "1e3", "x"])
      expect((await call(ADMIN, "GET", `${SERVER}/${id}`)).status).toBe(404);
    const page = await call(ADMIN, "GET", `${SERVER}?per_page=3&page=2`);
    expect(page.json.runners.map((r: { name: string }) => r.name)).toEqual(["other-runner"]);
    expect(
      (await call(ADMIN, "GET", `${SERVER}?name=gantry`)).json.runners.map((r: { id: number }) => r.id),
    ).toEqual([0]);
    // The pool's own: still no runner rows in the store.
    expect((await s.store.listRunners()).length).toBe(3);
  });

  it("lists no built-in pool when the config turns it off (runners.slots: 0)", async () => {
    const { call, runner } = await setup({ runners: { slots: 0 } });
    await runner("shared", null);
    const list = await call(ADMIN, "GET", SERVER);
    expect(list.json.total_count).toBe(1);
    expect(list.json.runners.map((r: { name: string }) => r.name)).toEqual(["shared"]);
    expect((await call(ADMIN, "GET", `${SERVER}/0`)).status).toBe(404);
  });
});

describe("removing a runner", () => {
  it("lets a repository admin remove its runner: its credential stops working, the trail says who", async () => {
    const { s, call, app, other, person, runner, queuedJob, claim } = await setup();
    const ada = await person("ada", "admin");
    const mine = await runner("mine", app.id);
    const theirs = await runner("theirs", other.id);
    const shared = await runner("shared", null);
    const { job } = await queuedJob();
    await claim(mine, job.id);
    // Not its repository's runner, nor a server-wide one: not found, nothing removed.
    for (const id of [theirs.id, shared.id, 0, 999])
      expect((await call(ada, "DELETE", `${REPO}/${id}`)).status).toBe(404);
    // A reader and a job's token may not.
    expect((await call(await person("rita", "read"), "DELETE", `${REPO}/${mine.id}`)).status).toBe(403);
    expect((await s.store.listRunners()).length).toBe(3);

    expect((await call(ada, "DELETE", `${REPO}/${mine.id}`)).status).toBe(204);
    expect(await s.store.getRunner(mine.id)).toBeUndefined();
    expect(await s.store.findRunnerByToken(hashToken("gantry_runner_mine"))).toBeUndefined();
    expect((await call(ada, "GET", REPO)).json).toEqual({ total_count: 0, runners: [] });
    expect((await call(ada, "DELETE", `${REPO}/${mine.id}`)).status).toBe(404);
    const trail = await call(ADMIN, "GET", "/audit-log?action=repo.remove_self_hosted_runner");
    expect(
      trail.json.map((e: { actor: string; repo: string; details: object }) => [e.actor, e.repo, e.details]),
    ).toEqual([
      ["ada", "acme/app", { runner_id: mine.id, name: "mine", labels: ["self-hosted", "Linux", "X64"] }],
    ]);
  });

  it("lets site admins remove any runner but the built-in pool; nobody else may", async () => {
    const { s, call, app, person, runner, jobToken } = await setup();
    const shared = await runner("shared", null);
    const mine = await runner("mine", app.id);
    const ada = await person("ada", "admin");
    const job = await jobToken();
    for (const token of [ada, job, await person("stranger")])
      expect((await call(token, "DELETE", `${SERVER}/${shared.id}`)).status).toBe(403);
    expect((await call(job, "DELETE", `${REPO}/${mine.id}`)).status).toBe(403);
    expect((await s.store.listRunners()).length).toBe(2);

    const builtIn = await call(ADMIN, "DELETE", `${SERVER}/0`);
    expect(builtIn.status).toBe(422);
    expect(builtIn.json.message).toContain("runners.slots");
    expect((await call(ADMIN, "DELETE", `${SERVER}/${shared.id}`)).status).toBe(204);
    expect((await call(ADMIN, "DELETE", `${SERVER}/${mine.id}`)).status).toBe(204);
    expect((await call(ADMIN, "DELETE", `${SERVER}/${mine.id}`)).status).toBe(404);
    expect(await s.store.listRunners()).toEqual([]);
    const org = await call(ADMIN, "GET", "/audit-log?action=org.remove_self_hosted_runner");
    expect(org.json.map((e: { details: { name: string } }) => e.details.name)).toEqual(["shared"]);
    const repo = await call(ADMIN, "GET", "/audit-log?action=repo.remove_self_hosted_runner");
    expect(repo.json.map((e: { repo: string }) => e.repo)).toEqual(["acme/app"]);
  });
});

describe("a job names its runner", () => {
  it("gives the runner machine's id and name, and null before any runner took it", async () => {
    const { call, app, runner, queuedJob, claim } = await setup();
    const r = await runner("fast", app.id);
    const { job } = await queuedJob();
    const before = await call(ADMIN, "GET", `/repos/acme/app/actions/jobs/${job.id}`);
    expect(before.json).toMatchObject({ runner_id: null, runner_name: null });
    await claim(r, job.id);
    const after = await call(ADMIN, "GET", `/repos/acme/app/actions/jobs/${job.id}`);
    expect(after.json).toMatchObject({ runner_id: r.id, runner_name: "fast" });
  });

  it("documents every route in openapi.json", async () => {
    const { call } = await setup();
    const doc = (await call(null, "GET", "/openapi.json")).json as { paths: Record<string, object> };
    for (const [path, methods] of [
      ["/repos/{owner}/{repo}/actions/runners", ["get"]],
      ["/repos/{owner}/{repo}/actions/runners/registration-token", ["post"]],
      ["/repos/{owner}/{repo}/actions/runners/{runner_id}", ["get", "delete"]],
      ["/actions/runners", ["get"]],
      ["/actions/runners/registration-token", ["post"]],
      ["/actions/runners/{runner_id}", ["get", "delete"]],
    ] as const)
      expect(Object.keys(doc.paths[path] ?? {}).sort()).toEqual([...methods].sort());
  });
});
