/**
 * GitHub's rules for the names and sizes of Actions secrets and configuration variables
 * ("Naming your secrets", "Limits for secrets", "Limits for configuration variables").
 */

/** GitHub's size limit for one secret, and for one variable: 48 KB. */
export const MAX_SECRET_BYTES = 48 * 1024;
export const MAX_VARIABLE_BYTES = 48 * 1024;

/** How many a scope may hold, as GitHub counts them (an organization's for gantry's server-wide). */
export const MAX_SECRETS = { server: 1000, repository: 100, environment: 100 } as const;
export const MAX_VARIABLES = { server: 1000, repository: 500, environment: 100 } as const;

export type ScopeKind = keyof typeof MAX_SECRETS;

/** GitHub's longest environment name. */
const MAX_ENVIRONMENT_NAME = 255;

/**
 * Why a secret's or variable's name breaks GitHub's rules, or undefined: only letters, digits and
 * `_`; not starting with a digit nor with `GITHUB_` (in any case). Names are case-insensitive:
 * normaliseName gives the stored form.
 */
export function nameProblem(name: string, what: "secret" | "variable"): string | undefined {
  const Kind = what === "secret" ? "Secret" : "Variable";
  if (name === "") return `${Kind} names cannot be empty`;
  if (name.length > 255) return `${Kind} names can be at most 255 characters long`;
  if (!/^[A-Za-z0-9_]+$/.test(name))
    return `${Kind} names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_); spaces are not allowed`;
  if (/^[0-9]/.test(name)) return `${Kind} names must not start with a number`;
  if (/^GITHUB_/i.test(name)) return `${Kind} names must not start with the GITHUB_ prefix`;
  return undefined;
}

/** The stored form of a name: upper case, as GitHub keeps them. */
export function normaliseName(name: string): string {
  return name.toUpperCase();
}

/**
 * Why an environment's name cannot be one, or undefined: 1 to 255 characters, no control
 * characters, no leading or trailing space.
 */
export function environmentNameProblem(name: string): string | undefined {
  if (name === "") return "an environment's name cannot be empty";
  if (name.length > MAX_ENVIRONMENT_NAME)
    return `an environment's name can be at most ${MAX_ENVIRONMENT_NAME} characters long`;
  if (/\p{Cc}/u.test(name)) return "an environment's name cannot contain control characters";
  if (name.trim() !== name) return "an environment's name cannot start or end with a space";
  return undefined;
}

/** The stored form of an environment's name: GitHub matches them without regard to case. */
export function normaliseEnvironment(name: string): string {
  return name.toLowerCase();
}
