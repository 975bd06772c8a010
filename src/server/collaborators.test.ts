// GitHub's collaborators API on a repository: who may add, change, list and remove them, the
// shapes, and bad input refused with nothing stored. Also what a role shows on the repository list.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeRepo } from "../../test/harness.js";
import { issuePersonalToken } from "../identity/index.js";
import { type GantryServer, startServer } from "./index.js";

const ADMIN = "collab-admin-token";
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

interface Answer {
  status: number;
  // any: each endpoint answers its own shape; a test reads the fields it checks.
  json: any;
  headers: Headers;
}

async function setup() {
  const s = await startServer({
    dataDir: mkdtempSync(join(tmpdir(), "gantry-collab-")),
    listen: false,
    triggers: false,
    adminToken: ADMIN,
    config: { repo_url_schemes: ["file"] },
  });
  servers.push(s);
  const call = async (token: string, method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await s.app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  for (const name of ["app", "other"]) {
    const dir = makeRepo({ files: { "README.md": "hi\n" } });
    expect((await call(ADMIN, "POST", "/repos", { owner: "acme", name, url: dir })).status).toBe(201);
  }
  const user = async (login: string, scopes = ["repo"]) => {
    const u = (await s.store.getUser(login)) ?? (await s.store.addUser({ login }));
    return (await issuePersonalToken(s.store, u, { note: "t", scopes })).value;
  };
  return { s, call, user };
}

const COLLAB = "/repos/acme/app/collaborators";

describe("collaborators", () => {
  it("adds (201), changes (204), lists with GitHub's flags, checks and removes a collaborator", async () => {
    const { s, call, user } = await setup();
    await user("alice");
    await user("bob");
    const added = await call(ADMIN, "PUT", `${COLLAB}/alice`, { permission: "triage" });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({
      invitee: { login: "alice", type: "User", site_admin: false },
      inviter: { login: "admin" },
      permissions: "triage",
      repository: { full_name: "acme/app" },
    });
    // GitHub's default is push (write); its aliases pull and push are read and write.
    expect((await call(ADMIN, "PUT", `${COLLAB}/bob`)).status).toBe(201);
    expect((await s.store.getCollaborator(1, (await s.store.getUser("bob"))?.id ?? 0))?.permission).toBe(
      "write",
    );
    expect((await call(ADMIN, "PUT", `${COLLAB}/ALICE`, { permission: "pull" })).status).toBe(204);
    const list = await call(ADMIN, "GET", COLLAB);
    expect(list.status).toBe(200);
    expect(list.json.map((c: { login: string; role_name: string }) => [c.login, c.role_name])).toEqual([
      ["alice", "read"],
      ["bob", "write"],
    ]);
    expect(list.json[1].permissions).toEqual({
      pull: true,
      triage: true,
      push: true,
      maintain: false,
      admin: false,
    });
    const pushers = await call(ADMIN, "GET", `${COLLAB}?permission=push`);
    expect(pushers.json.map((c: { login: string }) => c.login)).toEqual(["bob"]);
    const page = await call(ADMIN, "GET", `${COLLAB}?per_page=1`);
    expect(page.json.map((c: { login: string }) => c.login)).toEqual(["alice"]);
    expect(page.headers.get("link")).toContain('rel="next"');
    expect((await call(ADMIN, "GET", `${COLLAB}/bob`)).status).toBe(204);
    expect((await call(ADMIN, "GET", `${COLLAB}/admin`)).status).toBe(404);
    const perm = await call(ADMIN, "GET", `${COLLAB}/bob/permission`);
    expect(perm.json).toMatchObject({ permission: "write", role_name: "write", user: { login: "bob" } });
    // A site admin is admin everywhere, without being a collaborator.
    expect((await call(ADMIN, "GET", `${COLLAB}/admin/permission`)).json).toMatchObject({
      permission: "admin",
      role_name: "admin",
    });
    expect((await call(ADMIN, "DELETE", `${COLLAB}/bob`)).status).toBe(204);
    expect((await call(ADMIN, "GET", `${COLLAB}/bob`)).status).toBe(404);
    expect((await call(ADMIN, "GET", `${COLLAB}/bob/permission`)).json).toMatchObject({
      permission: "none",
      role_name: "none",
    });
    // Removing one who is not a collaborator changes nothing (204, nothing recorded).
    expect((await call(ADMIN, "DELETE", `${COLLAB}/bob`)).status).toBe(204);
    // The trail has each change, with GitHub's action names; setting the same role again is none.
    expect((await call(ADMIN, "PUT", `${COLLAB}/alice`, { permission: "read" })).status).toBe(204);
    const trail = await call(ADMIN, "GET", "/audit-log?action=repo");
    const members = trail.json
      .filter((e: { action: string }) => e.action.endsWith("_member"))
      .map((e: { action: string; actor: string; repo: string; details: Record<string, unknown> }) => [
        e.action,
        e.actor,
        e.repo,
        e.details,
      ]);
    const alice = (await s.store.getUser("alice"))?.id;
    const bobId = (await s.store.getUser("bob"))?.id;
    expect(members.reverse()).toEqual([
      ["repo.add_member", "admin", "acme/app", { user: "alice", user_id: alice, permission: "triage" }],
      ["repo.add_member", "admin", "acme/app", { user: "bob", user_id: bobId, permission: "write" }],
      [
        "repo.update_member",
        "admin",
        "acme/app",
        { user: "alice", user_id: alice, permission: "read", old_permission: "triage" },
      ],
      ["repo.remove_member", "admin", "acme/app", { user: "bob", user_id: bobId, old_permission: "write" }],
    ]);
  });

  it("refuses an unknown user (404) or role (422) with the reason, storing nothing", async () => {
    const { s, call, user } = await setup();
    await user("alice");
    const ghost = await call(ADMIN, "PUT", `${COLLAB}/ghost`, { permission: "write" });
    expect(ghost.status).toBe(404);
    expect(ghost.json.message).toContain("no user 'ghost'");
    for (const permission of ["owner", "WRITE", "", 3]) {
      const bad = await call(ADMIN, "PUT", `${COLLAB}/alice`, { permission });
      expect(bad.status).toBe(422);
    }
    const bad = await call(ADMIN, "PUT", `${COLLAB}/alice`, { permission: "owner" });
    expect(bad.json.errors.join()).toContain(
      "permission must be one of read, triage, write, maintain, admin",
    );
    expect(await s.store.listCollaborators({ repoId: 1 })).toEqual([]);
  });

  it("lets only admins manage collaborators; writers list them; anyone removes themselves", async () => {
    const { call, user } = await setup();
    const tokens: Record<string, string> = {};
    for (const role of ["read", "write", "maintain", "admin"]) {
      tokens[role] = await user(`u-${role}`);
      expect((await call(ADMIN, "PUT", `${COLLAB}/u-${role}`, { permission: role })).status).toBe(201);
    }
    await user("target");
    for (const role of ["read", "write", "maintain"]) {
      const put = await call(tokens[role], "PUT", `${COLLAB}/target`, { permission: "admin" });
      expect(put).toMatchObject({ status: 403, json: { message: "Must have admin rights to Repository." } });
      expect((await call(tokens[role], "DELETE", `${COLLAB}/u-admin`)).status).toBe(403);
    }
    // A repository admin (not a site admin) manages them.
    expect((await call(tokens.admin, "PUT", `${COLLAB}/target`, { permission: "read" })).status).toBe(201);
    expect((await call(tokens.admin, "DELETE", `${COLLAB}/target`)).status).toBe(204);
    // Reading the list takes write; one's own permission, read.
    expect((await call(tokens.read, "GET", COLLAB)).status).toBe(403);
    expect((await call(tokens.write, "GET", COLLAB)).status).toBe(200);
    expect((await call(tokens.read, "GET", `${COLLAB}/u-write/permission`)).status).toBe(403);
    expect((await call(tokens.read, "GET", `${COLLAB}/u-read/permission`)).json).toMatchObject({
      permission: "read",
    });
    // A reader leaves on its own; then the repository is hidden from it.
    expect((await call(tokens.read, "DELETE", `${COLLAB}/u-read`)).status).toBe(204);
    expect((await call(tokens.read, "GET", "/repos/acme/app")).status).toBe(404);
    // An admin of one repository is nobody on another.
    expect((await call(tokens.admin, "PUT", "/repos/acme/other/collaborators/target", {})).status).toBe(404);
  });

  it("lists only the repositories the caller reads, with its permissions; only site admins add one", async () => {
    const { call, user } = await setup();
    const writer = await user("w");
    const outsider = await user("o");
    await call(ADMIN, "PUT", `${COLLAB}/w`, { permission: "write" });
    const mine = await call(writer, "GET", "/repos");
    expect(mine.json.map((r: { full_name: string }) => r.full_name)).toEqual(["acme/app"]);
    expect(mine.json[0].permissions).toEqual({
      pull: true,
      triage: true,
      push: true,
      maintain: false,
      admin: false,
    });
    expect((await call(outsider, "GET", "/repos")).json).toEqual([]);
    const all = await call(ADMIN, "GET", "/repos");
    expect(all.json.map((r: { full_name: string }) => r.full_name)).toEqual(["acme/app", "acme/other"]);
    expect(all.json[1].permissions.admin).toBe(true);
    const dir = makeRepo({ files: { "README.md": "x\n" } });
    const refused = await call(writer, "POST", "/repos", { owner: "w", name: "mine", url: dir });
    expect(refused.status).toBe(403);
    expect((await call(ADMIN, "GET", "/repos/w/mine")).status).toBe(404);
  });

  it("lets a token without the repo scope only read", async () => {
    const { call, user } = await setup();
    await user("w");
    await call(ADMIN, "PUT", `${COLLAB}/w`, { permission: "admin" });
    const narrow = await user("w", []);
    expect((await call(narrow, "GET", "/repos/acme/app")).json.permissions.push).toBe(false);
    expect((await call(narrow, "GET", "/repos/acme/app/actions/runs")).status).toBe(200);
    const dispatch = await call(narrow, "POST", "/repos/acme/app/dispatches", { event_type: "x" });
    expect(dispatch.status).toBe(403);
    expect((await call(narrow, "PUT", `${COLLAB}/w`, { permission: "read" })).status).toBe(403);
  });
});
