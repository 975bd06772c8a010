import { createCipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { SecretVault } from "../secrets/index.js";
import { openSqliteStore } from "../store/index.js";
import { moveLegacyHookSecrets } from "./hook-secret.js";

/** A hook secret as gantry sealed them before the master key: AES-256-GCM under hook-secrets.key. */
function legacySeal(key: Buffer, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from("gantry repo hook secret v1"));
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
}

it("moves hooks' secrets from the old key file under the master key, which its rotation re-seals", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-hook-secret-"));
  const store = await openSqliteStore(join(dataDir, "gantry.db"));
  const repo = await store.addRepo({
    owner: "o",
    name: "n",
    url: "u",
    defaultBranch: "main",
    pollIntervalSeconds: 0,
  });
  const oldKey = randomBytes(32);
  const keyFile = join(dataDir, "hook-secrets.key");
  writeFileSync(keyFile, oldKey, { mode: 0o600 });
  const hook = {
    repoId: repo.id,
    url: "https://example.com/h",
    contentType: "json" as const,
    events: ["*"],
    active: true,
  };
  const old = await store.addHook({ ...hook, secretSealed: legacySeal(oldKey, "hook-secret-one") });
  const none = await store.addHook({ ...hook, secretSealed: null });
  const vault = await SecretVault.open({ store, dataDir, env: {} });
  const fresh = await store.addHook({ ...hook, secretSealed: vault.hookSecrets().seal("hook-secret-two") });

  expect(await moveLegacyHookSecrets(store, vault, keyFile)).toBe(1);
  expect(existsSync(keyFile)).toBe(false);
  const sealed = (await store.getHook(old.id))?.secretSealed ?? "";
  expect(sealed).toMatch(/^v1:[0-9a-f]{8}:/);
  expect(vault.hookSecrets().open(sealed)).toBe("hook-secret-one");
  expect(vault.hookSecrets().open((await store.getHook(fresh.id))?.secretSealed ?? "")).toBe(
    "hook-secret-two",
  );
  expect((await store.getHook(none.id))?.secretSealed).toBeNull();
  // Nothing left to move.
  expect(await moveLegacyHookSecrets(store, vault, keyFile)).toBe(0);

  await vault.rotateMasterKey({}, () => {});
  const after = await SecretVault.open({ store, dataDir, env: {} });
  expect(after.hookSecrets().open((await store.getHook(old.id))?.secretSealed ?? "")).toBe("hook-secret-one");
  expect(() => vault.hookSecrets().open("v1:00000000:AAAA")).toThrow();
  await store.close();
});
