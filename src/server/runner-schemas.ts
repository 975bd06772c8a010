// The shapes of the self-hosted runners API (routes/runners.ts), as zod schemas: the OpenAPI
// document is generated from them and runner-shapes.ts builds values of their types.
import { z } from "zod";

export const runnerLabelSchema = z.object({
  id: z.number().describe("The label's place among the runner's labels, from 1"),
  name: z.string(),
  type: z
    .enum(["read-only", "custom"])
    .describe(
      "read-only: GitHub's default labels (self-hosted, the OS, the architecture; every label of the built-in pool, which the config sets); custom: the others",
    ),
});

export const runnerJobSchema = z.object({
  id: z.number(),
  run_id: z.number(),
  name: z.string(),
  repository: z.string().describe("The job's repository, owner/name"),
  url: z.string(),
  html_url: z.string().describe("The job's page in the web UI"),
});

/** GitHub's self-hosted runner object, with gantry's own fields after GitHub's. */
export const runnerSchema = z.object({
  id: z
    .number()
    .describe("A runner machine's id (from 1); 0 is the server's built-in pool (`built_in: true`)"),
  name: z.string(),
  os: z.string().describe("Linux, macOS or Windows, as RUNNER_OS"),
  status: z
    .enum(["online", "offline"])
    .describe(
      "online while the runner machine was seen (a claim or a heartbeat) within the last 60 seconds; the built-in pool is online while the server answers",
    ),
  busy: z.boolean().describe("It runs a job now"),
  ephemeral: z.boolean().describe("It takes one job, then is removed"),
  labels: z.array(runnerLabelSchema),
  built_in: z
    .boolean()
    .describe("gantry's: the server's own pool of slots (id 0) rather than a runner machine"),
  repository: z
    .string()
    .nullable()
    .describe("gantry's: the repository (owner/name) whose jobs it runs; null for a server-wide runner"),
  arch: z.string().describe("X64, ARM64 …, as RUNNER_ARCH"),
  slots: z.number().describe("Jobs it runs at once"),
  version: z.string().nullable().describe("The gantry version it runs; null for the built-in pool"),
  draining: z.boolean().describe("It was told to stop: it finishes its jobs and takes no new one"),
  last_seen_at: z.string().nullable().describe("Its last claim or heartbeat; null for the built-in pool"),
  jobs: z
    .array(runnerJobSchema)
    .describe("The jobs it runs now (on a repository's list, only that repository's jobs)"),
});

export const runnerListSchema = z.object({ total_count: z.number(), runners: z.array(runnerSchema) });

export const registrationTokenSchema = z.object({
  token: z
    .string()
    .describe("gantry_reg_…: `gantry runner --token` registers with it; shown once, kept hashed"),
  expires_at: z
    .string()
    .describe("One hour after it was made; until then it registers any number of runners"),
});

export type RunnerLabelJson = z.infer<typeof runnerLabelSchema>;
export type RunnerJobJson = z.infer<typeof runnerJobSchema>;
export type RunnerJson = z.infer<typeof runnerSchema>;
