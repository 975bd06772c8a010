// Users and personal access tokens on the real server, made and used through the real CLI: who a
// token stands for, who may make users, and that revoking, suspending and expiry refuse a token at
// once; token values never reach the data directory or a list; failed authentications are throttled.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearTextInStore, storeContents } from "./db-query.js";
import { gantry, scratch } from "./harness.js";
import { api, type Serve, serveWithConfig, until } from "./serve-harness.js";

const ADMIN = "gantry_users_e2e_admin_token";

/** Every file under `dir`, with its bytes. */
function filesUnder(dir: string): Array<{ path: string; bytes: Buffer }> {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, bytes: readFileSync(path) }));
}

/** The real CLI against the server with this token. */
function cli(s: Serve, token: string, args: string[]) {
  return gantry(scratch(), args, { env: { GANTRY_SERVER: s.url, GANTRY_TOKEN: token } });
}

describe("users and tokens on the real server", () => {
  it("the admin makes a user and their token with the CLI; revoke, suspend and expiry refuse it at once", async () => {
    const s = await serveWithConfig("limits:\n  auth_failures_per_minute: 1000\n", ADMIN);
    const added = await cli(s, ADMIN, ["users", "add", "mona", "--email", "mona@example.com"]);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/User mona \(id \d+\) added/);

    // The token alone on stdout, so that T=$(gantry tokens create …) keeps it.
    const created = await cli(s, ADMIN, ["tokens", "create", "--user", "mona", "--note", "laptop"]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^gantry_[0-9a-f]{48}\n$/);
    expect(created.stderr).toMatch(/Token \d+ 'laptop' for mona \(scopes: repo, user; no expiry\)/);
    const mona = created.stdout.trim();
    const me = await api(s, mona, "GET", "/user");
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ login: "mona", site_admin: false, email: "mona@example.com" });

    // A user who is not a site admin cannot make users, nor tokens for others.
    const refused = await cli(s, mona, ["users", "add", "eve"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Must be a site admin/);
    expect((await api(s, mona, "POST", "/admin/users", { login: "eve" })).status).toBe(403);
    expect((await cli(s, mona, ["tokens", "create", "--user", "admin", "--note", "x"])).code).toBe(1);
    expect((await api(s, ADMIN, "GET", "/users/eve")).status).toBe(404);

    // Mona makes her own token, repo only; revoking it refuses it at once.
    const own = await cli(s, mona, ["tokens", "create", "--note", "ci", "--scopes", "repo"]);
    expect(own.code).toBe(0);
    const ci = own.stdout.trim();
    expect((await api(s, ci, "GET", "/user")).json.login).toBe("mona");
    const listed = await cli(s, mona, ["tokens", "list"]);
    expect(listed.stdout).toMatch(/laptop/);
    expect(listed.stdout).toMatch(/\bci\b/);
    expect(listed.stdout).toContain(`…${ci.slice(-8)}`);
    const ciId = /(\d+)\s+ci\s/.exec(listed.stdout)?.[1] ?? "";
    const revoked = await cli(s, mona, ["tokens", "revoke", ciId]);
    expect(revoked.code).toBe(0);
    expect((await api(s, ci, "GET", "/user")).status).toBe(401);
    expect((await api(s, mona, "GET", "/user")).status).toBe(200);

    // Suspended: refused at once; unsuspended: let in again.
    expect((await cli(s, ADMIN, ["users", "suspend", "mona"])).code).toBe(0);
    expect((await api(s, mona, "GET", "/user")).status).toBe(401);
    const list = await cli(s, ADMIN, ["users", "list"]);
    expect(list.stdout).toMatch(/mona\s+\d+\s+\S+Z/);
    expect((await cli(s, ADMIN, ["users", "unsuspend", "mona"])).code).toBe(0);
    expect((await api(s, mona, "GET", "/user")).status).toBe(200);

    // A token that expires works until then and is refused after.
    const brief = await cli(s, ADMIN, [
      "tokens",
      "create",
      "--user",
      "mona",
      "--note",
      "brief",
      "--expires-in",
      "10s",
    ]);
    expect(brief.stderr).toMatch(/expires 20\d\d-/);
    const shortLived = brief.stdout.trim();
    expect((await api(s, shortLived, "GET", "/user")).status).toBe(200);
    await until(
      () => api(s, shortLived, "GET", "/user"),
      (r) => r.status !== 200,
    ).then((r) => expect(r.status).toBe(401));
    const past = await cli(s, ADMIN, [
      "tokens",
      "create",
      "--user",
      "mona",
      "--note",
      "x",
      "--expires",
      "2001-01-01",
    ]);
    expect(past.code).toBe(2);
    expect(past.stdout).toBe("");
    expect(past.stderr).toMatch(/in the past/);

    // No token's value is anywhere under the data directory, nor in the database (gantry.db, or
    // PostgreSQL's rows and files), nor in any list the API answers.
    const values = [ADMIN, mona, ci, shortLived];
    for (const f of filesUnder(s.data))
      for (const v of values) expect(f.bytes.includes(Buffer.from(v)), f.path).toBe(false);
    expect((await storeContents(s)).rows).toContain("mona@example.com");
    expect(await clearTextInStore(s, values)).toEqual([]);
    const answers = [
      await api(s, ADMIN, "GET", "/admin/users/mona/authorizations"),
      await api(s, ADMIN, "GET", "/admin/users/admin/authorizations"),
      await api(s, mona, "GET", "/user/tokens"),
      await api(s, ADMIN, "GET", "/users"),
      await api(s, mona, "GET", "/user"),
    ];
    for (const a of answers) {
      expect(a.status).toBe(200);
      for (const v of values) expect(a.text).not.toContain(v);
    }
    expect((await cli(s, ADMIN, ["tokens", "list", "--user", "mona", "--json"])).stdout).not.toContain(mona);

    // Removed: the user's tokens go with them.
    expect((await cli(s, ADMIN, ["users", "rm", "mona"])).code).toBe(0);
    expect((await api(s, mona, "GET", "/user")).status).toBe(401);
    const gone = await cli(s, ADMIN, ["users", "rm", "admin"]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/bootstrap site admin 'admin' cannot be deleted/);
  }, 240_000);

  it("after too many failed authentications an address gets 429 with Retry-After, a good token too; another address does not", async () => {
    const s = await serveWithConfig("limits:\n  auth_failures_per_minute: 3\n", ADMIN);
    const made = await cli(s, ADMIN, ["tokens", "create", "--user", "admin", "--note", "spare"]);
    const spare = made.stdout.trim();
    expect((await cli(s, ADMIN, ["tokens", "revoke", /Token (\d+)/.exec(made.stderr)?.[1] ?? ""])).code).toBe(
      0,
    );
    // A revoked token is a failed authentication like any wrong one.
    for (const token of [spare, "gantry_wrong", spare])
      expect((await api(s, token, "GET", "/user")).status).toBe(401);
    const blocked = await fetch(`${s.url}/api/v1/user`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await blocked.json()) as { message: string }).message).toMatch(
      /Too many failed authentications/,
    );
    expect((await api(s, "", "GET", "/users")).status).toBe(429);
    const viaCli = await cli(s, ADMIN, ["users", "list"]);
    expect(viaCli.code).toBe(1);
    expect(viaCli.stderr).toMatch(/Too many failed authentications/);
    // The limit is the address's: a client on 127.0.0.2 is let in with the same token.
    const { port } = new URL(s.url);
    const other = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/api/v1/user",
          localAddress: "127.0.0.2",
          headers: { authorization: `Bearer ${ADMIN}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(other).toBe(200);
  }, 60_000);
});
