import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const AAD = Buffer.from("gantry repo hook secret v1");

/**
 * Seals repository hooks' secrets (AES-256-GCM) with a key kept in a file of the server's data
 * directory (0600, made at first use): the database holds only sealed secrets, so a copy of it
 * (a backup, a shared PostgreSQL) does not give them away; the API answers `********`.
 */
export class HookSecrets {
  private readonly key: Buffer;

  constructor(keyFile: string) {
    this.key = HookSecrets.loadKey(keyFile);
  }

  private static loadKey(file: string): Buffer {
    try {
      const key = readFileSync(file);
      if (key.length !== 32) throw new Error(`${file} is not a 32-byte key`);
      return key;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      const key = randomBytes(32);
      writeFileSync(file, key, { mode: 0o600, flag: "wx" });
      return key;
    }
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  open(sealed: string): string {
    const raw = Buffer.from(sealed.replace(/^v1:/, ""), "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}
