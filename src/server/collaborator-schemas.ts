import { z } from "zod";
import { parseRole, ROLES } from "../identity/index.js";
import { githubPageFields } from "./paging.js";
import { idQuery } from "./validate.js";

const ROLE_NAMES = `${ROLES.join(", ")} (or GitHub's aliases pull, push)`;

/** GitHub's body of PUT …/collaborators/{username}: the role, `push` (write) when not given. */
export const putCollaboratorBody = z.object({
  permission: z
    .string()
    .refine((p) => parseRole(p) !== undefined, { message: `permission must be one of ${ROLE_NAMES}` })
    .default("push")
    .describe(`The role: ${ROLE_NAMES}`),
});

/** GitHub's `permissions` flags of a role. */
export const ROLE_FLAGS = ["pull", "triage", "push", "maintain", "admin"] as const;

export const collaboratorsQuery = z.object({
  affiliation: z.enum(["outside", "direct", "all"]).optional(),
  permission: z.enum(ROLE_FLAGS).optional(),
  ...githubPageFields,
});

/** GitHub's simple user object. */
export const simpleUserSchema = z.object({
  login: z.string(),
  id: z.number(),
  node_id: z.string(),
  avatar_url: z.string(),
  gravatar_id: z.string(),
  url: z.string(),
  html_url: z.string(),
  type: z.literal("User"),
  site_admin: z.boolean(),
});

const flags = z.object({
  pull: z.boolean(),
  triage: z.boolean(),
  push: z.boolean(),
  maintain: z.boolean(),
  admin: z.boolean(),
});

/** GitHub's collaborator: the user, its role's flags and the role. */
export const collaboratorSchema = simpleUserSchema.extend({
  permissions: flags,
  role_name: z.enum(ROLES as [string, ...string[]]),
});

/** GitHub's answer of GET …/collaborators/{username}/permission. */
export const collaboratorPermissionSchema = z.object({
  permission: z.enum(["admin", "write", "read", "none"]),
  role_name: z.string(),
  user: z.union([collaboratorSchema, simpleUserSchema]),
});

/** GitHub's repository invitation (gantry's takes effect at once: the user is a collaborator). */
export const invitationSchema = z.object({
  id: z.number(),
  node_id: z.string(),
  repository: z.object({}).passthrough(),
  invitee: simpleUserSchema,
  inviter: simpleUserSchema.nullable(),
  permissions: z.enum(ROLES as [string, ...string[]]),
  created_at: z.string(),
  expired: z.boolean(),
  url: z.string(),
  html_url: z.string(),
});
