// The OpenAPI paths of deployments and their statuses (routes/deployments.ts), GitHub's.
import { z } from "zod";
import { deploymentBody, deploymentStatusBody, STATUS_STATES } from "../delivery/index.js";
import { errorSchema } from "./schemas.js";

function json(schema: z.ZodType, io: "input" | "output" = "output") {
  return { "application/json": { schema: z.toJSONSchema(schema, { io, unrepresentable: "any" }) } };
}

const error = (description: string) => ({ description, content: json(errorSchema) });
const errors = {
  "401": error("Bad credentials"),
  "403": error(
    "Must have write rights to the repository (a job's token: deployments: write) to create or delete",
  ),
  "404": error("No such repository (or one the caller may not read), deployment or status"),
  "422": error(
    "Validation failed: `errors` names the field (an unknown ref: `No ref found for: REF`; a state, URL or description GitHub refuses; deleting an active deployment)",
  ),
};
const param = (name: string, type = "string") => ({ name, in: "path", required: true, schema: { type } });
const query = (name: string, description: string) => ({
  name,
  in: "query",
  required: false,
  description,
  schema: { type: "string" },
});
const page = [
  { name: "per_page", in: "query", required: false, schema: { type: "integer", maximum: 100 } },
  { name: "page", in: "query", required: false, schema: { type: "integer" } },
];

const user = z.object({ login: z.string(), id: z.number().nullable(), type: z.enum(["User", "Bot"]) });
const deploymentSchema = z.object({
  url: z.string(),
  id: z.number(),
  node_id: z.string(),
  sha: z.string(),
  ref: z.string(),
  task: z.string(),
  payload: z.union([z.record(z.string(), z.unknown()), z.string()]),
  original_environment: z.string(),
  environment: z.string(),
  description: z.string().nullable(),
  creator: user,
  created_at: z.string(),
  updated_at: z.string(),
  statuses_url: z.string(),
  repository_url: z.string(),
  transient_environment: z.boolean(),
  production_environment: z.boolean(),
  performed_via_github_app: z.null(),
});
const statusSchema = z.object({
  url: z.string(),
  id: z.number(),
  node_id: z.string(),
  state: z.enum(STATUS_STATES),
  creator: user,
  description: z.string(),
  environment: z.string(),
  target_url: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  deployment_url: z.string(),
  repository_url: z.string(),
  environment_url: z.string(),
  log_url: z.string(),
  performed_via_github_app: z.null(),
});

export function deploymentPaths(): Record<string, unknown> {
  const repo = [param("owner"), param("repo")];
  const one = [...repo, param("deployment_id", "integer")];
  const base = "/repos/{owner}/{repo}/deployments";
  return {
    [base]: {
      get: {
        summary: "List deployments, newest first (readers of the repository)",
        parameters: [
          ...repo,
          query("sha", "Only deployments of this commit"),
          query("ref", "Only deployments of this ref, as given when created"),
          query("task", "Only deployments of this task"),
          query("environment", "Only deployments to this environment (without regard to case)"),
          ...page,
        ],
        responses: {
          "200": { description: "The deployments", content: json(z.array(deploymentSchema)) },
          ...errors,
        },
      },
      post: {
        summary:
          "Create a deployment (writers; a job's token needs deployments: write), as external deploy tools (Argo CD, Flux notifications) do: ref is a branch, tag or sha; the commit's checks must have succeeded unless required_contexts is [] (or names those that must); environment defaults to production and is created on first use; fires the deployment event (a job's token's starts no workflow, as GitHub's GITHUB_TOKEN). auto_merge is accepted; gantry never merges.",
        parameters: repo,
        requestBody: { required: true, content: json(deploymentBody, "input") },
        responses: {
          "201": { description: "The deployment", content: json(deploymentSchema) },
          "409": error("Conflict: the commit's status checks have not all succeeded (`errors` names them)"),
          "502": error("The server could not fetch the repository"),
          ...errors,
        },
      },
    },
    [`${base}/{deployment_id}`]: {
      get: {
        summary: "A deployment",
        parameters: one,
        responses: { "200": { description: "The deployment", content: json(deploymentSchema) }, ...errors },
      },
      delete: {
        summary:
          "Delete a deployment with its statuses (writers): with more than one deployment in the repository, only an inactive one (latest status not success)",
        parameters: one,
        responses: { "204": { description: "Deleted" }, ...errors },
      },
    },
    [`${base}/{deployment_id}/statuses`]: {
      get: {
        summary: "List a deployment's statuses, newest first",
        parameters: [...one, ...page],
        responses: {
          "200": { description: "The statuses", content: json(z.array(statusSchema)) },
          ...errors,
        },
      },
      post: {
        summary:
          "Create a deployment status (writers; a job's token: deployments: write): a success with auto_inactive (default true) makes the environment's earlier successful, non-transient deployments inactive; fires deployment_status (none for inactive)",
        parameters: one,
        requestBody: { required: true, content: json(deploymentStatusBody, "input") },
        responses: {
          "201": { description: "The status", content: json(statusSchema) },
          ...errors,
        },
      },
    },
    [`${base}/{deployment_id}/statuses/{status_id}`]: {
      get: {
        summary: "A deployment status",
        parameters: [...one, param("status_id", "integer")],
        responses: { "200": { description: "The status", content: json(statusSchema) }, ...errors },
      },
    },
  };
}
