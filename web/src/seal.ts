// A secret's value sealed in the browser for the repository's public key (a libsodium sealed box,
// crypto_box_seal, as GitHub's clients send secrets): the value never crosses the wire in clear.
// libsodium is loaded only when a secret is saved (its own chunk, a few hundred KB).

/** The sealed box of `value` for `key` (base64 X25519 public key), in base64 as the API takes it. */
export async function sealFor(key: string, value: string): Promise<string> {
  const { default: sodium } = await import("libsodium-wrappers");
  await sodium.ready;
  const publicKey = sodium.from_base64(key, sodium.base64_variants.ORIGINAL);
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), publicKey);
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}
