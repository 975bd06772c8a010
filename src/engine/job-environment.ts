import { type Contexts, evaluateToken, type Json, toText } from "../expressions/index.js";
import { child, type JobDef } from "../workflow/index.js";
import type { Cancellation } from "./cancellation.js";
import type { Result, StepReport } from "./report.js";

/** What the engine asks of the host when a job enters its `environment:` (WorkflowRunOptions.enterEnvironment). */
export interface EnvironmentRequest {
  /** The environment's evaluated name. */
  name: string;
  /** The job's id, its key in the run (one per matrix leg) and its display name. */
  jobId: string;
  jobKey: string;
  jobName: string;
  /** False for `deployment: false`: the rules and secrets apply, but no deployment is recorded. */
  deployment: boolean;
  /** The job's own: a cancel while the job waits ends the wait, and the job is cancelled. */
  cancellation: Cancellation;
  /** The host says the job now waits on the environment's protection rules (status `waiting`). */
  waiting(): void;
}

/** How a job that entered its environment ended: `url` is its evaluated `environment.url`, if any. */
export interface EnvironmentOutcome {
  result: Result;
  url?: string;
}

/**
 * What entering an environment gives a job: a refusal (GitHub's message; the job fails at once,
 * without a step and without the environment's secrets), or the environment's secrets and
 * variables, which take the place of the run's own of the same name, and `leave`, called once
 * with the job's outcome however it ends.
 */
export type EnvironmentEntry =
  | { refused: string }
  | {
      refused?: undefined;
      secrets: Record<string, string>;
      vars: Record<string, string>;
      leave?: (outcome: EnvironmentOutcome) => Promise<void>;
    };

/** A job's `environment:` (a name, or a mapping with name, url and deployment): name and deployment, evaluated. */
export function environmentTarget(
  token: NonNullable<JobDef["environment"]>,
  contexts: Contexts,
): { name: string; deployment: boolean } {
  const nameToken = child(token, "name");
  const deploymentToken = child(token, "deployment");
  const name = toText(evaluateToken(nameToken ?? token, contexts) ?? "");
  const deployment = deploymentToken ? evaluateToken(deploymentToken, contexts) !== false : true;
  return { name, deployment };
}

/**
 * `environment.url`, evaluated once the job's steps ran (it may name steps, job and env, as on
 * GitHub; `contexts` carries the job's env), or undefined when there is none or it is empty.
 */
export function environmentUrl(
  token: NonNullable<JobDef["environment"]>,
  contexts: Contexts,
  steps: StepReport[],
  status: Result,
): string | undefined {
  const urlToken = child(token, "url");
  if (!urlToken) return undefined;
  const stepsContext: Record<string, Json> = {};
  for (const s of steps)
    stepsContext[s.id] = { outputs: s.outputs, outcome: s.outcome, conclusion: s.conclusion };
  const url = toText(
    evaluateToken(urlToken, {
      ...contexts,
      steps: stepsContext,
      job: { status },
    }) ?? "",
  );
  return url === "" ? undefined : url;
}
