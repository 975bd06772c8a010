import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hashToken, JOB_PREFIX, newTokenValue } from "../identity/index.js";
import { sealForKey } from "../secrets/index.js";
import type { Repo } from "../store/index.js";
import { type GantryServer, startServer } from "./index.js";

const ADMIN = "admin-token-for-secrets-tests";
const VALUE = "s3cr3t-value-that-must-not-come-back";
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

async function server(): Promise<{ s: GantryServer; repo: Repo }> {
  const s = await startServer({
    dataDir: mkdtempSync(join(tmpdir(), "gantry-secrets-")),
    listen: false,
    adminToken: ADMIN,
    config: { limits: { auth_failures_per_minute: 1000 } },
  });
  servers.push(s);
  const repo = await s.store.addRepo({
    owner: "acme",
    name: "app",
    url: "/nowhere.git",
    defaultBranch: "main",
    pollIntervalSeconds: 0,
  });
  expect((await call(s, ADMIN, "PUT", "/repos/acme/app/environments/Production", {})).status).toBe(200);
  return { s, repo };
}

async function call(s: GantryServer, token: string, method: string, path: string, body?: unknown) {
  const res = await s.app.request(`http://gantry.test/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // any: each endpoint answers its own shape; the tests read the fields they check.
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function sealedFor(s: GantryServer, token: string, base: string, value: string) {
  const key = await call(s, token, "GET", `${base}/secrets/public-key`);
  expect(key.status, key.text).toBe(200);
  return { encrypted_value: await sealForKey(value, key.json.key), key_id: key.json.key_id as string };
}

/** A user with this role on acme/app (none: no role at all), and a token for them. */
async function userWithRole(s: GantryServer, repo: Repo, login: string, role?: string): Promise<string> {
  expect((await call(s, ADMIN, "POST", "/admin/users", { login })).status).toBe(201);
  const user = await s.store.getUser(login);
  if (role && user) await s.store.putCollaborator(repo.id, user.id, role);
  const made = await call(s, ADMIN, "POST", `/admin/users/${login}/authorizations`, {
    note: "t",
    scopes: ["repo"],
  });
  expect(made.status, made.text).toBe(201);
  return made.json.token as string;
}

const repoBase = "/repos/acme/app/actions";
const envBase = "/repos/acme/app/environments/Production";
const serverBase = "/admin/actions";

describe("Actions secrets API", () => {
  it("answers 404 for an environment the repository does not have, and forgets one's secrets with it", async () => {
    const { s } = await server();
    const missing = "/repos/acme/app/environments/Staging";
    for (const [method, path] of [
      ["GET", `${missing}/secrets/public-key`],
      ["GET", `${missing}/secrets`],
      ["GET", `${missing}/variables`],
      ["POST", `${missing}/variables`],
    ] as const) {
      const r = await call(s, ADMIN, method, path, method === "POST" ? { name: "A", value: "b" } : undefined);
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    const put = await call(
      s,
      ADMIN,
      "PUT",
      `${missing}/secrets/TOKEN`,
      await sealedFor(s, ADMIN, envBase, VALUE),
    );
    expect(put.status).toBe(404);
    expect(
      (await call(s, ADMIN, "PUT", `${envBase}/secrets/TOKEN`, await sealedFor(s, ADMIN, envBase, VALUE)))
        .status,
    ).toBe(201);
    expect((await call(s, ADMIN, "DELETE", "/repos/acme/app/environments/Production")).status).toBe(204);
    expect((await call(s, ADMIN, "PUT", "/repos/acme/app/environments/Production", {})).status).toBe(200);
    expect((await call(s, ADMIN, "GET", `${envBase}/secrets`)).json).toEqual({ total_count: 0, secrets: [] });
  });

  it("takes a sealed secret at each level, answers names and dates only, and removes it", async () => {
    const { s } = await server();
    for (const base of [repoBase, envBase, serverBase]) {
      const answers: string[] = [];
      const key = await call(s, ADMIN, "GET", `${base}/secrets/public-key`);
      expect(Buffer.from(key.json.key, "base64")).toHaveLength(32);
      expect(key.json.key_id).toMatch(/^\d+$/);
      const put = await call(
        s,
        ADMIN,
        "PUT",
        `${base}/secrets/deploy_key`,
        await sealedFor(s, ADMIN, base, VALUE),
      );
      expect(put.status, put.text).toBe(201);
      const again = await call(
        s,
        ADMIN,
        "PUT",
        `${base}/secrets/DEPLOY_KEY`,
        await sealedFor(s, ADMIN, base, VALUE),
      );
      expect(again.status, again.text).toBe(204);
      const list = await call(s, ADMIN, "GET", `${base}/secrets`);
      expect(list.json.total_count).toBe(1);
      expect(list.json.secrets[0]).toMatchObject({ name: "DEPLOY_KEY" });
      expect(list.json.secrets[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(Object.keys(list.json.secrets[0]).sort()).toEqual(
        base === serverBase
          ? ["created_at", "name", "updated_at", "visibility"]
          : ["created_at", "name", "updated_at"],
      );
      const one = await call(s, ADMIN, "GET", `${base}/secrets/deploy_KEY`);
      expect(one.status).toBe(200);
      expect(one.json.name).toBe("DEPLOY_KEY");
      answers.push(put.text, again.text, list.text, one.text);
      for (const text of answers) expect(text).not.toContain(VALUE);
      expect((await call(s, ADMIN, "DELETE", `${base}/secrets/deploy_key`)).status).toBe(204);
      expect((await call(s, ADMIN, "GET", `${base}/secrets/DEPLOY_KEY`)).status).toBe(404);
      expect((await call(s, ADMIN, "DELETE", `${base}/secrets/DEPLOY_KEY`)).status).toBe(404);
    }
    // The audit trail has each change under GitHub's action names, with names only.
    const trail = await call(s, ADMIN, "GET", "/audit-log?order=asc&per_page=100");
    type Entry = { action: string; repo: string | null; details: { name?: string; environment?: string } };
    const changes = (trail.json as Entry[])
      .filter((e) => /actions_secret$/.test(e.action))
      .map((e) => [e.action, e.repo, e.details.name, e.details.environment]);
    expect(changes).toEqual([
      ["repo.create_actions_secret", "acme/app", "DEPLOY_KEY", undefined],
      ["repo.update_actions_secret", "acme/app", "DEPLOY_KEY", undefined],
      ["repo.remove_actions_secret", "acme/app", "DEPLOY_KEY", undefined],
      ["environment.create_actions_secret", "acme/app", "DEPLOY_KEY", "Production"],
      ["environment.update_actions_secret", "acme/app", "DEPLOY_KEY", "Production"],
      ["environment.remove_actions_secret", "acme/app", "DEPLOY_KEY", "Production"],
      ["org.create_actions_secret", null, "DEPLOY_KEY", undefined],
      ["org.update_actions_secret", null, "DEPLOY_KEY", undefined],
      ["org.remove_actions_secret", null, "DEPLOY_KEY", undefined],
    ]);
    expect(trail.text).not.toContain(VALUE);
    const openapi = await s.app.request("http://gantry.test/api/v1/openapi.json");
    const paths = Object.keys(((await openapi.json()) as { paths: object }).paths);
    for (const p of [
      "/repos/{owner}/{repo}/actions/secrets/public-key",
      "/repos/{owner}/{repo}/actions/secrets/{secret_name}",
      "/repos/{owner}/{repo}/environments/{environment_name}/variables/{name}",
      "/admin/actions/secrets",
      "/admin/actions/variables",
    ])
      expect(paths).toContain(p);
  });

  it("refuses bad input with the rule broken, and keeps nothing", async () => {
    const { s } = await server();
    const good = await sealedFor(s, ADMIN, repoBase, VALUE);
    const refused = async (name: string, body: unknown, status = 422) => {
      const answer = await call(s, ADMIN, "PUT", `${repoBase}/secrets/${name}`, body);
      expect(answer.status, answer.text).toBe(status);
      expect(answer.text).not.toContain(VALUE);
      return [answer.json.message, ...(answer.json.errors ?? [])].join("; ");
    };
    expect(await refused("X", { ...good, key_id: "42" })).toMatch(
      /key_id: '42' is not the current public key/,
    );
    const otherServer = (await server()).s;
    const foreign = await sealedFor(otherServer, ADMIN, repoBase, VALUE);
    expect(await refused("X", { ...foreign, key_id: good.key_id })).toMatch(/not a libsodium sealed box/);
    expect(await refused("X", { ...good, encrypted_value: VALUE })).toMatch(/not base64/);
    expect(await refused("X", { key_id: good.key_id })).toMatch(/encrypted_value is required/);
    expect(await refused("X", { encrypted_value: good.encrypted_value })).toMatch(/key_id is required/);
    expect(await refused("9LIVES", good)).toMatch(/must not start with a number/);
    expect(await refused("GITHUB_TOKEN", good)).toMatch(/GITHUB_ prefix/);
    expect(await refused("has-dash", good)).toMatch(/alphanumeric characters/);
    expect(await refused("X", await sealedFor(s, ADMIN, repoBase, "y".repeat(48 * 1024 + 1)))).toMatch(
      /limited to 48 KB/,
    );
    expect(await refused("X", { ...good, visibility: "private" })).toMatch(/visibility can only be all/);
    expect((await call(s, ADMIN, "GET", `${repoBase}/secrets`)).json).toEqual({
      total_count: 0,
      secrets: [],
    });
    expect(
      (await call(s, ADMIN, "PUT", `/repos/acme/app/environments/${"e".repeat(256)}/secrets/X`, good)).status,
    ).toBe(422);
  });

  it("lets only repository admins and site admins manage them; others get 404 or 403", async () => {
    const { s, repo } = await server();
    const stranger = await userWithRole(s, repo, "stranger");
    const reader = await userWithRole(s, repo, "reader", "read");
    const writer = await userWithRole(s, repo, "writer", "write");
    const maintainer = await userWithRole(s, repo, "maintainer", "maintain");
    const owner = await userWithRole(s, repo, "owner", "admin");
    const job = newTokenValue(JOB_PREFIX);
    await s.store.addToken({
      kind: "job",
      userId: null,
      name: "build",
      hash: hashToken(job),
      lastEight: null,
      scopes: [],
      expiresAt: null,
      repoId: repo.id,
      runId: 1,
      permissions: { contents: "write", actions: "write", metadata: "read" },
    });
    const body = await sealedFor(s, ADMIN, repoBase, VALUE);
    for (const base of [repoBase, envBase]) {
      const requests: Array<[string, string, unknown?]> = [
        ["GET", `${base}/secrets/public-key`],
        ["GET", `${base}/secrets`],
        ["PUT", `${base}/secrets/X`, body],
        ["DELETE", `${base}/secrets/X`],
        ["GET", `${base}/variables`],
        ["POST", `${base}/variables`, { name: "V", value: "1" }],
        ["PATCH", `${base}/variables/V`, { value: "2" }],
      ];
      for (const [method, path, b] of requests) {
        expect((await call(s, stranger, method, path, b)).status, `stranger ${method} ${path}`).toBe(404);
        for (const [who, token] of [
          ["reader", reader],
          ["writer", writer],
          ["maintainer", maintainer],
          ["job", job],
        ] as const) {
          const answer = await call(s, token, method, path, b);
          expect(answer.status, `${who} ${method} ${path}`).toBe(403);
          expect(answer.json.message).toBe("Must have admin rights to Repository.");
        }
      }
      expect((await call(s, owner, "PUT", `${base}/secrets/X`, body)).status).toBe(201);
      expect((await call(s, owner, "POST", `${base}/variables`, { name: "V", value: "1" })).status).toBe(201);
    }
    // Server-wide: site admins only, not a repository's admin.
    for (const token of [owner, reader, job]) {
      expect((await call(s, token, "GET", `${serverBase}/secrets`)).status).toBe(403);
      expect((await call(s, token, "PUT", `${serverBase}/secrets/X`, body)).status).toBe(403);
      expect(
        (await call(s, token, "POST", `${serverBase}/variables`, { name: "V", value: "1" })).status,
      ).toBe(403);
    }
    expect((await call(s, ADMIN, "GET", `${serverBase}/secrets`)).json.total_count).toBe(0);
    expect((await call(s, ADMIN, "GET", `${repoBase}/secrets`)).json.total_count).toBe(1);
  });
});

describe("Actions variables API", () => {
  it("creates, lists with values, renames, updates and deletes, as GitHub answers", async () => {
    const { s } = await server();
    for (const base of [repoBase, envBase, serverBase]) {
      expect(
        (await call(s, ADMIN, "POST", `${base}/variables`, { name: "region", value: "eu" })).status,
      ).toBe(201);
      const dup = await call(s, ADMIN, "POST", `${base}/variables`, { name: "REGION", value: "us" });
      expect(dup.status).toBe(409);
      const bad = await call(s, ADMIN, "POST", `${base}/variables`, { name: "GITHUB_X", value: "1" });
      expect(bad.status).toBe(422);
      expect(bad.json.errors.join()).toMatch(/GITHUB_ prefix/);
      expect(
        (await call(s, ADMIN, "POST", `${base}/variables`, { name: "BIG", value: "z".repeat(49153) })).status,
      ).toBe(422);
      expect((await call(s, ADMIN, "POST", `${base}/variables`, { name: "NOVALUE" })).status).toBe(422);
      const list = await call(s, ADMIN, "GET", `${base}/variables`);
      expect(list.json.total_count).toBe(1);
      expect(list.json.variables[0]).toMatchObject({ name: "REGION", value: "eu" });
      expect(
        (await call(s, ADMIN, "PATCH", `${base}/variables/region`, { name: "zone", value: "ap" })).status,
      ).toBe(204);
      expect((await call(s, ADMIN, "GET", `${base}/variables/ZONE`)).json).toMatchObject({
        name: "ZONE",
        value: "ap",
      });
      expect((await call(s, ADMIN, "PATCH", `${base}/variables/region`, { value: "x" })).status).toBe(404);
      expect((await call(s, ADMIN, "PATCH", `${base}/variables/zone`, {})).status).toBe(422);
      expect((await call(s, ADMIN, "DELETE", `${base}/variables/zone`)).status).toBe(204);
      expect((await call(s, ADMIN, "GET", `${base}/variables`)).json).toEqual({
        total_count: 0,
        variables: [],
      });
    }
    const trail = await call(s, ADMIN, "GET", "/audit-log?action=repo&order=asc&per_page=100");
    type Entry = { action: string; details: { name: string; old_name?: string } };
    expect(
      (trail.json as Entry[])
        .filter((e) => /actions_variable$/.test(e.action))
        .map((e) => [e.action, e.details.name, e.details.old_name]),
    ).toEqual([
      ["repo.create_actions_variable", "REGION", undefined],
      ["repo.update_actions_variable", "ZONE", "REGION"],
      ["repo.remove_actions_variable", "ZONE", undefined],
    ]);
  });
});
