import { createHash } from "node:crypto";

// libsodium (compiled to JavaScript) loads on first use: `gantry run` and the commands that keep
// no secrets never pay for it.
type Sodium = typeof import("libsodium-wrappers").default;
let loaded: Promise<Sodium> | undefined;

function sodium(): Promise<Sodium> {
  loaded ??= import("libsodium-wrappers").then(async (m) => {
    await m.default.ready;
    return m.default;
  });
  return loaded;
}

/** An X25519 keypair for libsodium sealed boxes (crypto_box_seal), as GitHub's public-key API hands out. */
export interface BoxKeypair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export async function newBoxKeypair(): Promise<BoxKeypair> {
  const s = await sodium();
  const { publicKey, privateKey } = s.crypto_box_keypair();
  return { publicKey, privateKey };
}

/** A key's id as GitHub's key_id: decimal digits (from the public key's SHA-256). */
export function boxKeyId(publicKey: Uint8Array): string {
  return createHash("sha256").update(publicKey).digest().readBigUInt64BE(0).toString();
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Opens a sealed box (base64, as GitHub's encrypted_value): the plain bytes, or a reason it cannot
 * be opened (not base64, too short, not sealed for this key).
 */
export async function openSealedBox(
  encrypted: string,
  key: BoxKeypair,
): Promise<{ value: Uint8Array } | { problem: string }> {
  if (!BASE64.test(encrypted)) return { problem: "encrypted_value is not base64 (RFC 4648, with padding)" };
  const s = await sodium();
  const bytes = Buffer.from(encrypted, "base64");
  if (bytes.length < s.crypto_box_SEALBYTES)
    return { problem: `encrypted_value is too short to be a sealed box (${bytes.length} bytes)` };
  try {
    return { value: s.crypto_box_seal_open(bytes, key.publicKey, key.privateKey) };
  } catch {
    return {
      problem:
        "encrypted_value is not a libsodium sealed box made with this repository's public key (GET …/actions/secrets/public-key)",
    };
  }
}

/** Seals `value` for a public key given in base64 (what a client does before PUT …/secrets/{name}). */
export async function sealForKey(value: string | Uint8Array, publicKeyBase64: string): Promise<string> {
  const s = await sodium();
  if (!BASE64.test(publicKeyBase64)) throw new Error("the public key is not base64");
  const key = Buffer.from(publicKeyBase64, "base64");
  if (key.length !== s.crypto_box_PUBLICKEYBYTES)
    throw new Error(`the public key is ${key.length} bytes, not ${s.crypto_box_PUBLICKEYBYTES}`);
  return Buffer.from(s.crypto_box_seal(value, key)).toString("base64");
}
