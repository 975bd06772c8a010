// The OpenAPI paths of the reviews of a run's pending deployments (routes/deployment-reviews.ts).
import { z } from "zod";
import { approvalSchema, pendingDeploymentSchema, reviewBody } from "./review-schemas.js";
import { errorSchema } from "./schemas.js";

function json(schema: z.ZodType, io: "input" | "output" = "output") {
  return { "application/json": { schema: z.toJSONSchema(schema, { io, unrepresentable: "any" }) } };
}

const error = (description: string) => ({ description, content: json(errorSchema) });
const param = (name: string) => ({ name, in: "path", required: true, schema: { type: "string" } });
const errors = {
  "401": error("Bad credentials"),
  "404": error("No such repository (or one the caller may not read) or run"),
};

export function reviewPaths(): Record<string, unknown> {
  const run = [param("owner"), param("repo"), param("run_id")];
  const base = "/repos/{owner}/{repo}/actions/runs/{run_id}";
  return {
    [`${base}/pending_deployments`]: {
      get: {
        summary:
          "The environments the run's current attempt waits on (wait timer, required reviewers), with whether the caller may approve",
        parameters: run,
        responses: {
          "200": { description: "Pending deployments", content: json(z.array(pendingDeploymentSchema)) },
          ...errors,
        },
      },
      post: {
        summary:
          "Approve or reject the run's pending deployments to these environments: a required reviewer (not the one who started the run under prevent_self_review), or an admin when the environment lets admins bypass (recorded as a bypass). One approval lets every job of the run attempt that deploys to the environment go on. A person's token only: never a job's GITHUB_TOKEN. GitHub answers with the deployments; gantry with the review as GET …/approvals lists it.",
        parameters: run,
        requestBody: { required: true, content: json(reviewBody, "input") },
        responses: {
          "200": { description: "The review", content: json(z.array(approvalSchema)) },
          ...errors,
          "403": error(
            "The caller may not review: not a required reviewer, their own run under prevent_self_review, or a job's GITHUB_TOKEN",
          ),
          "422": error(
            "The run is not waiting, an environment id it does not wait on, a deployment approved or rejected already, or a malformed body",
          ),
        },
      },
    },
    [`${base}/approvals`]: {
      get: {
        summary: "The run's reviews (every attempt's), with their comments",
        parameters: run,
        responses: { "200": { description: "Reviews", content: json(z.array(approvalSchema)) }, ...errors },
      },
    },
  };
}
