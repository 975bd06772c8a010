import { createDecipheriv } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { MasterKey, type SecretVault } from "../secrets/index.js";
import type { Store } from "../store/index.js";

/**
 * Repository hooks' secrets are sealed under the server's master key (the vault's, AES-256-GCM),
 * as Actions secrets are: the database holds only sealed secrets, so a copy of it (a backup, a
 * shared PostgreSQL) does not give them away, and `--rotate-master-key` re-seals them too. The API
 * answers `********`.
 */
export interface HookSecrets {
  seal(secret: string): string;
  open(sealed: string): string;
}

const LEGACY_AAD = Buffer.from("gantry repo hook secret v1");

/** Opens a hook secret sealed by gantry before the master key (`v1:` and the old key file's AES-GCM). */
function openLegacy(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed.replace(/^v1:/, ""), "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAAD(LEGACY_AAD);
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}

/**
 * Hooks' secrets sealed under the old key file (`hook-secrets.key`, before the master key) are
 * re-sealed under the master key in one transaction, then the old key file goes: how many moved.
 * A start after a crash between the two finds them moved already and only removes the file.
 */
export async function moveLegacyHookSecrets(
  store: Store,
  vault: SecretVault,
  keyFile: string,
): Promise<number> {
  let key: Buffer;
  try {
    key = readFileSync(keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  if (key.length !== 32) throw new Error(`${keyFile} is not a 32-byte key`);
  const hooks = vault.hookSecrets();
  let moved = 0;
  await store.rewriteEncrypted({
    secret: (s) => s.encryptedValue,
    boxKey: (k) => k.encryptedPrivateKey,
    hookSecret: (h) => {
      const sealed = h.secretSealed ?? "";
      if (MasterKey.keyIdOf(sealed)) return sealed;
      moved++;
      return hooks.seal(openLegacy(key, sealed));
    },
  });
  rmSync(keyFile, { force: true });
  return moved;
}
