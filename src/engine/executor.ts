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
  /** The environment the job entered (its evaluated name), if any. */
  environment?: string;
  cancellation: Cancellation;
  bus: EventBus;
}

export interface JobOutcome {
  /** skipped: only for a leg the executor declined (see JobExecutor.declines). */
  result: Result;
  outputs: Record<string, string>;
  steps: StepReport[];
  /** The name of the step that failed the job, when one did. */
  failedStep?: string;
}

/** What a job about to run is: the workflow and job it belongs to, and the jobs that called them. */
export interface CredentialsRequest {
  runId: string;
  jobKey: string;
  /** The environment the job entered (its evaluated name), if any: its credentials come after its gate. */
  environment?: string;
  workflow: WorkflowDef;
  job: JobDef;
  /**
   * The calling jobs (`jobs.<id>.uses`) from the top-level workflow's down to this job's workflow,
   * each with its workflow; empty for a job of the top-level workflow.
   */
  callers: { workflow: WorkflowDef; job: JobDef }[];
}

/** A job's own GITHUB_TOKEN: issued before the job's env is evaluated, given up once it has ended. */
export interface JobCredentials {
  /** github.token and secrets.GITHUB_TOKEN for this job (masked in its log as every secret is). */
  token: string;
  /** github context keys that go with the token (api_url, server_url, graphql_url). */
  github?: Record<string, string>;
  /** Called once when the job has ended, however it ended (success, failure, cancel, timeout). */
  release(): Promise<void>;
}

/** The port the engine drives; the runner implements it. */
export interface JobExecutor {
  runJob(request: JobRequest): Promise<JobOutcome>;
  /**
   * The job's own credentials (gantry serve: a GITHUB_TOKEN for its repository), or undefined to
   * keep the run's github.token and secrets.GITHUB_TOKEN. A throw fails the job with its message.
   */
  credentials?(request: CredentialsRequest): Promise<JobCredentials | undefined>;
  /**
   * Why this executor will not run a leg at all (gantry run: a runs-on this machine cannot
   * satisfy), else undefined. A declined leg is skipped with that notice, as if its `if` were
   * false; one whose runs-on cannot be evaluated throws, and fails.
   */
  declines?(job: JobDef, contexts: Contexts): string | undefined;
}
