import { z } from "zod";
import { githubPageFields } from "./paging.js";
import { idQuery, refProblem } from "./validate.js";

/** Pull request bodies, queries and answers, validated at the boundary (GitHub's shapes). */

/** A branch name (GitHub also takes `owner:branch`), as git check-ref-format takes it (validate.ts). */
const branchName = z
  .string()
  .trim()
  .min(1, "a branch name cannot be empty")
  .superRefine((s, ctx) => {
    const problem = refProblem(s.replace(/^[\w.-]+:/, ""));
    if (problem) ctx.addIssue({ code: "custom", message: `not a valid branch name: ${problem}` });
  });

export const createPullBody = z.object({
  /** The branch to merge (GitHub also takes `owner:branch`). */
  head: branchName,
  /** The branch to merge into. */
  base: branchName,
  title: z.string().max(256).optional(),
  body: z.string().max(65536).optional(),
});

export const updatePullBody = z
  .object({
    state: z.enum(["open", "closed"]).optional(),
    title: z.string().min(1).max(256).optional(),
    body: z.string().max(65536).optional(),
  })
  .refine((b) => b.state !== undefined || b.title !== undefined || b.body !== undefined, {
    message: "give state, title or body",
  });

export const pullsQuery = z.object({
  state: z.enum(["open", "closed", "all"]).default("open"),
  /** `branch` or `owner:branch`. */
  head: z.string().optional(),
  base: z.string().optional(),
  ...githubPageFields,
});

const repository = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string(), name: z.string() }),
  default_branch: z.string(),
  clone_url: z.string(),
});

const branch = z.object({
  label: z.string(),
  ref: z.string(),
  sha: z.string(),
  user: z.object({ login: z.string() }),
  repo: repository,
});

export const checksStateSchema = z.enum(["success", "failure", "pending"]);

/** The pull request of a webhook payload (github.event.pull_request): no URLs. */
export const pullRequestObjectSchema = z.object({
  id: z.number(),
  node_id: z.string(),
  number: z.number(),
  state: z.enum(["open", "closed"]),
  locked: z.boolean(),
  title: z.string(),
  body: z.string().nullable(),
  user: z.object({ login: z.string() }),
  created_at: z.string(),
  updated_at: z.string(),
  closed_at: z.string().nullable(),
  merged_at: z.null(),
  merged: z.boolean(),
  draft: z.boolean(),
  merge_commit_sha: z.string().nullable(),
  mergeable: z.boolean(),
  head: branch,
  base: branch,
  author_association: z.string(),
});

/** The API's pull request, plus gantry's `checks_state` (the combined status of its commits). */
export const pullRequestSchema = pullRequestObjectSchema.extend({
  url: z.string(),
  html_url: z.string(),
  statuses_url: z.string(),
  mergeable_state: z.enum(["clean", "dirty", "blocked", "unstable", "unknown"]),
  checks_state: checksStateSchema,
});

export type PullRequestObject = z.infer<typeof pullRequestObjectSchema>;
export type PullRequestJson = z.infer<typeof pullRequestSchema>;
export type ChecksState = z.infer<typeof checksStateSchema>;
