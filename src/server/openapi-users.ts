// The OpenAPI paths of users and personal access tokens (routes/users.ts, routes/tokens.ts).
import { z } from "zod";
import { errorSchema } from "./schemas.js";
import {
  createTokenBody,
  createUserBody,
  patchUserBody,
  suspendBody,
  tokenSchema,
  userSchema,
} from "./user-schemas.js";

function json(schema: z.ZodType, io: "input" | "output" = "output") {
  return { "application/json": { schema: z.toJSONSchema(schema, { io, unrepresentable: "any" }) } };
}

const error = (description: string) => ({ description, content: json(errorSchema) });
const errors = {
  "401": error("Bad credentials"),
  "403": error(
    "Not allowed: a site admin's route without a site admin's token (site_admin scope), a scope the token lacks, or a job's token (Resource not accessible by integration)",
  ),
  "404": error("No such user (or token)"),
  "422": error("Validation failed: `errors` names each problem"),
  "429": error("Too many failed authentications from this address; Retry-After says when to try again"),
};
const bodyErrors = {
  "400": error("The body is not JSON"),
  "413": error("The body is over the API's limit"),
};
const login = { name: "login", in: "path", required: true, schema: { type: "string" } };
const tokenId = { name: "token_id", in: "path", required: true, schema: { type: "integer" } };
const user = { description: "The user", content: json(userSchema) };
const noContent = { description: "Done" };

export function userPaths(): Record<string, unknown> {
  return {
    "/admin/users": {
      post: {
        summary:
          "Create a user (site admin; GitHub Enterprise Server's route). Logins as GitHub's: letters, digits and single hyphens, at most 39; unique without regard to case (422 already_exists)",
        requestBody: { required: true, content: json(createUserBody, "input") },
        responses: { "201": user, ...errors, ...bodyErrors },
      },
    },
    "/admin/users/{login}": {
      delete: {
        summary:
          "Delete a user with their tokens and repository roles (site admin). The bootstrap user admin and the last site admin who is not suspended cannot be deleted (422)",
        parameters: [login],
        responses: { "204": noContent, ...errors },
      },
    },
    "/users": {
      get: {
        summary:
          "List users in the order they were made; paged by since (the last id seen) with a Link header to the next page, as GitHub's",
        parameters: [
          { name: "since", in: "query", description: "Users after this id", schema: { type: "integer" } },
          {
            name: "per_page",
            in: "query",
            description: "Users per page: 30 when not given; above 100 served as 100, as GitHub",
            schema: { type: "integer" },
          },
        ],
        responses: { "200": { description: "Users", content: json(z.array(userSchema)) }, ...errors },
      },
    },
    "/users/{login}": {
      get: {
        summary: "Get a user (the email only for site admins and the user themself)",
        parameters: [login],
        responses: { "200": user, ...errors },
      },
      patch: {
        summary:
          "Suspend or unsuspend, promote or demote, or change the email of a user in one call (site admin; gantry's own). The bootstrap user admin cannot be suspended or demoted, nor the last site admin (422)",
        parameters: [login],
        requestBody: { required: true, content: json(patchUserBody, "input") },
        responses: { "200": user, ...errors, ...bodyErrors },
      },
    },
    "/users/{login}/suspended": {
      put: {
        summary: "Suspend a user: their tokens are refused at once (site admin; GHES's route)",
        parameters: [login],
        requestBody: { required: false, content: json(suspendBody, "input") },
        responses: { "204": noContent, ...errors, ...bodyErrors },
      },
      delete: {
        summary: "Unsuspend a user (site admin; GHES's route)",
        parameters: [login],
        responses: { "204": noContent, ...errors },
      },
    },
    "/users/{login}/site_admin": {
      put: {
        summary: "Promote a user to site admin (site admin; GHES's route)",
        parameters: [login],
        responses: { "204": noContent, ...errors },
      },
      delete: {
        summary: "Demote a site admin to an ordinary user (site admin; GHES's route)",
        parameters: [login],
        responses: { "204": noContent, ...errors },
      },
    },
    "/user": {
      get: {
        summary:
          "The authenticated user, with the token's scopes in X-OAuth-Scopes; a job's token gets 403 (Resource not accessible by integration), as GitHub answers an app's token",
        responses: { "200": user, ...errors },
      },
    },
    "/user/tokens": {
      get: {
        summary:
          "List the caller's personal access tokens not revoked (needs the user scope; never their values)",
        responses: { "200": { description: "Tokens", content: json(z.array(tokenSchema)) }, ...errors },
      },
      post: {
        summary:
          "Make a personal access token for oneself (needs the user scope; never with a scope the calling token lacks). The answer's token is shown this once",
        requestBody: { required: true, content: json(createTokenBody, "input") },
        responses: {
          "201": { description: "The token, with its value", content: json(tokenSchema) },
          ...errors,
          ...bodyErrors,
        },
      },
    },
    "/user/tokens/{token_id}": {
      delete: {
        summary: "Revoke one of the caller's tokens: refused from now on (needs the user scope)",
        parameters: [tokenId],
        responses: { "204": noContent, ...errors },
      },
    },
    "/admin/users/{login}/authorizations": {
      get: {
        summary: "List a user's personal access tokens not revoked (site admin; never their values)",
        parameters: [login],
        responses: { "200": { description: "Tokens", content: json(z.array(tokenSchema)) }, ...errors },
      },
      post: {
        summary:
          "Make a personal access token for a user (site admin; GHES's route). scopes: repo, user, site_admin (site admins only), default repo and user; expires_at must be in the future. The answer's token is shown this once",
        parameters: [login],
        requestBody: { required: true, content: json(createTokenBody, "input") },
        responses: {
          "201": { description: "The token, with its value", content: json(tokenSchema) },
          ...errors,
          ...bodyErrors,
        },
      },
    },
    "/admin/users/{login}/authorizations/{token_id}": {
      delete: {
        summary: "Revoke a user's token: refused from now on (site admin)",
        parameters: [login, tokenId],
        responses: { "204": noContent, ...errors },
      },
    },
  };
}
