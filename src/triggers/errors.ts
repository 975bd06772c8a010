import { createHmac, timingSafeEqual } from "node:crypto";

/** A notification or webhook whose signature or token does not check out (the server answers 401). */
export class SignatureError extends Error {
  readonly code = "ERR_BAD_SIGNATURE";
  readonly status = 401;
}

/** A notification or webhook the server cannot read (400), with the reason. */
export class PayloadError extends Error {
  readonly code = "ERR_BAD_PAYLOAD";
  readonly status = 400;
}

/** Compares two secrets in time that does not depend on where they differ. */
export function secretsEqual(given: string, expected: string): boolean {
  // Hash both first: timingSafeEqual needs equal lengths, and the length must not leak either.
  const a = createHmac("sha256", "gantry").update(given).digest();
  const b = createHmac("sha256", "gantry").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Hex HMAC-SHA256 of the raw body, as GitHub and Gitea sign webhooks. */
export function hmacSha256(secret: string, body: string | Uint8Array): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}
