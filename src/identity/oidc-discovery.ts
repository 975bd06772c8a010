import { OIDC_CLAIMS } from "./oidc-claims.js";

/** Where the JWKS of an issuer is published. */
export function jwksUri(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/jwks`;
}

/** The OpenID Connect discovery document, with the fields GitHub's token issuer publishes. */
export function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: jwksUri(issuer),
    subject_types_supported: ["public", "pairwise"],
    response_types_supported: ["id_token"],
    claims_supported: [...OIDC_CLAIMS],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid"],
  };
}
