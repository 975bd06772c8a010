import type { Contexts, Json } from "../expressions/index.js";
import type { Sandbox } from "../sandbox/index.js";
import type { StepDef } from "../workflow/index.js";
import type { ProcessResult } from "./process.js";

export type JobStatus = "success" | "failure" | "cancelled";

/** What a `uses:` step (or its pre or post part) gets to do its work. */
export interface ActionStepRequest {
  uses: string;
  /** The step's id (GITHUB_ACTION). */
  stepId: string;
  inputs: Record<string, string>;
  /** The contexts the step sees (github, runner, job, env, steps, matrix, needs, inputs, …). */
  contexts: Contexts;
  workspace: string;
  /** The repository gantry was started in (what actions/checkout copies). */
  sourceDir: string;
  github: Record<string, Json>;
  /**
   * The step's process environment, GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STATE and
   * GITHUB_STEP_SUMMARY included: what an action appends to them applies as for any step.
   */
  env: Record<string, string>;
  log(line: string): void;
  /** A warning annotation (shown in the log as `Warning: …`, and raised on the run). */
  warn(message: string): void;
  /** Runs a command with the step's output handling (commands, masking), timeout and cancellation. */
  exec(command: string, args: string[], cwd: string, env?: Record<string, string>): Promise<ProcessResult>;
  /**
   * Registers a post step: it runs at the end of the job, after the main steps, in reverse order
   * of registration, when `condition` (an expression such as `success()` or `always()`) holds.
   * It sees STATE_* for what this step saved with GITHUB_STATE.
   */
  addPost(post: PostAction): void;
  jobStatus(): JobStatus;
  /** Runs a composite action's steps inside this step. */
  runSteps(steps: StepDef[], scope: CompositeScope): Promise<CompositeResult>;
  /**
   * The job's sandbox, when it has one: a built-in action's helper commands (git, tar) run in it,
   * so that they read and write only what the job's own steps may.
   */
  sandbox?: Sandbox;
}

export interface ActionStepResult {
  ok: boolean;
  outputs?: Record<string, string>;
  error?: string;
  /** For an action from the store: the commit it ran at and where that came from. */
  action?: { commit: string; source: string };
}

/** A pre or post part of an action. */
export interface PostAction {
  /** Shown as `Pre <name>` / `Post <name>`; the main step's name when omitted. */
  name?: string;
  /** An expression: `always()`, `success()`, … */
  condition: string;
  run(request: ActionStepRequest): Promise<ActionStepResult>;
}

export interface CompositeScope {
  /** The `inputs` context of the action's steps. */
  inputs: Record<string, Json>;
  /** The action's directory (GITHUB_ACTION_PATH, github.action_path). */
  actionPath: string;
  /** `owner/repo` of a remote action, '' for a local one (GITHUB_ACTION_REPOSITORY). */
  actionRepository: string;
  actionRef: string;
}

export interface CompositeResult {
  /** No step failed (continue-on-error aside) and nothing was cancelled. */
  ok: boolean;
  cancelled: boolean;
  /** The contexts after the last step, `steps` holding the inner steps: for `outputs.*.value`. */
  contexts: Contexts;
}

/** What is known of a `uses:` step at the start of the job. */
export type ActionProbe = Pick<
  ActionStepRequest,
  "uses" | "inputs" | "contexts" | "workspace" | "sourceDir" | "github"
>;

/** Resolves and runs `uses:` steps; the actions/ folder provides it. */
export interface ActionProvider {
  runAction(request: ActionStepRequest): Promise<ActionStepResult>;
  /**
   * The pre part of a step's action, if it has one (a JavaScript action's `pre`), asked at the
   * start of the job for every `uses:` step, as GitHub runs pre steps before the first step.
   */
  preAction?(request: ActionProbe): Promise<PostAction | undefined>;
  /**
   * Resolves every action the steps use, and those of their composite actions, as GitHub's
   * "Set up job" downloads them before the first step: one message per action it cannot provide,
   * none when all are there (local actions are left to their step: a checkout brings them).
   */
  prepareJob?(steps: StepDef[], workspace: string): Promise<string[]>;
}
