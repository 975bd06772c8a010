// The OpenAPI paths of Actions secrets and variables (routes/secrets.ts), at each level: a
// repository's, an environment's and the server-wide ones.
import { z } from "zod";
import { errorSchema } from "./schemas.js";
import {
  createVariableBody,
  patchVariableBody,
  publicKeySchema,
  putSecretBody,
  secretListSchema,
  secretSchema,
  variableListSchema,
  variableSchema,
} from "./secret-schemas.js";

function json(schema: z.ZodType, io: "input" | "output" = "output") {
  return { "application/json": { schema: z.toJSONSchema(schema, { io, unrepresentable: "any" }) } };
}

const error = (description: string) => ({ description, content: json(errorSchema) });
const errors = {
  "401": error("Bad credentials"),
  "403": error(
    "Must have admin rights to the repository (server-wide: a site admin with the site_admin scope); a job's token never may",
  ),
  "404": error("No such repository (or one the caller may not read), secret or variable"),
  "422": error(
    "Validation failed: `errors` names the rule broken (a name's characters, a number first, the GITHUB_ prefix, 48 KB, a wrong key_id, a value not sealed for the public key)",
  ),
  "429": error("Too many failed authentications from this address; Retry-After says when to try again"),
};
const bodyErrors = {
  "400": error("The body is not JSON"),
  "413": error("The body is over the API's limit"),
};
const param = (name: string) => ({ name, in: "path", required: true, schema: { type: "string" } });
const page = [
  { name: "per_page", in: "query", required: false, schema: { type: "integer", maximum: 100 } },
  { name: "page", in: "query", required: false, schema: { type: "integer" } },
];
const done = { description: "Done" };

function levelPaths(prefix: string, params: object[], where: string): Record<string, unknown> {
  const name = [...params, param("secret_name")];
  const variable = [...params, param("name")];
  return {
    [`${prefix}/secrets/public-key`]: {
      get: {
        summary: `The public key (X25519, base64) to seal ${where} secrets with (libsodium crypto_box_seal), and its key_id`,
        parameters: params,
        responses: { "200": { description: "The key", content: json(publicKeySchema) }, ...errors },
      },
    },
    [`${prefix}/secrets`]: {
      get: {
        summary: `List ${where} secrets: names and dates, never values`,
        parameters: [...params, ...page],
        responses: { "200": { description: "The secrets", content: json(secretListSchema) }, ...errors },
      },
    },
    [`${prefix}/secrets/{secret_name}`]: {
      get: {
        summary: `One of ${where} secrets: its name and dates`,
        parameters: name,
        responses: { "200": { description: "The secret", content: json(secretSchema) }, ...errors },
      },
      put: {
        summary: `Create or update one of ${where} secrets: encrypted_value is the value sealed (libsodium sealed box, base64) with the public key of key_id; at most 48 KB; names are letters, digits and _, not starting with a digit or GITHUB_, case-insensitive (kept upper case). Kept encrypted under the server's master key`,
        parameters: name,
        requestBody: { required: true, content: json(putSecretBody, "input") },
        responses: {
          "201": { description: "Created" },
          "204": { description: "Updated" },
          ...errors,
          ...bodyErrors,
        },
      },
      delete: {
        summary: `Delete one of ${where} secrets`,
        parameters: name,
        responses: { "204": done, ...errors },
      },
    },
    [`${prefix}/variables`]: {
      get: {
        summary: `List ${where} configuration variables, with their values`,
        parameters: [...params, ...page],
        responses: { "200": { description: "The variables", content: json(variableListSchema) }, ...errors },
      },
      post: {
        summary: `Create one of ${where} variables (names as secrets'; values at most 48 KB); 409 when one has that name`,
        parameters: params,
        requestBody: { required: true, content: json(createVariableBody, "input") },
        responses: {
          "201": { description: "Created" },
          "409": error("A variable of that name exists"),
          ...errors,
          ...bodyErrors,
        },
      },
    },
    [`${prefix}/variables/{name}`]: {
      get: {
        summary: `One of ${where} variables`,
        parameters: variable,
        responses: { "200": { description: "The variable", content: json(variableSchema) }, ...errors },
      },
      patch: {
        summary: `Change one of ${where} variables: its value and/or its name`,
        parameters: variable,
        requestBody: { required: true, content: json(patchVariableBody, "input") },
        responses: {
          "204": done,
          "409": error("A variable of the new name exists"),
          ...errors,
          ...bodyErrors,
        },
      },
      delete: {
        summary: `Delete one of ${where} variables`,
        parameters: variable,
        responses: { "204": done, ...errors },
      },
    },
  };
}

export function secretPaths(): Record<string, unknown> {
  const repo = [param("owner"), param("repo")];
  return {
    ...levelPaths("/repos/{owner}/{repo}/actions", repo, "the repository's"),
    ...levelPaths(
      "/repos/{owner}/{repo}/environments/{environment_name}",
      [...repo, param("environment_name")],
      "an environment's (names match without regard to case)",
    ),
    ...levelPaths(
      "/admin/actions",
      [],
      "the server-wide (every repository's runs get them; site admins; GitHub's organization shape with visibility all)",
    ),
  };
}
