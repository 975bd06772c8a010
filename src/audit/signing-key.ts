import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";

/** The server's Ed25519 key that signs the audit trail's checkpoints. */
export interface SigningKey {
  /** keyIdOf(publicKey). */
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A public key's id: the first 16 hex digits of the SHA-256 of its DER (SubjectPublicKeyInfo). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 16);
}

/** The public key as the API gives it: base64 of its DER (SubjectPublicKeyInfo), and PEM. */
export function publicKeyText(publicKey: KeyObject): { key: string; pem: string } {
  return {
    key: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    pem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/**
 * The signing key kept in `file` (PKCS#8 PEM, mode 0600); made there at the first start. A file that
 * is there but is not an Ed25519 private key is an error, never replaced: checkpoints signed with
 * it would no longer verify.
 */
export function openSigningKey(file: string): SigningKey {
  let pem: string | undefined;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOENT")
      throw new Error(`audit signing key ${file}: ${(err as Error).message}`);
  }
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync("ed25519");
    try {
      writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    } catch (err) {
      // Another server made it first: read theirs.
      if ((err as { code?: string }).code !== "EEXIST") throw err;
    }
    return openSigningKey(file);
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`audit signing key ${file} is not a private key in PEM: ${(err as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519")
    throw new Error(`audit signing key ${file} is a ${privateKey.asymmetricKeyType} key, not Ed25519`);
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** DER of an Ed25519 SubjectPublicKeyInfo, before the 32 bytes of the key itself. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/**
 * A public key as a user may give it to `gantry audit verify`: PEM, base64 of the DER (the API's
 * `key`), base64 of the 32 raw bytes, or the public-key route's JSON answer. Throws saying why not.
 */
export function parsePublicKey(text: string): KeyObject {
  const given = text.trim();
  if (given.startsWith("{")) {
    let json: { key?: unknown; pem?: unknown };
    try {
      json = JSON.parse(given) as typeof json;
    } catch {
      throw new Error("the public key is neither PEM, base64 nor the public-key route's JSON");
    }
    if (typeof json.key === "string") return parsePublicKey(json.key);
    if (typeof json.pem === "string") return parsePublicKey(json.pem);
    throw new Error("the public key's JSON has no `key`");
  }
  let key: KeyObject;
  try {
    if (given.startsWith("-----BEGIN")) key = createPublicKey(given);
    else {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(given)) throw new Error("not base64");
      const der = Buffer.from(given, "base64");
      const spki = der.length === 32 ? Buffer.concat([ED25519_SPKI_PREFIX, der]) : der;
      key = createPublicKey({ key: spki, format: "der", type: "spki" });
    }
  } catch (err) {
    throw new Error(`the public key is neither PEM nor base64 of an Ed25519 key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new Error(`the public key is a ${key.asymmetricKeyType} key, not Ed25519`);
  return key;
}
