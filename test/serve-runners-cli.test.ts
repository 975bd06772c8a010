// `gantry runners` against the real server: a repository admin and a site admin list the runners
// (status, labels, what each runs), print a registration token on stdout alone, and remove a
// runner by id or name; a reader is refused with the server's reason. Runner machines' rows are
// put in the server's database directly, as registering through the runner protocol would; then
// a real `gantry runner` registers with a token the CLI printed, and the list follows it: online,
// busy with the job it runs, idle again, removed.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashToken } from "../src/identity/index.js";
import { BIN, gantry, makeRepo, scratch } from "./harness.js";
import {
  api,
  dispatchRun,
  killAfterTest,
  openServerStore,
  type Serve,
  serveWithConfig,
  until,
} from "./serve-harness.js";

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
    const store = await openServerStore(s);
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

  it("follows a real runner machine registered with the token it printed", async () => {
    const gate = join(mkdtempSync(join(tmpdir(), "gantry-gate-")), "open");
    const workflow = `name: GPU
on: workflow_dispatch
jobs:
  train:
    runs-on: [self-hosted, gpu]
    steps:
      - run: while [ ! -f ${JSON.stringify(gate)} ]; do sleep 0.1; done
`;
    const app = makeRepo({ files: { ".github/workflows/gpu.yml": workflow } });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${app} }\n`,
      ADMIN,
    );
    const token = await cli(s, ADMIN, ["runners", "token", "--repo", "acme/app"]);
    expect(token.code).toBe(0);
    const work = mkdtempSync(join(tmpdir(), "gantry-runner-work-"));
    const args = ["runner", "--server", s.url, "--labels", "gpu", "--name", "gpu-real", "--work", work];
    const runner = spawn(process.execPath, [BIN, ...args, "--isolation", "none"], {
      env: { ...process.env, GANTRY_RUNNER_TOKEN: token.stdout.trim(), GANTRY_HOME: work },
      stdio: "ignore",
      detached: true,
    });
    if (runner.pid) killAfterTest(runner.pid);

    const list = () => api(s, ADMIN, "GET", "/repos/acme/app/actions/runners");
    const online = await until(list, (a) => a.json.runners?.[0]?.status === "online");
    const id = online.json.runners[0].id;
    expect(online.json.runners[0]).toMatchObject({ name: "gpu-real", busy: false, repository: "acme/app" });
    expect(
      online.json.runners[0].labels.map((l: { name: string; type: string }) => [l.name, l.type]),
    ).toEqual(
      expect.arrayContaining([
        ["self-hosted", "read-only"],
        ["gpu", "custom"],
      ]),
    );

    // The job goes to it (the built-in pool has no gpu label): busy, naming the job.
    const run = await dispatchRun(s, ADMIN, "gpu.yml");
    const busy = await until(list, (a) => a.json.runners[0].busy === true);
    const jobId = busy.json.runners[0].jobs[0].id;
    const job = await api(s, ADMIN, "GET", `/repos/acme/app/actions/jobs/${jobId}`);
    expect(job.json).toMatchObject({ run_id: run.id, runner_id: id, runner_name: "gpu-real" });
    const shown = await cli(s, ADMIN, ["runners", "list", "--repo", "acme/app"]);
    expect(shown.stdout).toContain(`acme/app job ${jobId} (train)`);

    writeFileSync(gate, "");
    expect((await run.done(1)).json.conclusion).toBe("success");
    await until(list, (a) => a.json.runners[0].busy === false);

    const removed = await cli(s, ADMIN, ["runners", "rm", "gpu-real", "--repo", "acme/app"]);
    expect(removed.code).toBe(0);
    expect((await list()).json).toEqual({ total_count: 0, runners: [] });
  });
});
