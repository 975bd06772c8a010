// The audit trail on the real server, end to end: changes made through the API are recorded with
// who made them; `gantry audit export` writes the trail with its signed checkpoints and `gantry
// audit verify` passes it (exit 0), and fails it (exit 1, naming the entry and the line) once a
// line is edited, removed, swapped with another, or a forged one inserted. A user who is not a
// site admin reads none of it; a stop is recorded and signed.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gantry, makeRepo, scratch } from "./harness.js";
import { api, dispatchRun, exited, type Serve, serve, serveWithConfig } from "./serve-harness.js";

const ADMIN = "gantry_audit_e2e_admin_token";

const CI = `name: CI
on:
  workflow_dispatch:
  repository_dispatch:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo built
`;

function cli(s: Pick<Serve, "url">, token: string, args: string[]) {
  return gantry(scratch(), args, { env: { GANTRY_SERVER: s.url, GANTRY_TOKEN: token } });
}

interface Line {
  type?: string;
  seq: number;
  action?: string;
  actor?: string;
}

describe("the audit trail on the real server", () => {
  it("records changes, exports them, verifies the export, and names the line edited, removed, swapped or inserted", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": CI } });
    const s = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\nsecrets:\n  DEPLOY: hush-config-secret\naudit:\n  checkpoint_seconds: 1\n`,
      ADMIN,
    );
    // Changes of state, as the admin.
    expect((await api(s, ADMIN, "PATCH", "/repos/acme/app", { poll_interval_seconds: 0 })).status).toBe(200);
    const run = await dispatchRun(s, ADMIN, "ci.yml");
    await run.done(1);
    expect((await api(s, ADMIN, "POST", `/repos/acme/app/actions/runs/${run.id}/rerun`)).status).toBe(201);
    await run.done(2);
    const dispatched = await api(s, ADMIN, "POST", "/repos/acme/app/dispatches", {
      event_type: "deploy",
      client_payload: { token: "payload-secret-value" },
    });
    expect(dispatched.status).toBe(204);

    // A user who is not a site admin reads none of it.
    expect((await api(s, ADMIN, "POST", "/admin/users", { login: "mona" })).status).toBe(201);
    const made = await api(s, ADMIN, "POST", "/admin/users/mona/authorizations", { note: "laptop" });
    const mona = made.json.token as string;
    expect((await api(s, mona, "GET", "/audit-log")).status).toBe(403);
    const refused = await cli(s, mona, ["audit", "export"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Must be a site admin/);
    expect(refused.stdout).toBe("");

    // The log, as the API shows it.
    const log = await api(s, ADMIN, "GET", "/audit-log?order=asc&per_page=100");
    expect(log.status).toBe(200);
    const actions = log.json.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 2)).toEqual(["server.start", "config.load"]);
    for (const action of [
      "repo.update",
      "workflows.created_workflow_run",
      "workflows.rerun_workflow_run",
      "repo.repository_dispatch",
    ])
      expect(actions).toContain(action);
    const rerun = log.json.find((e: { action: string }) => e.action === "workflows.rerun_workflow_run");
    expect(rerun).toMatchObject({
      actor: "admin",
      repo: "acme/app",
      details: { run_id: run.id, run_attempt: 2 },
    });

    // Export with the CLI; verify with the public key (as a file, and as the base64 the route gives).
    const exported = await cli(s, ADMIN, ["audit", "export"]);
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    for (const secret of ["payload-secret-value", "hush-config-secret", ADMIN, mona])
      expect(exported.stdout).not.toContain(secret);
    const dir = scratch();
    const file = join(dir, "audit.jsonl");
    writeFileSync(file, exported.stdout);
    const key = (await api(s, ADMIN, "GET", "/audit-log/public-key")).json;
    const keyFile = join(dir, "audit.pub");
    writeFileSync(keyFile, key.pem);
    const verify = (path: string, k = keyFile) => gantry(dir, ["audit", "verify", path, "--public-key", k]);
    const ok = await verify(file);
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toMatch(/audit\.jsonl: whole: entries 1 to \d+/);
    expect(ok.code).toBe(0);
    expect((await verify(file, key.key)).code).toBe(0);

    const lines = exported.stdout.trim().split("\n");
    const parsed = lines.map((l) => JSON.parse(l) as Line);
    expect(parsed[parsed.length - 1].type).toBe("checkpoint");
    const entryAt = (action: string) =>
      parsed.findIndex((l) => l.type !== "checkpoint" && l.action === action);
    const tampered = async (name: string, change: (copy: string[]) => void) => {
      const copy = [...lines];
      change(copy);
      const path = join(dir, `${name}.jsonl`);
      writeFileSync(path, `${copy.join("\n")}\n`);
      const result = await verify(path);
      expect(result.code, `${name}: ${result.stdout}${result.stderr}`).toBe(1);
      return result.stderr;
    };

    // Edited: the re-run's actor.
    const r = entryAt("workflows.rerun_workflow_run");
    const rSeq = parsed[r].seq;
    expect(
      await tampered("edited", (c) => {
        c[r] = c[r].replace('"actor":"admin"', '"actor":"mallory"');
      }),
    ).toContain(`${join(dir, "edited.jsonl")}:${r + 1}: entry ${rSeq} was edited`);

    // Removed: the re-run's line.
    expect(
      await tampered("removed", (c) => {
        c.splice(r, 1);
      }),
    ).toMatch(new RegExp(`entry ${rSeq} was removed`));

    // Swapped: the dispatch's entry and the one after it.
    const d = entryAt("workflows.created_workflow_run");
    const nextEntry = parsed.findIndex((l, i) => i > d && l.type !== "checkpoint");
    expect(
      await tampered("swapped", (c) => {
        [c[d], c[nextEntry]] = [c[nextEntry], c[d]];
      }),
    ).toMatch(new RegExp(`:${d + 1}: entry ${parsed[nextEntry].seq} is out of order`));

    // Inserted: a forged repository removal before the re-run, as if the admin had done it.
    expect(
      await tampered("inserted", (c) => {
        c.splice(r, 0, c[r].replace('"action":"workflows.rerun_workflow_run"', '"action":"repo.destroy"'));
      }),
    ).toContain(`:${r + 1}: entry ${rSeq} was inserted`);

    // A stop is recorded and signed; the next start goes on with the chain and the key.
    s.proc.kill("SIGTERM");
    expect(await exited(s.proc)).toBe(0);
    const again = await serve(s.args, { GANTRY_ADMIN_TOKEN: ADMIN });
    const since = await cli(again, ADMIN, ["audit", "export", "--since", "1h"]);
    expect(since.code).toBe(0);
    const after = since.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
    const stop = after.findIndex((l) => l.action === "server.stop");
    expect(stop).toBeGreaterThan(0);
    expect(after[stop + 1]).toMatchObject({ type: "checkpoint", seq: after[stop].seq });
    expect(after[stop + 2]).toMatchObject({ action: "server.start" });
    const sinceFile = join(dir, "since.jsonl");
    writeFileSync(sinceFile, since.stdout);
    expect((await verify(sinceFile)).code).toBe(0);
    // Bad usage: no key.
    const usage = await gantry(dir, ["audit", "verify", sinceFile]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/needs --public-key/);
  });
});
