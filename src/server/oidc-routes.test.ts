import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { hashToken, JOB_PREFIX, lastEight, newTokenValue } from "../identity/index.js";
import { parseServerConfig } from "./config.js";
import { type GantryServer, startServer } from "./index.js";

const ISSUER = "https://ci.example.com";
let servers: GantryServer[] = [];

afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

async function server(dataDir = mkdtempSync(join(tmpdir(), "gantry-oidc-")), rotate = false) {
  const s = await startServer({
    dataDir,
    listen: false,
    adminToken: "admin-token",
    config: { public_url: `${ISSUER}/` },
    rotateOidcKey: rotate,
  });
  servers.push(s);
  return { s, dataDir };
}

async function get(s: GantryServer, path: string, token?: string) {
  const res = await s.app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

/** A running job's GITHUB_TOKEN in acme/app's run 1, with these permissions, and its request token. */
async function jobWithOidc(s: GantryServer, permissions: Record<string, string>) {
  const repo = await s.store.addRepo({
    owner: "acme",
    name: "app",
    url: "/srv",
    defaultBranch: "main",
    pollIntervalSeconds: 0,
  });
  const value = newTokenValue(JOB_PREFIX);
  const token = await s.store.addToken({
    kind: "job",
    userId: null,
    name: "deploy",
    hash: hashToken(value),
    lastEight: lastEight(value),
    scopes: [],
    expiresAt: null,
    repoId: repo.id,
    runId: 1,
    permissions,
  });
  const github = {
    repository: "acme/app",
    repository_owner: "acme",
    ref: "refs/heads/main",
    event_name: "push",
    run_id: "1",
    actor: "octocat",
  };
  const grant = await s.context.oidc?.grant(value, "1", { github });
  return { grant, token, value };
}

describe("the OIDC issuer's routes", () => {
  it("publishes the discovery document and the JWKS to anyone, the issuer being public_url", async () => {
    const { s, dataDir } = await server();
    const doc = await get(s, "/.well-known/openid-configuration");
    expect(doc.status).toBe(200);
    expect(doc.json).toMatchObject({ issuer: ISSUER, jwks_uri: `${ISSUER}/.well-known/jwks` });
    const jwks = await get(s, "/.well-known/jwks");
    expect(jwks.status).toBe(200);
    expect(jwks.json.keys).toHaveLength(1);
    expect(jwks.json.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(jwks.json.keys[0].d).toBeUndefined();
    // The private key is beside the data, the server's alone.
    const file = join(dataDir, "oidc-keys.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain("PRIVATE KEY");
  });

  it("mints ID tokens for a job granted id-token: write, for the audience asked or the owner's URL", async () => {
    const { s } = await server();
    const { grant } = await jobWithOidc(s, { "id-token": "write", metadata: "read" });
    if (!grant) throw new Error("no grant");
    const jwks = createLocalJWKSet((await get(s, "/.well-known/jwks")).json as JSONWebKeySet);
    const asked = await get(
      s,
      "/_services/oidc/token?api-version=2.0&audience=sts.amazonaws.com",
      grant.value,
    );
    expect(asked.status).toBe(200);
    expect(asked.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(asked.json)).toEqual(["value"]);
    const { payload } = await jwtVerify(asked.json.value, jwks, {
      issuer: ISSUER,
      audience: "sts.amazonaws.com",
    });
    expect(payload.sub).toBe("repo:acme/app:ref:refs/heads/main");
    const byDefault = await get(s, "/_services/oidc/token?api-version=2.0", grant.value);
    await jwtVerify(byDefault.json.value, jwks, { issuer: ISSUER, audience: `${ISSUER}/acme` });
  });

  it("refuses a missing, unknown, ended or revoked request token with one 401, and a bad audience with 400", async () => {
    const { s } = await server();
    const { grant, token, value } = await jobWithOidc(s, { "id-token": "write" });
    if (!grant) throw new Error("no grant");
    const path = "/_services/oidc/token?api-version=2.0";
    // The job's GITHUB_TOKEN, which actions are handed, does not mint ID tokens.
    expect((await get(s, path, value)).status).toBe(401);
    const none = await get(s, path);
    expect(none.status).toBe(401);
    expect(none.json.message).toMatch(/^Bad credentials/);
    expect((await get(s, path, "gantry_oidc_0000")).json).toEqual(none.json);
    // A personal or job API token is not a request token.
    expect((await get(s, path, "admin-token")).status).toBe(401);
    expect((await get(s, `${path}&audience=a&audience=b`, grant.value)).status).toBe(400);
    const long = await get(s, `${path}&audience=${"a".repeat(1025)}`, grant.value);
    expect(long.status).toBe(400);
    expect(long.json.message).toMatch(/at most 1024 characters/);
    expect((await get(s, `${path}&audience=%0a`, grant.value)).status).toBe(400);
    await s.store.revokeToken(token.id, new Date().toISOString());
    expect((await get(s, path, grant.value)).status).toBe(401);
  });

  it("grants nothing to a job without id-token: write", async () => {
    const { s } = await server();
    const { grant } = await jobWithOidc(s, { contents: "write", "id-token": "read" });
    expect(grant).toBeUndefined();
  });

  it("--rotate-oidc-key: a new key signs; the old one stays published for the tokens it signed", async () => {
    const { s, dataDir } = await server();
    const before = (await get(s, "/.well-known/jwks")).json.keys.map((k: { kid: string }) => k.kid);
    await s.close();
    servers = [];
    const { s: again } = await server(dataDir);
    expect((await get(again, "/.well-known/jwks")).json.keys.map((k: { kid: string }) => k.kid)).toEqual(
      before,
    );
    await again.close();
    servers = [];
    const { s: rotated } = await server(dataDir, true);
    const after = (await get(rotated, "/.well-known/jwks")).json.keys.map((k: { kid: string }) => k.kid);
    expect(after).toHaveLength(2);
    expect(after[0]).toBe(before[0]);
    const { grant } = await jobWithOidc(rotated, { "id-token": "write" });
    if (!grant) throw new Error("no grant");
    const minted = await get(rotated, "/_services/oidc/token?api-version=2.0", grant.value);
    const header = JSON.parse(Buffer.from(minted.json.value.split(".")[0], "base64url").toString());
    expect(header.kid).toBe(after[1]);
  });

  it("public_url: an http(s) URL without query, fragment or credentials", () => {
    expect(parseServerConfig({ public_url: "https://ci.example.com/gantry/" }).public_url).toBe(
      "https://ci.example.com/gantry",
    );
    for (const bad of [
      "ci.example.com",
      "ftp://ci.example.com",
      "https://ci.example.com/?a=1",
      "https://u:p@ci",
    ]) {
      expect(() => parseServerConfig({ public_url: bad })).toThrow(/public_url: an http\(s\) URL/);
    }
  });
});
