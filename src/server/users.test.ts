import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hashToken, JOB_PREFIX, newTokenValue } from "../identity/index.js";
import { type GantryServer, startServer } from "./index.js";
import { loginProblem, parseExpiry } from "./user-schemas.js";

const ADMIN = "admin-token-for-users-tests";
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

async function server(): Promise<GantryServer> {
  const s = await startServer({
    dataDir: mkdtempSync(join(tmpdir(), "gantry-users-")),
    listen: false,
    adminToken: ADMIN,
    // Every in-process request comes from one address ("unknown"): the tests' own 401s must not add up to a 429.
    config: { limits: { auth_failures_per_minute: 1000 } },
  });
  servers.push(s);
  return s;
}

async function call(s: GantryServer, token: string, method: string, path: string, body?: unknown) {
  const res = await s.app.request(`http://gantry.test/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // any: each endpoint answers its own shape; the tests read the fields they check.
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** A user made by the admin, and a token for them (the given scopes, else the default ones). */
async function userWithToken(s: GantryServer, login: string, scopes?: string[]) {
  expect((await call(s, ADMIN, "POST", "/admin/users", { login })).status).toBe(201);
  const made = await call(s, ADMIN, "POST", `/admin/users/${login}/authorizations`, {
    note: "laptop",
    ...(scopes ? { scopes } : {}),
  });
  expect(made.status).toBe(201);
  return made.json.token as string;
}

describe("logins and expiry dates", () => {
  it("takes GitHub's logins only", () => {
    for (const ok of ["mona", "Mona-Lisa", "a", "a1-b2-c3", "x".repeat(39)])
      expect(loginProblem(ok)).toBeUndefined();
    expect(loginProblem("")).toMatch(/empty/);
    expect(loginProblem("x".repeat(40))).toMatch(/39 characters/);
    expect(loginProblem("-mona")).toMatch(/hyphen/);
    expect(loginProblem("mona-")).toMatch(/hyphen/);
    expect(loginProblem("mo--na")).toMatch(/consecutive/);
    for (const bad of ["mo_na", "mo.na", "mona lisa", "möna", "mona[bot]", "../x"])
      expect(loginProblem(bad)).toMatch(/letters, digits and hyphens/);
  });

  it("reads ISO dates and times with a zone, nothing else", () => {
    expect(parseExpiry("2027-01-31")).toBe("2027-01-31T00:00:00.000Z");
    expect(parseExpiry("2027-01-31T12:30:00+02:00")).toBe("2027-01-31T10:30:00.000Z");
    for (const bad of ["tomorrow", "2027-01-31T12:00:00", "2027-13-45", "1700000000", ""])
      expect(parseExpiry(bad)).toBeUndefined();
  });
});

describe("users", () => {
  it("a site admin makes users in GitHub's shape; logins are unique without regard to case", async () => {
    const s = await server();
    const made = await call(s, ADMIN, "POST", "/admin/users", { login: "Mona", email: "mona@example.com" });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({
      login: "Mona",
      type: "User",
      site_admin: false,
      email: "mona@example.com",
      suspended_at: null,
      url: "http://gantry.test/api/v1/users/Mona",
      html_url: "http://gantry.test/users/Mona",
    });
    expect(Buffer.from(made.json.node_id, "base64").toString()).toBe(`04:User${made.json.id}`);
    const again = await call(s, ADMIN, "POST", "/admin/users", { login: "mONA" });
    expect(again.status).toBe(422);
    expect(again.json.errors[0]).toMatch(/already_exists/);
    expect((await call(s, ADMIN, "GET", "/users/mona")).json.login).toBe("Mona");
  });

  it("refuses bad input with the reason and stores nothing", async () => {
    const s = await server();
    const before = (await call(s, ADMIN, "GET", "/users")).json.length;
    for (const [body, reason] of [
      [{ login: "-x" }, /hyphen/],
      [{ login: "a".repeat(40) }, /39/],
      [{ login: "a_b" }, /letters, digits and hyphens/],
      [{}, /login is required/],
      [{ login: "ok", email: "not-an-address" }, /email/],
      [{ login: "ok", site_admin: true }, /site_admin/],
    ] as const) {
      const answer = await call(s, ADMIN, "POST", "/admin/users", body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.json.errors.join("\n")).toMatch(reason);
    }
    expect((await call(s, ADMIN, "POST", "/admin/users", "{not json")).status).toBe(400);
    expect((await call(s, ADMIN, "GET", "/users")).json.length).toBe(before);
  });

  it("only a site admin with the site_admin scope manages users; a job's token none of it", async () => {
    const s = await server();
    const mona = await userWithToken(s, "mona", ["repo", "user"]);
    expect((await call(s, mona, "POST", "/admin/users", { login: "eve" })).status).toBe(403);
    expect((await call(s, mona, "PATCH", "/users/mona", { site_admin: true })).status).toBe(403);
    expect((await call(s, mona, "PUT", "/users/mona/site_admin")).status).toBe(403);
    expect((await call(s, mona, "PUT", "/users/admin/suspended")).status).toBe(403);
    expect((await call(s, mona, "DELETE", "/admin/users/mona")).status).toBe(403);
    expect((await call(s, mona, "POST", "/admin/users/mona/authorizations", { note: "x" })).status).toBe(403);
    expect((await call(s, mona, "GET", "/admin/users/admin/authorizations")).status).toBe(403);
    expect((await call(s, ADMIN, "GET", "/users/eve")).status).toBe(404);
    // A site admin whose token lacks the site_admin scope is not acting as one.
    await call(s, ADMIN, "PUT", "/users/mona/site_admin");
    expect((await call(s, mona, "POST", "/admin/users", { login: "eve" })).status).toBe(403);
    // A job's token (GITHUB_TOKEN) is not a person.
    const job = newTokenValue(JOB_PREFIX);
    await s.store.addToken({
      kind: "job",
      userId: null,
      name: "build",
      hash: hashToken(job),
      lastEight: null,
      scopes: [],
      expiresAt: null,
      repoId: 1,
      runId: 1,
      permissions: { contents: "read" },
    });
    for (const [method, path] of [
      ["GET", "/user"],
      ["GET", "/users"],
      ["GET", "/users/mona"],
      ["GET", "/user/tokens"],
      ["POST", "/user/tokens"],
      ["POST", "/admin/users"],
    ] as const) {
      const answer = await call(
        s,
        job,
        method,
        path,
        method === "POST" ? { note: "x", login: "x" } : undefined,
      );
      expect(answer.status, `${method} ${path}`).toBe(403);
    }
    expect((await call(s, job, "GET", "/user")).json.message).toMatch(
      /Resource not accessible by integration/,
    );
  });

  it("GET /user answers the caller with the token's scopes; others see no email", async () => {
    const s = await server();
    await call(s, ADMIN, "POST", "/admin/users", { login: "hubot", email: "hubot@example.com" });
    const mona = await userWithToken(s, "mona", ["repo"]);
    const me = await call(s, mona, "GET", "/user");
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ login: "mona", site_admin: false });
    expect(me.headers.get("x-oauth-scopes")).toBe("repo");
    expect((await call(s, ADMIN, "GET", "/user")).json).toMatchObject({ login: "admin", site_admin: true });
    expect((await call(s, mona, "GET", "/users/hubot")).json.email).toBeNull();
    expect((await call(s, ADMIN, "GET", "/users/hubot")).json.email).toBe("hubot@example.com");
  });

  it("lists users in the order they were made, paged by since, with GitHub's Link header", async () => {
    const s = await server();
    for (const login of ["u1", "u2", "u3", "u4"]) await call(s, ADMIN, "POST", "/admin/users", { login });
    const first = await call(s, ADMIN, "GET", "/users?per_page=2");
    expect(first.json.map((u: { login: string }) => u.login)).toEqual(["admin", "u1"]);
    const next = /^<([^>]+)>; rel="next"$/.exec(first.headers.get("link") ?? "")?.[1] ?? "";
    expect(next).toBe(`http://gantry.test/api/v1/users?per_page=2&since=${first.json[1].id}`);
    const second = await call(s, ADMIN, "GET", next.replace("http://gantry.test/api/v1", ""));
    expect(second.json.map((u: { login: string }) => u.login)).toEqual(["u2", "u3"]);
    const last = await call(s, ADMIN, "GET", `/users?per_page=2&since=${second.json[1].id}`);
    expect(last.json.map((u: { login: string }) => u.login)).toEqual(["u4"]);
    expect(last.headers.get("link")).toBeNull();
    // Above GitHub's most (100), per_page is served as 100, as GitHub does.
    expect((await call(s, ADMIN, "GET", "/users?per_page=101")).status).toBe(200);
    for (const q of ["per_page=0", "per_page=x", "since=-1", "since=x"])
      expect((await call(s, ADMIN, "GET", `/users?${q}`)).status, q).toBe(422);
  });

  it("suspending refuses the user's tokens at once; unsuspending lets them in again", async () => {
    const s = await server();
    const mona = await userWithToken(s, "mona");
    expect((await call(s, mona, "GET", "/user")).status).toBe(200);
    expect((await call(s, ADMIN, "PUT", "/users/mona/suspended", { reason: 5 })).status).toBe(422);
    expect((await call(s, ADMIN, "PUT", "/users/mona/suspended", "{")).status).toBe(400);
    expect((await call(s, mona, "GET", "/user")).status).toBe(200);
    expect((await call(s, ADMIN, "PUT", "/users/mona/suspended", { reason: "left" })).status).toBe(204);
    expect((await call(s, mona, "GET", "/user")).status).toBe(401);
    expect((await call(s, ADMIN, "GET", "/users/mona")).json.suspended_at).not.toBeNull();
    expect((await call(s, ADMIN, "POST", "/admin/users/mona/authorizations", { note: "x" })).status).toBe(
      422,
    );
    expect((await call(s, ADMIN, "DELETE", "/users/mona/suspended")).status).toBe(204);
    expect((await call(s, mona, "GET", "/user")).status).toBe(200);
    const patched = await call(s, ADMIN, "PATCH", "/users/mona", { suspended: true, email: "m@example.com" });
    expect(patched.json).toMatchObject({ email: "m@example.com" });
    expect(patched.json.suspended_at).not.toBeNull();
    expect((await call(s, mona, "GET", "/user")).status).toBe(401);
    expect((await call(s, ADMIN, "PATCH", "/users/mona", { suspended: false })).json.suspended_at).toBeNull();
    expect((await call(s, mona, "GET", "/user")).status).toBe(200);
    for (const body of [{}, { suspend: true }, { suspended: "yes" }])
      expect((await call(s, ADMIN, "PATCH", "/users/mona", body)).status, JSON.stringify(body)).toBe(422);
  });

  it("a promoted user acts as a site admin with a site_admin token; demoted, not any more", async () => {
    const s = await server();
    await userWithToken(s, "root");
    expect((await call(s, ADMIN, "PATCH", "/users/root", { site_admin: true })).json.site_admin).toBe(true);
    const root = (
      await call(s, ADMIN, "POST", "/admin/users/root/authorizations", {
        note: "admin work",
        scopes: ["repo", "user", "site_admin"],
      })
    ).json.token as string;
    expect((await call(s, root, "POST", "/admin/users", { login: "eve" })).status).toBe(201);
    expect((await call(s, ADMIN, "DELETE", "/users/root/site_admin")).status).toBe(204);
    expect((await call(s, root, "POST", "/admin/users", { login: "eve2" })).status).toBe(403);
  });

  it("the bootstrap admin cannot be deleted, suspended or demoted; nor the last site admin", async () => {
    const s = await server();
    for (const [method, path, body, reason] of [
      ["DELETE", "/admin/users/admin", undefined, /cannot be deleted/],
      ["PUT", "/users/admin/suspended", undefined, /cannot be suspended/],
      ["PATCH", "/users/ADMIN", { suspended: true }, /cannot be suspended/],
      ["DELETE", "/users/admin/site_admin", undefined, /cannot be demoted/],
      ["PATCH", "/users/admin", { site_admin: false }, /cannot be demoted/],
    ] as const) {
      const answer = await call(s, ADMIN, method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(422);
      expect(answer.json.errors[0]).toMatch(reason);
    }
    expect((await call(s, ADMIN, "GET", "/user")).json).toMatchObject({
      site_admin: true,
      suspended_at: null,
    });
    // With `admin` out of reach (suspended in the store: only the server's start undoes it), root is
    // the last site admin who can act: they may not demote, suspend or delete themself.
    await userWithToken(s, "root");
    await call(s, ADMIN, "PUT", "/users/root/site_admin");
    const root = (
      await call(s, ADMIN, "POST", "/admin/users/root/authorizations", {
        note: "admin work",
        scopes: ["repo", "user", "site_admin"],
      })
    ).json.token as string;
    const admin = await s.store.getUser("admin");
    await s.store.updateUser(admin?.id ?? 0, { suspendedAt: new Date().toISOString() });
    for (const [method, path, body] of [
      ["DELETE", "/users/root/site_admin", undefined],
      ["PATCH", "/users/root", { suspended: true }],
      ["DELETE", "/admin/users/root", undefined],
    ] as const) {
      const answer = await call(s, root, method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(422);
      expect(answer.json.errors[0]).toMatch(/last site admin/);
    }
    expect((await call(s, root, "GET", "/user")).json).toMatchObject({
      site_admin: true,
      suspended_at: null,
    });
  });

  it("deleting a user removes them and refuses their tokens", async () => {
    const s = await server();
    const mona = await userWithToken(s, "mona");
    expect((await call(s, ADMIN, "DELETE", "/admin/users/mona")).status).toBe(204);
    expect((await call(s, mona, "GET", "/user")).status).toBe(401);
    expect((await call(s, ADMIN, "GET", "/users/mona")).status).toBe(404);
    expect((await call(s, ADMIN, "DELETE", "/admin/users/mona")).status).toBe(404);
    expect((await call(s, ADMIN, "POST", "/admin/users", { login: "mona" })).status).toBe(201);
  });
});

describe("personal access tokens", () => {
  it("answers the token once; lists show its last eight characters, never the token", async () => {
    const s = await server();
    await call(s, ADMIN, "POST", "/admin/users", { login: "mona" });
    const made = await call(s, ADMIN, "POST", "/admin/users/mona/authorizations", {
      note: "ci",
      scopes: ["repo"],
      expires_at: "2099-01-01",
    });
    expect(made.status).toBe(201);
    const value = made.json.token as string;
    expect(value).toMatch(/^gantry_[0-9a-f]{48}$/);
    expect(made.json).toMatchObject({
      note: "ci",
      scopes: ["repo"],
      expires_at: "2099-01-01T00:00:00.000Z",
      token_last_eight: value.slice(-8),
      user: { login: "mona" },
      url: `http://gantry.test/api/v1/admin/users/mona/authorizations/${made.json.id}`,
    });
    const listed = await call(s, ADMIN, "GET", "/admin/users/mona/authorizations");
    expect(listed.json).toHaveLength(1);
    expect(listed.json[0]).not.toHaveProperty("token");
    expect(listed.text).not.toContain(value);
    expect(listed.text).not.toContain(hashToken(value));
    // The token is the user's: GET /user answers mona. Without the user scope it cannot list tokens.
    expect((await call(s, value, "GET", "/user")).json.login).toBe("mona");
    expect((await call(s, value, "GET", "/user/tokens")).status).toBe(403);
  });

  it("a person makes, lists and revokes their own tokens with the user scope, never with more scopes", async () => {
    const s = await server();
    const mona = await userWithToken(s, "mona", ["repo", "user"]);
    const made = await call(s, mona, "POST", "/user/tokens", { note: "laptop2", scopes: ["repo"] });
    expect(made.status).toBe(201);
    expect(made.json.url).toBe(`http://gantry.test/api/v1/user/tokens/${made.json.id}`);
    const second = made.json.token as string;
    expect((await call(s, second, "GET", "/user")).json.login).toBe("mona");
    // A repo-only token may not make tokens, nor may a token make one with scopes it lacks.
    expect((await call(s, second, "POST", "/user/tokens", { note: "x", scopes: ["repo"] })).status).toBe(403);
    const lacking = await userWithToken(s, "hubot", ["user"]);
    const escalate = await call(s, lacking, "POST", "/user/tokens", { note: "more", scopes: ["repo"] });
    expect(escalate.status).toBe(403);
    expect(escalate.json.message).toMatch(/lacks repo/);
    // Without scopes named, the default (repo, user) exceeds a user-only token's.
    expect((await call(s, lacking, "POST", "/user/tokens", { note: "more" })).status).toBe(403);
    const own = await call(s, mona, "GET", "/user/tokens");
    expect(own.json.map((t: { note: string }) => t.note)).toEqual(["laptop", "laptop2"]);
    expect(own.text).not.toContain(second);
    // One person cannot revoke another's token through /user/tokens.
    expect((await call(s, lacking, "DELETE", `/user/tokens/${made.json.id}`)).status).toBe(404);
    expect((await call(s, mona, "DELETE", `/user/tokens/${made.json.id}`)).status).toBe(204);
    expect((await call(s, second, "GET", "/user")).status).toBe(401);
    expect((await call(s, mona, "DELETE", `/user/tokens/${made.json.id}`)).status).toBe(404);
    expect((await call(s, mona, "GET", "/user/tokens")).json.map((t: { note: string }) => t.note)).toEqual([
      "laptop",
    ]);
    expect((await call(s, mona, "DELETE", "/user/tokens/abc")).status).toBe(404);
  });

  it("a site admin revokes anyone's token, refused at once; only through its owner's path", async () => {
    const s = await server();
    const mona = await userWithToken(s, "mona");
    await call(s, ADMIN, "POST", "/admin/users", { login: "hubot" });
    const id = (await call(s, ADMIN, "GET", "/admin/users/mona/authorizations")).json[0].id;
    expect((await call(s, ADMIN, "DELETE", `/admin/users/hubot/authorizations/${id}`)).status).toBe(404);
    expect((await call(s, mona, "GET", "/user")).status).toBe(200);
    expect((await call(s, ADMIN, "DELETE", `/admin/users/mona/authorizations/${id}`)).status).toBe(204);
    expect((await call(s, mona, "GET", "/user")).status).toBe(401);
  });

  it("refuses bad token requests with the reason and makes no token", async () => {
    const s = await server();
    await userWithToken(s, "mona");
    for (const [body, status, reason] of [
      [{ note: "x", scopes: ["admin:org"] }, 422, /unknown scope 'admin:org'/],
      [{ note: "x", scopes: ["site_admin"] }, 422, /only a site admin/],
      [{ note: "x", expires_at: "2001-01-01" }, 422, /in the past/],
      [{ note: "x", expires_at: "next week" }, 422, /ISO 8601/],
      [{ note: "" }, 422, /note must not be empty/],
      [{ note: "n".repeat(101) }, 422, /100 characters/],
      [{ scopes: ["repo"] }, 422, /note is required/],
      [{ note: "laptop" }, 422, /already_exists/],
      [{ note: "x", scopes: "repo" }, 422, /scopes must be a list/],
      [{ note: "x", token: "mine" }, 422, /token/],
    ] as const) {
      const answer = await call(s, ADMIN, "POST", "/admin/users/mona/authorizations", body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(`${answer.json.message} ${(answer.json.errors ?? []).join(" ")}`).toMatch(reason);
    }
    expect((await call(s, ADMIN, "POST", "/admin/users/nobody/authorizations", { note: "x" })).status).toBe(
      404,
    );
    expect(
      (await call(s, ADMIN, "POST", "/admin/users/admin/authorizations", { note: "admin" })).status,
    ).toBe(422);
    expect((await call(s, ADMIN, "GET", "/admin/users/mona/authorizations")).json).toHaveLength(1);
  });

  it("refuses an expired token as one that does not exist", async () => {
    const s = await server();
    await call(s, ADMIN, "POST", "/admin/users", { login: "mona" });
    const mona = await s.store.getUser("mona");
    const value = newTokenValue("gantry_");
    await s.store.addToken({
      kind: "personal",
      userId: mona?.id ?? 0,
      name: "old",
      hash: hashToken(value),
      lastEight: value.slice(-8),
      scopes: ["repo", "user"],
      expiresAt: new Date(Date.now() - 1000).toISOString(),
      repoId: null,
      runId: null,
      permissions: null,
    });
    const answer = await call(s, value, "GET", "/user");
    expect(answer.status).toBe(401);
    expect(answer.json.message).toBe((await call(s, "gantry_nonsense", "GET", "/user")).json.message);
  });
});

describe("the OpenAPI document", () => {
  it("describes the user and token routes", async () => {
    const s = await server();
    const doc = (await (await s.app.request("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        "POST /admin/users",
        "DELETE /admin/users/{login}",
        "GET /users",
        "GET /users/{login}",
        "PATCH /users/{login}",
        "PUT /users/{login}/suspended",
        "DELETE /users/{login}/suspended",
        "PUT /users/{login}/site_admin",
        "DELETE /users/{login}/site_admin",
        "GET /user",
        "GET /user/tokens",
        "POST /user/tokens",
        "DELETE /user/tokens/{token_id}",
        "GET /admin/users/{login}/authorizations",
        "POST /admin/users/{login}/authorizations",
        "DELETE /admin/users/{login}/authorizations/{token_id}",
      ]),
    );
  });
});

describe("the audit trail", () => {
  it("records user and token changes with GitHub's action names, never a token's value", async () => {
    const s = await server();
    const mona = await userWithToken(s, "mona");
    await call(s, ADMIN, "PUT", "/users/mona/suspended", { reason: "on leave" });
    await call(s, ADMIN, "DELETE", "/users/mona/suspended");
    await call(s, ADMIN, "PATCH", "/users/mona", { site_admin: true, email: "m@example.com" });
    await call(s, ADMIN, "DELETE", "/users/mona/site_admin");
    // Refused changes are not recorded.
    expect((await call(s, ADMIN, "DELETE", "/admin/users/admin")).status).toBe(422);
    expect((await call(s, ADMIN, "PATCH", "/users/mona", { suspended: false })).status).toBe(200);
    const own = (await call(s, mona, "POST", "/user/tokens", { note: "ci", scopes: ["repo"] })).json;
    await call(s, mona, "DELETE", `/user/tokens/${own.id}`);
    await call(s, ADMIN, "DELETE", "/admin/users/mona");
    const log = await call(s, ADMIN, "GET", "/audit-log?order=asc&per_page=100");
    expect(log.status).toBe(200);
    // The server's own entry for the bootstrap token it was started with comes first; then the changes made here.
    expect(log.json[0]).toMatchObject({ actor: "gantry", action: "server.start" });
    const mine = log.json.filter(
      (e: { action: string; actor: string }) =>
        /^(user|oauth_access)\./.test(e.action) && e.actor !== "gantry",
    );
    expect(mine.map((e: { action: string; actor: string }) => `${e.actor} ${e.action}`)).toEqual([
      "admin user.create",
      "admin oauth_access.create",
      "admin user.suspend",
      "admin user.unsuspend",
      "admin user.promote",
      "admin user.add_email",
      "admin user.demote",
      "mona oauth_access.create",
      "mona oauth_access.destroy",
      "admin user.destroy",
    ]);
    expect(mine[2].details).toEqual({ user: "mona", user_id: mine[0].details.user_id, reason: "on leave" });
    expect(mine[7].details).toMatchObject({ user: "mona", token_id: own.id, note: "ci", scopes: ["repo"] });
    expect(mine[8].details).toMatchObject({ user: "mona", token_id: own.id, note: "ci" });
    const exported = await s.app.request("/api/v1/audit-log/export", {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const text = await exported.text();
    expect(text).toContain("oauth_access.create");
    for (const value of [mona, own.token, ADMIN]) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(hashToken(value));
      expect(log.text).not.toContain(value);
    }
  });
});
