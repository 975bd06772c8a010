// identity/: users, their tokens, repository roles, each job's GITHUB_TOKEN and its OIDC ID tokens. The
// store keeps them; this folder decides who a token stands for and what it may do.

export { IssuedJobTokens } from "./issued-job-tokens.js";
export {
  chainPermissions,
  type JobPermissions,
  jobTokenPermissions,
  type Level,
  lesserPermissions,
  levelAtLeast,
  PERMISSIONS,
  type Permission,
  type PermissionsSetting,
} from "./job-permissions.js";
export { issueJobToken, JOB_TOKEN_LIFETIME_MS, type JobTokenRequest } from "./job-token.js";
export {
  defaultAudience,
  OIDC_CLAIMS,
  type OidcClaims,
  type OidcJobFacts,
  type OidcJobSource,
  oidcClaims,
  oidcJobFacts,
  oidcSubject,
} from "./oidc-claims.js";
export { discoveryDocument, jwksUri } from "./oidc-discovery.js";
export { type MintResult, OIDC_REQUEST_PREFIX, OidcIssuer } from "./oidc-issuer.js";
export { OIDC_TOKEN_LIFETIME_SECONDS, OidcKeys, type PublicJwk, type SigningKey } from "./oidc-keys.js";
export { signIdToken } from "./oidc-token.js";
export { issuePersonalToken, type PersonalTokenRequest } from "./personal-token.js";
export { isSiteAdmin, JOB_ACTOR, type Principal, resolvePrincipal } from "./principal.js";
export {
  decideRepoAccess,
  type RepoDecision,
  type RepoNeed,
  readableRepoIds,
  roleOn,
} from "./repo-access.js";
export {
  legacyPermission,
  minRole,
  parseRole,
  ROLES,
  type Role,
  roleAtLeast,
  rolePermissions,
} from "./roles.js";
export { DEFAULT_SCOPES, SCOPES, type Scope, scopesProblem } from "./scopes.js";
export {
  hashToken,
  JOB_PREFIX,
  lastEight,
  newTokenValue,
  PERSONAL_PREFIX,
  REGISTRATION_PREFIX,
  RUNNER_PREFIX,
} from "./token-value.js";
