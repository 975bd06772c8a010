// `gantry runners` against the real server: a repository admin and a site admin list the runners
// (status, labels, what each runs), print a registration token on stdout alone, and remove a
// runner by id or name; a reader is refused with the server's reason. Runner machines' rows are
// put in the server's database directly, as registering through the runner protocol would.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashToken } from "../src/identity/index.js";
import { openSqliteStore } from "../src/store/index.js";
import { gantry, makeRepo, scratch } from "./harness.js";
import { api, type Serve, serveWithConfig } from "./serve-harness.js";

const ADMIN = "gantry_runners_cli_admin_token";

function cli(s: Serve, token: string, args: string[]) {
  return gantry(scratch(), args, { env: { GANTRY_SERVER: s.url, GANTRY_TOKEN: token } });
}

describe("gantry runners", () => {
  it("lists, makes tokens and removes runners, as the API allows each caller", async () => {
    const app = makeRepo({ files: { "README.md": "app\n" } });
    const other = makeRepo({ files: { "README.md": "other\n" } });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${app} }\n  - { owner: acme, name: other, url: ${other} }\n`,
      ADMIN,
    );
    const people: Record<string, string> = {};
    for (const [login, role] of [
      ["ada", "admin"],
      ["rita", "read"],
    ]) {
      expect((await api(s, ADMIN, "POST", "/admin/users", { login })).status).toBe(201);
      const made = await api(s, ADMIN, "POST", `/admin/users/${login}/authorizations`, {
        note: "cli",
        scopes: ["repo"],
      });
      people[login] = made.json.token;
      await api(s, ADMIN, "PUT", `/repos/acme/app/collaborators/${login}`, { permission: role });
    }
    const store = await openSqliteStore(join(s.data, "gantry.db"));
    try {
      const repo = await store.getRepo("acme", "app");
      const runner = (name: string, repoId: number | null) =>
        store.addRunner({
          name,
          repoId,
          labels: ["self-hosted", "Linux", "X64", "gpu"],
          slots: 1,
          os: "linux",
          arch: "x64",
          version: "0.1.0",
          ephemeral: false,
          tokenHash: hashToken(`gantry_runner_${name}`),
        });
      const gpu = await runner("gpu-box", repo?.id ?? 0);
      await runner("shared-box", null);

      // A repository admin: its own runners only.
      const listed = await cli(s, people.ada, ["runners", "list", "--repo", "acme/app"]);
      expect(listed.stderr).toBe("");
      expect(listed.code).toBe(0);
      const lines = listed.stdout.trimEnd().split("\n");
      expect(lines[0].split(/\s{2,}/)).toEqual(["ID", "NAME", "STATUS", "LABELS", "RUNNING"]);
      expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
        [String(gpu?.id), "gpu-box", "online", "self-hosted,Linux,X64,gpu", "idle"],
      ]);
      const json = await cli(s, people.ada, ["runners", "list", "--repo", "acme/app", "--json"]);
      expect(JSON.parse(json.stdout).map((r: { name: string }) => r.name)).toEqual(["gpu-box"]);

      // The token alone on stdout; the store knows it by its hash.
      const token = await cli(s, people.ada, ["runners", "token", "--repo", "acme/app"]);
      expect(token.code).toBe(0);
      expect(token.stdout).toMatch(/^gantry_reg_[0-9a-f]{48}\n$/);
      expect(token.stderr).toContain(`gantry runner --server ${s.url} --token TOKEN`);
      expect(
        await store.findRunnerRegistration(hashToken(token.stdout.trim()), new Date().toISOString()),
      ).toMatchObject({ repoId: repo?.id, createdBy: "ada" });

      // Server-wide: a site admin's alone.
      const refused = await cli(s, people.ada, ["runners", "list", "--server-wide"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("Must be a site admin");
      const all = await cli(s, ADMIN, ["runners", "list", "--server-wide"]);
      expect(all.code).toBe(0);
      expect(
        all.stdout
          .trimEnd()
          .split("\n")
          .slice(1)
          .map((l) => l.split(/\s{2,}/).slice(0, 4)),
      ).toEqual([
        ["0", "gantry (built-in)", "online", "every repository"],
        [String(gpu?.id), "gpu-box", "online", "acme/app"],
        [String((gpu?.id ?? 0) + 1), "shared-box", "online", "every repository"],
      ]);
      const serverToken = await cli(s, ADMIN, ["runners", "token", "--server-wide"]);
      expect(serverToken.stdout).toMatch(/^gantry_reg_[0-9a-f]{48}\n$/);

      // A reader: refused with the server's reason, nothing made.
      const reader = await cli(s, people.rita, ["runners", "token", "--repo", "acme/app"]);
      expect(reader.code).toBe(1);
      expect(reader.stdout).toBe("");
      expect(reader.stderr).toContain("Must have admin rights to Repository.");

      // Remove by name, and by id; the built-in pool is not removed.
      const byName = await cli(s, people.ada, ["runners", "rm", "gpu-box", "--repo", "acme/app"]);
      expect(byName.stdout).toContain(`Runner gpu-box (id ${gpu?.id}) removed from acme/app`);
      expect(await store.getRunner(gpu?.id ?? 0)).toBeUndefined();
      const pool = await cli(s, ADMIN, ["runners", "rm", "0", "--server-wide"]);
      expect(pool.code).toBe(2);
      expect(pool.stderr).toContain("runners.slots");
      const byId = await cli(s, ADMIN, ["runners", "rm", String((gpu?.id ?? 0) + 1), "--server-wide"]);
      expect(byId.code).toBe(0);
      expect(await store.listRunners()).toEqual([]);
      const missing = await cli(s, ADMIN, ["runners", "rm", "nobody", "--server-wide"]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("no runner named 'nobody'");
      // Bad usage.
      expect((await cli(s, ADMIN, ["runners", "list", "--server-wide", "--repo", "acme/app"])).code).toBe(2);
      expect((await cli(s, ADMIN, ["runners", "frob"])).code).toBe(2);
    } finally {
      await store.close();
    }
  });
});
