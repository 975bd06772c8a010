// The OpenAPI paths of deployment environments (routes/environments.ts): GitHub's environments
// and deployment branch policies.
import { z } from "zod";
import { branchPolicyBody, branchPolicyUpdateBody, environmentBody } from "../delivery/index.js";
import { errorSchema } from "./schemas.js";

function json(schema: z.ZodType, io: "input" | "output" = "output") {
  return { "application/json": { schema: z.toJSONSchema(schema, { io, unrepresentable: "any" }) } };
}

const error = (description: string) => ({ description, content: json(errorSchema) });
const errors = {
  "401": error("Bad credentials"),
  "403": error("Must have admin rights to the repository to change its environments"),
  "404": error("No such repository (or one the caller may not read), environment or policy"),
  "422": error(
    "Validation failed: `errors` names the rule broken (wait_timer 0–43200, at most 6 reviewers, a reviewer who is no user or cannot read the repository, exactly one of protected_branches and custom_branch_policies, a malformed pattern, custom policies on an environment without custom_branch_policies)",
  ),
};
const param = (name: string) => ({ name, in: "path", required: true, schema: { type: "string" } });
const page = [
  { name: "per_page", in: "query", required: false, schema: { type: "integer", maximum: 100 } },
  { name: "page", in: "query", required: false, schema: { type: "integer" } },
];

const rule = z.object({
  id: z.number(),
  node_id: z.string(),
  type: z.enum(["wait_timer", "required_reviewers", "branch_policy"]),
  wait_timer: z.number().optional(),
  prevent_self_review: z.boolean().optional(),
  reviewers: z
    .array(z.object({ type: z.literal("User"), reviewer: z.object({ id: z.number(), login: z.string() }) }))
    .optional(),
});
const environmentSchema = z.object({
  id: z.number(),
  node_id: z.string(),
  name: z.string(),
  url: z.string(),
  html_url: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  can_admins_bypass: z.boolean(),
  protection_rules: z.array(rule),
  deployment_branch_policy: z
    .object({ protected_branches: z.boolean(), custom_branch_policies: z.boolean() })
    .nullable(),
});
const policySchema = z.object({
  id: z.number(),
  node_id: z.string(),
  name: z.string(),
  type: z.enum(["branch", "tag"]),
});

export function environmentPaths(): Record<string, unknown> {
  const repo = [param("owner"), param("repo")];
  const env = [...repo, param("environment_name")];
  const policy = [...env, param("branch_policy_id")];
  const base = "/repos/{owner}/{repo}/environments";
  return {
    [base]: {
      get: {
        summary: "List a repository's environments (readers of the repository), with their protection rules",
        parameters: [...repo, ...page],
        responses: {
          "200": {
            description: "{total_count, environments}",
            content: json(z.object({ total_count: z.number(), environments: z.array(environmentSchema) })),
          },
          ...errors,
        },
      },
    },
    [`${base}/{environment_name}/evidence`]: {
      get: {
        summary:
          "Change evidence (SOC 2 CC8.1, readers of the repository; each export is audited as environment.export_evidence): every deployment to the environment created in [since, until), oldest first, with its commit, the pull request that brought it, the runs of its commit and their conclusions, who triggered it, who approved it (comment and time), and flags where an approver is the commit's author or the triggering actor, or nobody approved",
        parameters: [
          ...env,
          { name: "since", in: "query", required: false, schema: { type: "string", format: "date-time" } },
          { name: "until", in: "query", required: false, schema: { type: "string", format: "date-time" } },
          { name: "format", in: "query", required: false, schema: { type: "string", enum: ["json", "csv"] } },
        ],
        responses: {
          "200": {
            description:
              "{repository, environment, since, until, total_count, deployments: [{deployment_id, deployed_at, state, environment_url, sha, ref, commit, pull_request, triggered_by, deploy_run, ci_runs, approvals, flags}]}, or CSV (one row per deployment) with format=csv",
            content: {
              "application/json": { schema: { type: "object" } },
              "text/csv": { schema: { type: "string" } },
            },
          },
          ...errors,
        },
      },
    },
    [`${base}/{environment_name}/metrics`]: {
      get: {
        summary:
          "Delivery metrics (DORA's four keys, readers of the repository) of the deployments to the environment that finished in [since, until), the last 30 days unless said (at most 366): successful deployments a day and a week; lead time from each change's commit to the success of the deployment that brought it (the commits since the environment's previous success); failed deployments (failure or error) over finished ones; time from the failure that broke the environment to the next success",
        parameters: [
          ...env,
          { name: "since", in: "query", required: false, schema: { type: "string", format: "date-time" } },
          { name: "until", in: "query", required: false, schema: { type: "string", format: "date-time" } },
        ],
        responses: {
          "200": {
            description:
              "{repository, environment, since, until, days, deployments: {succeeded, failed}, deployment_frequency: {per_day, per_week}, lead_time_for_changes: {changes, median_seconds, p90_seconds}, change_failure_rate, time_to_restore: {restored, median_seconds, unrestored_since}} (null where there is nothing to measure)",
            content: { "application/json": { schema: { type: "object" } } },
          },
          ...errors,
        },
      },
    },
    [`${base}/{environment_name}`]: {
      get: {
        summary: "An environment (names match without regard to case)",
        parameters: env,
        responses: { "200": { description: "The environment", content: json(environmentSchema) }, ...errors },
      },
      put: {
        summary:
          "Create or update an environment (repository admins): wait_timer, prevent_self_review, reviewers, can_admins_bypass, deployment_branch_policy; a field left out keeps its value",
        parameters: env,
        requestBody: { required: false, content: json(environmentBody, "input") },
        responses: { "200": { description: "The environment", content: json(environmentSchema) }, ...errors },
      },
      delete: {
        summary: "Delete an environment with its branch policies, secrets and variables (repository admins)",
        parameters: env,
        responses: { "204": { description: "Deleted" }, ...errors },
      },
    },
    [`${base}/{environment_name}/deployment-branch-policies`]: {
      get: {
        summary: "List an environment's deployment branch and tag policies",
        parameters: [...env, ...page],
        responses: {
          "200": {
            description: "{total_count, branch_policies}",
            content: json(z.object({ total_count: z.number(), branch_policies: z.array(policySchema) })),
          },
          ...errors,
        },
      },
      post: {
        summary:
          "Add a branch or tag pattern (Ruby fnmatch: `*` does not match `/`); the environment's deployment_branch_policy must have custom_branch_policies",
        parameters: env,
        requestBody: { required: true, content: json(branchPolicyBody, "input") },
        responses: {
          "200": { description: "The policy", content: json(policySchema) },
          "409": error("The environment has that pattern of that type already"),
          ...errors,
        },
      },
    },
    [`${base}/{environment_name}/deployment-branch-policies/{branch_policy_id}`]: {
      get: {
        summary: "A deployment branch or tag policy",
        parameters: policy,
        responses: { "200": { description: "The policy", content: json(policySchema) }, ...errors },
      },
      put: {
        summary: "Change a policy's pattern (its type stays)",
        parameters: policy,
        requestBody: { required: true, content: json(branchPolicyUpdateBody, "input") },
        responses: { "200": { description: "The policy", content: json(policySchema) }, ...errors },
      },
      delete: {
        summary: "Delete a policy",
        parameters: policy,
        responses: { "204": { description: "Deleted" }, ...errors },
      },
    },
  };
}
