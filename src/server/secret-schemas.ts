import { z } from "zod";

/**
 * The bodies and answers of GitHub's Actions secrets and variables API (routes/secrets.ts): the
 * values' own rules (names, sizes, the sealed box) are the vault's (src/secrets), which names
 * each rule a value breaks.
 */

/** gantry's server-wide secrets and variables reach every repository: GitHub's organization `all`. */
const visibility = z.enum(["all"], {
  error: "gantry's server-wide secrets and variables reach every repository: visibility can only be all",
});

/** PUT …/secrets/{name}: a libsodium sealed box (base64) made with the public key of key_id. */
export const putSecretBody = z.object({
  encrypted_value: z.string({ error: "encrypted_value is required: the value sealed with the public key" }),
  key_id: z.string({ error: "key_id is required: the id of the public key the value was sealed with" }),
  visibility: visibility.optional(),
});

/** POST …/variables. */
export const createVariableBody = z.object({
  name: z.string({ error: "name is required" }),
  value: z.string({ error: "value is required" }),
  visibility: visibility.optional(),
});

/** PATCH …/variables/{name}: a new name and/or value. */
export const patchVariableBody = z
  .object({ name: z.string().optional(), value: z.string().optional(), visibility: visibility.optional() })
  .refine((b) => b.name !== undefined || b.value !== undefined, { message: "give a new name or value" });

export const publicKeySchema = z.object({ key_id: z.string(), key: z.string() });

export const secretSchema = z.object({
  name: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  visibility: z.literal("all").optional(),
});

export const secretListSchema = z.object({ total_count: z.number().int(), secrets: z.array(secretSchema) });

export const variableSchema = z.object({
  name: z.string(),
  value: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  visibility: z.literal("all").optional(),
});

export const variableListSchema = z.object({
  total_count: z.number().int(),
  variables: z.array(variableSchema),
});
