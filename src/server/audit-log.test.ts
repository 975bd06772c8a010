import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { makeRepo } from "../../test/harness.js";
import { parsePublicKey, verifyExport } from "../audit/index.js";
import { type GantryServer, startServer } from "./index.js";

const TOKEN = "test-token";
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

const WORKFLOW = `name: CI
on:
  workflow_dispatch:
    inputs:
      who: { type: string, required: true }
  repository_dispatch:
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`;

async function server(): Promise<{ s: GantryServer; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-server-"));
  const s = await startServer({
    dataDir,
    listen: false,
    adminToken: TOKEN,
    config: {
      repo_url_schemes: ["file"],
      runners: { slots: 1, isolation: "none" },
      secrets: { DEPLOY_KEY: "config-secret-value" },
      outgoing_webhooks: { url_schemes: ["http"], allow_private_networks: true },
    },
  });
  servers.push(s);
  return { s, dataDir };
}

async function call(s: GantryServer, method: string, path: string, body?: unknown, token = TOKEN) {
  const res = await s.app.request(`/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any; // any: each endpoint answers its own shape; the tests read the fields they check
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, text, link: res.headers.get("link") };
}

describe("the audit trail on the server", () => {
  it("records the start, the config loaded and each change with who, which token and which repository", async () => {
    const { s } = await server();
    const dir = makeRepo({ files: { ".github/workflows/ci.yml": WORKFLOW } });
    expect((await call(s, "POST", "/repos", { owner: "acme", name: "app", url: dir })).status).toBe(201);
    const dispatched = await call(s, "POST", "/repos/acme/app/actions/workflows/ci.yml/dispatches", {
      ref: "main",
      inputs: { who: "input-value-1" },
      return_run_details: true,
    });
    expect(dispatched.status).toBe(200);
    const log = await call(s, "GET", "/audit-log?order=asc");
    expect(log.status).toBe(200);
    expect(log.json.map((e: { action: string }) => e.action)).toEqual([
      "server.start",
      "config.load",
      "repo.create",
      "workflows.created_workflow_run",
    ]);
    const [start, config, created, run] = log.json;
    expect(start).toMatchObject({ seq: 1, actor: "gantry", token_id: null, prev_hash: "0".repeat(64) });
    expect(config.details).toMatchObject({ secret_names: ["DEPLOY_KEY"] });
    const admin = (await s.store.listTokens()).find((t) => t.name === "admin");
    expect(created).toMatchObject({
      actor: "admin",
      token_id: admin?.id,
      repo: "acme/app",
      prev_hash: config.hash,
    });
    expect(typeof created["@timestamp"]).toBe("number");
    expect(run.details).toEqual({
      event: "workflow_dispatch",
      workflow: ".github/workflows/ci.yml",
      ref: "main",
      run_id: dispatched.json.workflow_run_id,
      inputs: ["who"],
    });
    expect(log.text).not.toContain("input-value-1");
    expect(log.text).not.toContain("config-secret-value");
  });

  it("filters by action, actor, repository and time, and pages with GitHub's Link header", async () => {
    const { s } = await server();
    const dir = makeRepo({ files: { ".github/workflows/ci.yml": WORKFLOW } });
    await call(s, "POST", "/repos", { owner: "acme", name: "app", url: dir });
    await call(s, "POST", "/repos", { owner: "acme", name: "lib", url: dir });
    await call(s, "PATCH", "/repos/acme/lib", { poll_interval_seconds: 0 });
    const actions = async (q: string) =>
      (await call(s, "GET", `/audit-log?${q}`)).json.map(
        (e: { action: string; repo: string }) => `${e.action} ${e.repo}`,
      );
    expect(await actions("action=repo")).toEqual([
      "repo.update acme/lib",
      "repo.create acme/lib",
      "repo.create acme/app",
    ]);
    expect(await actions("action=repo.create&repo=acme/lib")).toEqual(["repo.create acme/lib"]);
    expect(await actions("actor=gantry")).toEqual(["config.load null", "server.start null"]);
    expect(await actions("after=2999-01-01")).toEqual([]);
    expect(await actions("before=2000-01-01T00:00:00Z")).toEqual([]);
    const page1 = await call(s, "GET", "/audit-log?per_page=2");
    expect(page1.json.map((e: { seq: number }) => e.seq)).toEqual([5, 4]);
    expect(page1.link).toMatch(/[?&]page=2[^>]*>; rel="next"/);
    expect(page1.link).toMatch(/[?&]page=3[^>]*>; rel="last"/);
    const page3 = await call(s, "GET", "/audit-log?per_page=2&page=3");
    expect(page3.json.map((e: { seq: number }) => e.seq)).toEqual([1]);
    expect(page3.link).toMatch(/rel="prev"/);
    expect(page3.link).not.toMatch(/rel="next"/);
    expect((await call(s, "GET", "/audit-log?per_page=500")).json).toHaveLength(5);
    for (const bad of ["after=yesterday", "per_page=0", "action=Repo;drop", "order=sideways", "colour=red"]) {
      const answer = await call(s, "GET", `/audit-log?${bad}`);
      expect(answer.status, bad).toBe(422);
    }
  });

  it("is for site administrators only (a user who is not gets 403); the public key is for any caller", async () => {
    const { s } = await server();
    expect((await call(s, "POST", "/admin/users", { login: "mona" })).status).toBe(201);
    const made = await call(s, "POST", "/admin/users/mona/authorizations", { note: "laptop" });
    expect(made.status).toBe(201);
    const other = made.json.token as string;
    expect((await call(s, "GET", "/audit-log", undefined, other)).status).toBe(403);
    expect((await call(s, "GET", "/audit-log/export", undefined, other)).status).toBe(403);
    expect((await call(s, "GET", "/audit-log", undefined, "wrong")).status).toBe(401);
    const key = await call(s, "GET", "/audit-log/public-key", undefined, other);
    expect(key.status).toBe(200);
    expect(key.json.key_id).toMatch(/^[0-9a-f]{16}$/);
    expect(key.json.pem).toMatch(/BEGIN PUBLIC KEY/);
  });

  it("never records a secret or a token value a request carried", async () => {
    const { s, dataDir } = await server();
    const dir = makeRepo({ files: { ".github/workflows/ci.yml": WORKFLOW } });
    await call(s, "POST", "/repos", { owner: "acme", name: "app", url: dir });
    const hook = await call(s, "POST", "/repos/acme/app/hooks", {
      config: { url: "http://127.0.0.1:9/hook?token=url-token-value", secret: "hook-secret-value" },
      events: ["workflow_run"],
    });
    expect(hook.status).toBe(201);
    const patched = await call(s, "PATCH", `/repos/acme/app/hooks/${hook.json.id}`, {
      config: { secret: "second-secret-value" },
    });
    expect(patched.status).toBe(200);
    expect((await call(s, "DELETE", `/repos/acme/app/hooks/${hook.json.id}`)).status).toBe(204);
    expect(
      (
        await call(s, "POST", "/repos/acme/app/dispatches", {
          event_type: "deploy",
          client_payload: { token: "payload-token-value", password: "payload-password" },
        })
      ).status,
    ).toBe(204);
    const log = await call(s, "GET", "/audit-log?order=asc&per_page=100");
    expect(log.json.map((e: { action: string }) => e.action).slice(2)).toEqual([
      "repo.create",
      "hook.create",
      "hook.config_changed",
      "hook.destroy",
      "repo.repository_dispatch",
    ]);
    expect(log.json[3].details).toMatchObject({ url_host: "127.0.0.1:9", events: ["workflow_run"] });
    expect(log.json[4].details).toMatchObject({ secret_changed: true });
    const exported = await call(s, "GET", "/audit-log/export");
    await s.close();
    servers = [];
    const secrets = [
      "url-token-value",
      "hook-secret-value",
      "second-secret-value",
      "payload-token-value",
      "payload-password",
      TOKEN,
    ];
    // What the audit tables hold at rest (other tables keep a hook's URL, a run's event payload).
    const db = new SQLite(join(dataDir, "gantry.db"), { readonly: true });
    const database = JSON.stringify([
      db.prepare("select * from audit_entries").all(),
      db.prepare("select * from audit_checkpoints").all(),
    ]);
    db.close();
    for (const secret of secrets) {
      expect(log.text).not.toContain(secret);
      expect(exported.text).not.toContain(secret);
      expect(database).not.toContain(secret);
    }
  });

  it("exports a trail that verifies with the public key, signed again at each stop", async () => {
    const { s, dataDir } = await server();
    const key = parsePublicKey((await call(s, "GET", "/audit-log/public-key")).json.pem);
    const dir = makeRepo({ files: { ".github/workflows/ci.yml": WORKFLOW } });
    await call(s, "POST", "/repos", { owner: "acme", name: "app", url: dir });
    const exported = await call(s, "GET", "/audit-log/export");
    expect(verifyExport(exported.text, [key])).toMatchObject({ ok: true, entries: 3, lastSeq: 3 });
    await s.close();
    servers = [];
    // The stop is recorded and signed; the next start keeps the key and the chain.
    const again = await startServer({ dataDir, listen: false, adminToken: TOKEN });
    servers.push(again);
    const after = await call(again, "GET", "/audit-log/export");
    const lines = after.text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => (l.type === "checkpoint" ? `checkpoint ${l.seq}` : l.action))).toEqual([
      "server.start",
      "config.load",
      "repo.create",
      "checkpoint 3",
      "server.stop",
      "checkpoint 4",
      "server.start",
      "checkpoint 5",
    ]);
    expect(verifyExport(after.text, [key])).toMatchObject({ ok: true, entries: 5 });
  });
});
