import { createSign } from "node:crypto";
import type { OidcClaims } from "./oidc-claims.js";
import type { SigningKey } from "./oidc-keys.js";

function part(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** The ID token: a JWT (compact JWS) with the claims, signed RS256 by the key, its `kid` in the header. */
export function signIdToken(claims: OidcClaims, key: SigningKey): string {
  const input = `${part({ typ: "JWT", alg: "RS256", kid: key.kid })}.${part(claims)}`;
  const signature = createSign("RSA-SHA256").update(input).sign(key.privateKey).toString("base64url");
  return `${input}.${signature}`;
}
