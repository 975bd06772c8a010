// Users and personal access tokens at the API's boundary: GitHub's login rule, the request bodies
// and queries (zod), and the answers' shapes (GitHub's user and authorization objects).
import { z } from "zod";
import { SCOPES } from "../identity/index.js";
import { githubPageFields } from "./paging.js";

/** GitHub's longest login. */
export const MAX_LOGIN_LENGTH = 39;

/**
 * Why `login` cannot be a user's login, or undefined when it can: as on GitHub, letters, digits and
 * single hyphens, not starting or ending with a hyphen, at most 39 characters.
 */
export function loginProblem(login: string): string | undefined {
  if (login.length === 0) return "login must not be empty";
  if (login.length > MAX_LOGIN_LENGTH)
    return `login must be ${MAX_LOGIN_LENGTH} characters or fewer (got ${login.length})`;
  if (!/^[A-Za-z0-9-]+$/.test(login))
    return `login may only contain letters, digits and hyphens (got '${login}')`;
  if (login.startsWith("-") || login.endsWith("-"))
    return `login cannot begin or end with a hyphen (got '${login}')`;
  if (login.includes("--")) return `login cannot contain consecutive hyphens (got '${login}')`;
  return undefined;
}

const loginSchema = z
  .string({ error: "login is required: the user's name (letters, digits and single hyphens)" })
  .superRefine((value, ctx) => {
    const problem = loginProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const emailSchema = z
  .string({ error: "email must be a string (an address) or null" })
  .max(320, { error: "email must be 320 characters or fewer" })
  .regex(/^[^\s@]+@[^\s@]+$/, { error: "email must be an address (name@host)" })
  .nullable();

/** POST /admin/users (GitHub Enterprise Server's "Create a user"). */
export const createUserBody = z.strictObject({
  login: loginSchema,
  email: emailSchema.optional(),
  /** GHES's option: make the user suspended. */
  suspended: z.boolean().optional(),
});

/** PATCH /users/{login}: gantry's one call for what GHES does with PUT/DELETE …/suspended and …/site_admin. */
export const patchUserBody = z
  .strictObject({
    suspended: z.boolean().optional(),
    site_admin: z.boolean().optional(),
    email: emailSchema.optional(),
  })
  .refine((b) => b.suspended !== undefined || b.site_admin !== undefined || b.email !== undefined, {
    error: "name at least one of suspended, site_admin, email",
  });

/** PUT /users/{login}/suspended (GHES takes an optional reason; gantry keeps it in the audit trail). */
export const suspendBody = z.strictObject({
  reason: z.string().max(1000, { error: "reason must be 1000 characters or fewer" }).optional(),
});

/** GET /users: GitHub's paging by `since` (the last id seen). */
export const usersQuery = z.object({
  since: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, { error: "since must be a user id (a decimal integer, 0 or more)" })
    .transform(Number)
    .default(0),
  per_page: githubPageFields.per_page,
});

/** The longest note a token may have. */
export const MAX_NOTE_LENGTH = 100;

/**
 * When `text` (an ISO 8601 date, `2027-01-31`, or date and time with a zone, `…T12:00:00Z`) is, as
 * an ISO string; undefined for anything else.
 */
export function parseExpiry(text: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text))
    return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

/** POST /user/tokens and POST /admin/users/{login}/authorizations. */
export const createTokenBody = z.strictObject({
  note: z
    .string({ error: "note is required: what the token is for (it names the token in lists)" })
    .trim()
    .min(1, { error: "note must not be empty" })
    .max(MAX_NOTE_LENGTH, { error: `note must be ${MAX_NOTE_LENGTH} characters or fewer` }),
  scopes: z
    .array(z.string(), { error: `scopes must be a list of scope names (${SCOPES.join(", ")})` })
    .max(SCOPES.length * 2, { error: "too many scopes" })
    .optional(),
  expires_at: z
    .string({ error: "expires_at must be an ISO 8601 date or time, or null" })
    .transform((text, ctx) => {
      const at = parseExpiry(text);
      if (at === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `expires_at must be an ISO 8601 date (2027-01-31) or time with its zone (2027-01-31T12:00:00Z), got '${text}'`,
        });
        return z.NEVER;
      }
      return at;
    })
    .nullable()
    .optional(),
});

/** A user as the API answers it (GitHub's user object, with GHES's suspended_at). */
export const userSchema = z.object({
  login: z.string(),
  id: z.number(),
  node_id: z.string(),
  avatar_url: z.string(),
  gravatar_id: z.string(),
  url: z.string(),
  html_url: z.string(),
  type: z.literal("User"),
  site_admin: z.boolean(),
  name: z.string().nullable(),
  /** Shown to site admins and to the user themself; null to others. */
  email: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  suspended_at: z.string().nullable(),
});
export type UserJson = z.infer<typeof userSchema>;

/** A personal access token as the API answers it (GitHub's authorization object); `token` only once. */
export const tokenSchema = z.object({
  id: z.number(),
  url: z.string(),
  note: z.string(),
  note_url: z.null(),
  scopes: z.array(z.string()),
  /** The token itself: in the answer that made it, never again. */
  token: z.string().optional(),
  token_last_eight: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string().nullable(),
  user: userSchema,
});
export type TokenJson = z.infer<typeof tokenSchema>;
