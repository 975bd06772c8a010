import type { Contexts, Json } from "../expressions/index.js";
import type { JobDef, WorkflowDef } from "../workflow/index.js";
import type { Cancellation } from "./cancellation.js";
import type { EventBus } from "./events.js";
import type { Result, StepReport } from "./report.js";

/** One job (one matrix leg) handed to whatever runs it: the local runner now, remote runners later. */
export interface JobRequest {
  runId: string;
  /** Unique within the run, e.g. `ci.yml/build/2`. */
  jobKey: string;
  displayName: string;
  workflow: WorkflowDef;
  job: JobDef;
  matrix: Record<string, Json> | null;
  /** github, inputs, vars, secrets, needs, matrix, strategy, env (workflow + job, evaluated). */
  contexts: Contexts;
  /** Environment for every step: workflow `env` then job `env`, evaluated. */
  env: Record<string, string>;
  /** Values to mask in every output: secrets and their lines. */
  secrets: string[];
  cancellation: Cancellation;
  bus: EventBus;
}

export interface JobOutcome {
  result: Exclude<Result, "skipped">;
  outputs: Record<string, string>;
  steps: StepReport[];
  /** The name of the step that failed the job, when one did. */
  failedStep?: string;
}

/** The port the engine drives; the runner implements it. */
export interface JobExecutor {
  runJob(request: JobRequest): Promise<JobOutcome>;
}
