import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/index.js";
import { MasterKey, MasterKeyError } from "./master-key.js";
import { nameProblem } from "./names.js";
import { sealForKey } from "./sealed-box.js";
import { SecretVault } from "./vault.js";

async function setup(env: NodeJS.ProcessEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-vault-"));
  const file = join(dataDir, "gantry.db");
  const store = await openSqliteStore(file);
  const vault = await SecretVault.open({ store, dataDir, env });
  return { dataDir, file, store, vault };
}

async function sealed(vault: SecretVault, value: string) {
  const { key, key_id } = vault.publicKey();
  return { encrypted_value: await sealForKey(value, key), key_id };
}

const repo = (repoId: number) => ({ kind: "repository" as const, repoId });

describe("names", () => {
  it("follows GitHub's rules", () => {
    expect(nameProblem("DEPLOY_KEY_2", "secret")).toBeUndefined();
    expect(nameProblem("lower_ok", "variable")).toBeUndefined();
    expect(nameProblem("", "secret")).toMatch(/empty/);
    expect(nameProblem("HAS SPACE", "secret")).toMatch(/alphanumeric/);
    expect(nameProblem("DASH-ED", "secret")).toMatch(/alphanumeric/);
    expect(nameProblem("2FA", "secret")).toMatch(/must not start with a number/);
    expect(nameProblem("github_token", "secret")).toMatch(/GITHUB_ prefix/);
    expect(nameProblem("GITHUB_X", "variable")).toMatch(/^Variable names must not start with the GITHUB_/);
  });
});

describe("SecretVault", () => {
  it("keeps a sealed secret encrypted: the database holds no plain value, a job gets it", async () => {
    const { vault, store, file, dataDir } = await setup();
    const value = "plain-value-9f3b2a-visible";
    expect(await vault.setSecret(repo(7), "deploy_key", await sealed(vault, value))).toEqual({
      name: "DEPLOY_KEY",
      outcome: "created",
    });
    expect((await vault.setSecret(repo(7), "DEPLOY_KEY", await sealed(vault, value))).outcome).toBe(
      "updated",
    );
    expect((await vault.listSecrets(repo(7))).map((s) => s.name)).toEqual(["DEPLOY_KEY"]);
    expect((await vault.jobSecrets(7)).secrets).toEqual({ DEPLOY_KEY: value });
    expect((await vault.jobSecrets(8)).secrets).toEqual({});
    await store.close();
    for (const name of ["gantry.db", "gantry.db-wal"]) {
      const path = join(dataDir, name);
      const bytes = (() => {
        try {
          return readFileSync(path);
        } catch {
          return Buffer.alloc(0);
        }
      })();
      expect(bytes.includes(Buffer.from(value)), path).toBe(false);
    }
    expect(readFileSync(file).length).toBeGreaterThan(0);
    expect(statSync(join(dataDir, "master.key")).mode & 0o777).toBe(0o600);
  });

  it("refuses a wrong key_id, a box not sealed for the key, a bad name, oversize and empty values: nothing kept", async () => {
    const { vault } = await setup();
    const good = await sealed(vault, "v");
    const refused = async (name: string, body: { encrypted_value: string; key_id: string }) => {
      const err = await vault.setSecret(repo(1), name, body).catch((e: Error) => e);
      expect(err).toMatchObject({ status: 422 });
      return (err as unknown as { errors: string[] }).errors.join("; ");
    };
    expect(await refused("X", { ...good, key_id: "123" })).toMatch(
      /key_id: '123' is not the current public key/,
    );
    const other = await setup();
    expect(
      await refused("X", await sealed(other.vault, "v").then((b) => ({ ...b, key_id: good.key_id }))),
    ).toMatch(/not a libsodium sealed box made with this/);
    expect(await refused("X", { ...good, encrypted_value: "not base64!" })).toMatch(/not base64/);
    expect(await refused("X", { ...good, encrypted_value: "AAAA" })).toMatch(/too short/);
    expect(await refused("1X", good)).toMatch(/must not start with a number/);
    expect(await refused("GITHUB_TOKEN", good)).toMatch(/GITHUB_ prefix/);
    expect(await refused("X", await sealed(vault, "x".repeat(48 * 1024 + 1)))).toMatch(/limited to 48 KB/);
    expect(await refused("X", await sealed(vault, ""))).toMatch(/cannot be empty/);
    expect(await vault.listSecrets(repo(1))).toEqual([]);
    // 48 KB exactly is allowed.
    expect((await vault.setSecret(repo(1), "BIG", await sealed(vault, "x".repeat(48 * 1024)))).outcome).toBe(
      "created",
    );
  });

  it("gives a job its environment's over its repository's over the server's", async () => {
    const { vault } = await setup();
    const env = { kind: "environment" as const, repoId: 3, environment: "Production" };
    await vault.setSecret({ kind: "server" }, "A", await sealed(vault, "server-a"));
    await vault.setSecret({ kind: "server" }, "B", await sealed(vault, "server-b"));
    await vault.setSecret({ kind: "server" }, "C", await sealed(vault, "server-c"));
    await vault.setSecret(repo(3), "B", await sealed(vault, "repo-b"));
    await vault.setSecret(repo(3), "C", await sealed(vault, "repo-c"));
    await vault.setSecret(env, "C", await sealed(vault, "env-c"));
    await vault.createVariable({ kind: "server" }, { name: "region", value: "eu" });
    await vault.createVariable(env, { name: "REGION", value: "us" });
    expect(await vault.jobSecrets(3)).toEqual({
      secrets: { A: "server-a", B: "repo-b", C: "repo-c" },
      vars: { REGION: "eu" },
    });
    // Environment names match without regard to case.
    expect(await vault.jobSecrets(3, "production")).toEqual({
      secrets: { A: "server-a", B: "repo-b", C: "env-c" },
      vars: { REGION: "us" },
    });
    expect((await vault.jobSecrets(4, "production")).secrets).toEqual({
      A: "server-a",
      B: "server-b",
      C: "server-c",
    });
    // A run's title sees the repository's variables over the server's (never an environment's).
    await vault.createVariable({ kind: "server" }, { name: "zone", value: "server" });
    await vault.createVariable(repo(3), { name: "ZONE", value: "repo" });
    expect(await vault.variablesFor(3)).toEqual({ REGION: "eu", ZONE: "repo" });
    expect(await vault.variablesFor(4)).toEqual({ REGION: "eu", ZONE: "server" });
  });

  it("creates, renames, updates and removes variables with GitHub's answers", async () => {
    const { vault } = await setup();
    await vault.createVariable(repo(1), { name: "Region", value: "eu" });
    await expect(vault.createVariable(repo(1), { name: "REGION", value: "us" })).rejects.toMatchObject({
      status: 409,
    });
    await expect(vault.createVariable(repo(1), { name: "X", value: "" })).rejects.toMatchObject({
      status: 422,
    });
    await expect(
      vault.createVariable(repo(1), { name: "X", value: "y".repeat(48 * 1024 + 1) }),
    ).rejects.toMatchObject({ status: 422 });
    expect(await vault.updateVariable(repo(1), "region", { name: "zone", value: "ap" })).toBe("ZONE");
    expect((await vault.getVariable(repo(1), "ZONE")).value).toBe("ap");
    await expect(vault.getVariable(repo(1), "REGION")).rejects.toMatchObject({ status: 404 });
    expect(await vault.removeVariable(repo(1), "zone")).toBe("ZONE");
    await expect(vault.removeVariable(repo(1), "zone")).rejects.toMatchObject({ status: 404 });
  });

  it("will not start with a key that does not open the stored secrets, nor with the key lost", async () => {
    const { vault, store, dataDir, file } = await setup();
    await vault.setSecret(repo(1), "S", await sealed(vault, "v"));
    await store.close();
    const reopened = await openSqliteStore(file);
    const wrong = MasterKey.generate().toText();
    const err = await SecretVault.open({ store: reopened, dataDir, env: { GANTRY_MASTER_KEY: wrong } }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(MasterKeyError);
    expect((err as Error).message).toMatch(/does not open the secrets this database holds/);
    const malformed = await SecretVault.open({
      store: reopened,
      dataDir,
      env: { GANTRY_MASTER_KEY: "short" },
    }).catch((e: Error) => e);
    expect((malformed as Error).message).toMatch(/GANTRY_MASTER_KEY is not a master key/);
    // The key file gone: a clear error, and no new key file made.
    const key = readFileSync(join(dataDir, "master.key"), "utf8");
    const { rmSync, existsSync } = await import("node:fs");
    rmSync(join(dataDir, "master.key"));
    const lost = await SecretVault.open({ store: reopened, dataDir, env: {} }).catch((e: Error) => e);
    expect((lost as Error).message).toMatch(/the master key is missing/);
    expect(existsSync(join(dataDir, "master.key"))).toBe(false);
    // The right key, from the environment, opens them.
    const right = await SecretVault.open({
      store: reopened,
      dataDir,
      env: { GANTRY_MASTER_KEY: key.trim() },
    });
    expect((await right.jobSecrets(1)).secrets).toEqual({ S: "v" });
    await reopened.close();
  });

  it("rotates the master key: everything re-encrypted, the old key no longer opens it", async () => {
    const { vault, store, dataDir } = await setup();
    await vault.setSecret(repo(1), "S", await sealed(vault, "value-one"));
    await vault.setSecret({ kind: "server" }, "T", await sealed(vault, "value-two"));
    const oldKey = readFileSync(join(dataDir, "master.key"), "utf8").trim();
    const rotated = await SecretVault.open({ store, dataDir, env: {}, rotate: true });
    const newKey = readFileSync(join(dataDir, "master.key"), "utf8").trim();
    expect(newKey).not.toBe(oldKey);
    expect(rotated.masterKeyId).not.toBe(vault.masterKeyId);
    expect((await rotated.jobSecrets(1)).secrets).toEqual({ S: "value-one", T: "value-two" });
    // The public key stays: clients' sealed boxes still open.
    expect(rotated.publicKey()).toEqual(vault.publicKey());
    const stale = await SecretVault.open({ store, dataDir, env: { GANTRY_MASTER_KEY: oldKey } }).catch(
      (e: Error) => e,
    );
    expect(stale).toBeInstanceOf(MasterKeyError);
    // With the key in the environment, the new one comes from GANTRY_NEW_MASTER_KEY.
    const third = MasterKey.generate().toText();
    await expect(
      SecretVault.open({ store, dataDir, env: { GANTRY_MASTER_KEY: newKey }, rotate: true }),
    ).rejects.toThrow(/GANTRY_NEW_MASTER_KEY/);
    await SecretVault.open({
      store,
      dataDir,
      env: { GANTRY_MASTER_KEY: newKey, GANTRY_NEW_MASTER_KEY: third },
      rotate: true,
    });
    const after = await SecretVault.open({ store, dataDir, env: { GANTRY_MASTER_KEY: third } });
    expect((await after.jobSecrets(1)).secrets.S).toBe("value-one");
  });

  it("finishes a rotation that stopped before its new key file took the old one's place", async () => {
    const { vault, store, dataDir } = await setup();
    await vault.setSecret(repo(1), "S", await sealed(vault, "v1"));
    const next = MasterKey.generate();
    // As a crash after the transaction would leave it: the data under the new key, in master.key.next.
    await SecretVault.open({ store, dataDir, env: { GANTRY_NEW_MASTER_KEY: next.toText() }, rotate: true });
    const file = join(dataDir, "master.key");
    const newText = readFileSync(file, "utf8");
    writeFileSync(`${file}.next`, newText, { mode: 0o600 });
    writeFileSync(file, `${MasterKey.generate().toText()}\n`);
    const reopened = await SecretVault.open({ store, dataDir, env: {} });
    expect((await reopened.jobSecrets(1)).secrets).toEqual({ S: "v1" });
    expect(readFileSync(file, "utf8")).toBe(newText);
  });

  it("does not open a ciphertext moved to another secret's place", async () => {
    const { vault, store } = await setup();
    await vault.setSecret(repo(1), "PROD", await sealed(vault, "prod-only"));
    const stolen = (await store.getSecret({ repoId: 1, environment: "" }, "PROD"))?.encryptedValue ?? "";
    await store.putSecret({ repoId: 2, environment: "" }, "PROD", stolen);
    await expect(vault.jobSecrets(2)).rejects.toBeInstanceOf(MasterKeyError);
  });
});
