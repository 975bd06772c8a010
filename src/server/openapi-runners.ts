// The OpenAPI paths of the self-hosted runners API as people use it (routes/runners.ts): a
// repository's runners (its admins) and every runner of the server (site admins).
import { z } from "zod";
import { registrationTokenSchema, runnerListSchema, runnerSchema } from "./runner-schemas.js";
import { errorSchema } from "./schemas.js";

function json(schema: z.ZodType) {
  return { "application/json": { schema: z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) } };
}

const error = (description: string) => ({ description, content: json(errorSchema) });
const param = (name: string, type: "string" | "integer" = "string") => ({
  name,
  in: "path",
  required: true,
  schema: { type },
});
const listParams = [
  {
    name: "name",
    in: "query",
    required: false,
    description: "Only the runner of this name",
    schema: { type: "string" },
  },
  { name: "per_page", in: "query", required: false, schema: { type: "integer", maximum: 100, default: 30 } },
  { name: "page", in: "query", required: false, schema: { type: "integer", default: 1 } },
];

function levelPaths(
  prefix: string,
  params: object[],
  level: { who: string; errors: Record<string, unknown>; what: string },
): Record<string, unknown> {
  const one = [...params, param("runner_id", "integer")];
  return {
    [`${prefix}/registration-token`]: {
      post: {
        summary: `Create a registration token for ${level.what} (${level.who}): \`gantry runner --server URL --token TOKEN\` registers a runner machine with it. It expires after one hour and registers any number of runners until then; the server keeps only its hash`,
        parameters: params,
        responses: {
          "201": { description: "The token, shown this once", content: json(registrationTokenSchema) },
          ...level.errors,
        },
      },
    },
    [prefix]: {
      get: {
        summary: `List ${level.what} (${level.who}): each one's status, whether it is busy, its labels and the jobs it runs now; paged with a Link header`,
        parameters: [...params, ...listParams],
        responses: {
          "200": { description: "The runners", content: json(runnerListSchema) },
          ...level.errors,
        },
      },
    },
    [`${prefix}/{runner_id}`]: {
      get: {
        summary: `Get one of ${level.what}`,
        parameters: one,
        responses: { "200": { description: "The runner", content: json(runnerSchema) }, ...level.errors },
      },
      delete: {
        summary: `Remove one of ${level.what}: its credential stops working at once; a job it was running is handled as a lost runner's when its lease expires (failed, or queued again per retries.lost_runner)`,
        parameters: one,
        responses: { "204": { description: "Removed" }, ...level.errors },
      },
    },
  };
}

export function runnerPaths(): Record<string, unknown> {
  const common = {
    "401": error("Bad credentials"),
    "429": error("Too many failed authentications from this address; Retry-After says when to try again"),
  };
  return {
    ...levelPaths("/repos/{owner}/{repo}/actions/runners", [param("owner"), param("repo")], {
      who: "repository admins",
      what: "a repository's runner machines",
      errors: {
        ...common,
        "403": error("Must have admin rights to the repository; a job's GITHUB_TOKEN never may"),
        "404": error("No such repository (or one the caller may not read), or no such runner of it"),
        "422": error(
          "Validation failed (a page or per_page that is not a positive integer, per_page over 100)",
        ),
      },
    }),
    ...levelPaths("/actions/runners", [], {
      who: "site admins",
      what: "every runner of the server: the built-in pool (id 0, `built_in: true`, unless runners.slots is 0), the server-wide runner machines and every repository's",
      errors: {
        ...common,
        "403": error("Must be a site admin with a token that has the site_admin scope"),
        "404": error("No such runner"),
        "422": error(
          "Validation failed; or removing the built-in pool (id 0), which the config turns off (runners.slots: 0)",
        ),
      },
    }),
  };
}
