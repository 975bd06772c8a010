// The bodies and answers of the pending deployments' reviews (routes/deployment-reviews.ts), for
// the routes and their OpenAPI paths.
import { z } from "zod";

/** POST …/actions/runs/{run_id}/pending_deployments: GitHub's body. */
export const reviewBody = z.object({
  environment_ids: z
    .array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER), {
      error: "environment_ids must be an array of environment ids",
    })
    .min(1, { error: "environment_ids must name at least one environment" })
    .max(100, { error: "environment_ids can name at most 100 environments" }),
  state: z.enum(["approved", "rejected"], { error: "state must be approved or rejected" }),
  comment: z
    .string({ error: "comment must be a string" })
    .max(65_536, { error: "comment must be at most 65536 characters" }),
});

const environmentLink = z.object({
  id: z.number(),
  node_id: z.string(),
  name: z.string(),
  url: z.string(),
  html_url: z.string(),
});
const reviewer = z.object({
  type: z.literal("User"),
  reviewer: z.object({ id: z.number(), login: z.string().nullable() }),
});

/** One environment a run waits on (GET …/pending_deployments). */
export const pendingDeploymentSchema = z.object({
  environment: environmentLink,
  wait_timer: z.number(),
  wait_timer_started_at: z.string(),
  current_user_can_approve: z.boolean(),
  reviewers: z.array(reviewer),
  wait_timer_ends_at: z.string().describe("gantry's own: when the wait timer ends"),
  approved: z.boolean().describe("gantry's own: a reviewer approved; the wait timer still runs"),
});

/** One review of a run's deployments (GET …/approvals). */
export const approvalSchema = z.object({
  url: z.string(),
  environments: z.array(
    environmentLink.extend({ created_at: z.string().nullable(), updated_at: z.string().nullable() }),
  ),
  state: z.enum(["approved", "rejected"]),
  user: z.object({ id: z.number(), login: z.string() }),
  comment: z.string(),
  run_attempt: z.number().describe("gantry's own: the attempt the review decided"),
  created_at: z.string().describe("gantry's own"),
  bypass: z.boolean().describe("gantry's own: an admin bypassed the environment's protection rules"),
});
