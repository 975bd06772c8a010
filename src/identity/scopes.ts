/**
 * What a personal token may be used for, in GitHub's classic scope names:
 * - `repo`: act on repositories with the user's roles there (without it a token only reads them);
 * - `user`: manage the user's own tokens;
 * - `site_admin`: a site admin's powers (users, the audit log, server-wide secrets); only a site
 *   admin's token may carry it.
 */
export const SCOPES = ["repo", "user", "site_admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** The scopes of a token made without naming any. */
export const DEFAULT_SCOPES: readonly Scope[] = ["repo", "user"];

/** Why a token cannot have these scopes, or undefined when it can. */
export function scopesProblem(scopes: readonly string[], siteAdmin: boolean): string | undefined {
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope))
      return `unknown scope '${scope}': a scope is one of ${SCOPES.join(", ")}`;
    if (scope === "site_admin" && !siteAdmin)
      return "only a site admin's token may have the site_admin scope";
  }
  return undefined;
}
