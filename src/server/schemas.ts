import { z } from "zod";
import { repoBody, repoPatchBody } from "./config.js";
import { githubPageFields } from "./paging.js";
import { refSchema } from "./validate.js";

/** Request bodies and query strings, validated at the boundary. */
export { repoBody, repoPatchBody };

export const dispatchBody = z.object({
  /** A branch or tag name (or full ref), as git check-ref-format takes it: `main~0` is not one. */
  ref: refSchema,
  inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** GitHub's option: answer 200 with the new run's id instead of 204. */
  return_run_details: z.boolean().default(false),
});

/** POST /repos/{owner}/{repo}/dispatches: a repository_dispatch, with GitHub's limits. */
export const repositoryDispatchBody = z.object({
  event_type: z
    .string({ error: "event_type is required: a string naming the event (the workflows' `types`)" })
    .min(1, { error: "event_type must not be empty" })
    .max(100, { error: "event_type must be 100 characters or fewer" }),
  client_payload: z
    .record(z.string(), z.json(), { error: "client_payload must be a JSON object" })
    .refine((payload) => Object.keys(payload).length <= 10, {
      error: "client_payload can have at most 10 top-level properties",
    })
    .optional(),
});

export const runsQuery = z.object({
  branch: refSchema.optional(),
  event: z.string().optional(),
  status: z
    .enum([
      "queued",
      "pending",
      "in_progress",
      "completed",
      "success",
      "failure",
      "cancelled",
      "skipped",
      "action_required",
      "neutral",
      "stale",
      "timed_out",
      "requested",
      "waiting",
      "pending",
    ])
    .optional(),
  head_sha: z.string().optional(),
  /** The workflow's file name (ci.yml) or path (.github/workflows/ci.yml), as GitHub's workflow_id. */
  workflow: z.string().optional(),
  actor: z.string().optional(),
  /** gantry's own: runs whose title, commit (sha prefix) or actor holds this text, any case. */
  q: z.string().max(200, "q must be at most 200 characters").optional(),
  ...githubPageFields,
});

const owner = z.object({ login: z.string() });

export const repoSchema = z.object({
  id: z.number(),
  owner: z.string(),
  name: z.string(),
  full_name: z.string(),
  url: z.string(),
  default_branch: z.string(),
  poll_interval_seconds: z.number(),
  required_checks: z.array(z.string()),
  created_at: z.string(),
  /** Which runs of a fork's pull request wait for an admin's approval. */
  fork_approval: z.enum(["none", "first_time_contributors", "all"]),
  /** GitHub's: what the caller may do on the repository (its role's flags). */
  permissions: z
    .object({
      admin: z.boolean(),
      maintain: z.boolean(),
      push: z.boolean(),
      triage: z.boolean(),
      pull: z.boolean(),
    })
    .optional(),
});

const minimalRepository = z.object({ id: z.number(), name: z.string(), full_name: z.string(), owner });

/** A workflow run in GitHub's shape, plus gantry's `problems` (why it failed before any job ran). */
export const runSchema = z.object({
  id: z.number(),
  name: z.string(),
  node_id: z.string(),
  head_branch: z.string(),
  head_sha: z.string(),
  path: z.string(),
  display_title: z.string(),
  run_number: z.number(),
  run_attempt: z.number(),
  event: z.string(),
  status: z.enum(["queued", "pending", "waiting", "in_progress", "completed"]),
  /** action_required: a fork's pull request run waiting for an admin's approval (POST …/approve). */
  conclusion: z.enum(["success", "failure", "cancelled", "skipped", "action_required"]).nullable(),
  workflow_id: z.string(),
  url: z.string(),
  html_url: z.string(),
  jobs_url: z.string(),
  logs_url: z.string(),
  previous_attempt_url: z.string().nullable(),
  cancel_url: z.string(),
  rerun_url: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  run_started_at: z.string().nullable(),
  actor: owner,
  triggering_actor: owner,
  repository: minimalRepository,
  problems: z.array(z.string()),
});

export const stepSchema = z.object({
  name: z.string(),
  status: z.enum(["queued", "pending", "waiting", "in_progress", "completed"]),
  conclusion: z.enum(["success", "failure", "cancelled", "skipped"]).nullable(),
  number: z.number(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});

/** A job in GitHub's shape, plus gantry's `outputs`, `matrix`, `failure_reason` and `job_key`. */
export const jobSchema = z.object({
  id: z.number(),
  run_id: z.number(),
  run_attempt: z.number(),
  node_id: z.string(),
  head_sha: z.string(),
  head_branch: z.string(),
  url: z.string(),
  html_url: z.string(),
  run_url: z.string(),
  status: z.enum(["queued", "pending", "waiting", "in_progress", "completed"]),
  conclusion: z.enum(["success", "failure", "cancelled", "skipped"]).nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  name: z.string(),
  workflow_name: z.string(),
  steps: z.array(stepSchema),
  labels: z.array(z.string()),
  runner_id: z
    .number()
    .nullable()
    .describe(
      "The runner machine that ran it; 0 for the server's built-in pool; null until a runner took it",
    ),
  runner_name: z.string().nullable(),
  check_run_url: z.string(),
  outputs: z.record(z.string(), z.string()),
  matrix: z.record(z.string(), z.unknown()).nullable(),
  failure_reason: z.string().nullable(),
  /** gantry's own: the job's place in the workflow (`build`, a matrix leg `build/0`, a called job `call/test`). */
  job_key: z.string(),
});

export const runListSchema = z.object({ total_count: z.number(), workflow_runs: z.array(runSchema) });
export const jobListSchema = z.object({ total_count: z.number(), jobs: z.array(jobSchema) });

export const combinedStatusSchema = z.object({
  state: z.enum(["success", "failure", "pending"]),
  sha: z.string(),
  total_count: z.number(),
  statuses: z.array(
    z.object({
      id: z.number(),
      context: z.string(),
      state: z.enum(["success", "failure", "pending", "error"]),
      description: z.string(),
      /** gantry's: whether it counts toward `state` (a required check, or any run when none is). */
      required: z.boolean(),
      target_url: z.string(),
      /** null for a required check that has not run yet. */
      created_at: z.string().nullable(),
      updated_at: z.string().nullable(),
    }),
  ),
  repository: minimalRepository,
  commit_url: z.string(),
});

export const errorSchema = z.object({
  message: z.string(),
  errors: z.array(z.string()).optional(),
});

export type RunJson = z.infer<typeof runSchema>;
export type JobJson = z.infer<typeof jobSchema>;
export type CombinedStatusJson = z.infer<typeof combinedStatusSchema>;
