import { ensureStatusFunction } from "@actions/workflow-parser/model/converter/if-condition";
import type { Step, WorkflowJob } from "@actions/workflow-parser/model/workflow-template";
import { BasicExpressionToken } from "@actions/workflow-parser/templates/tokens/basic-expression-token";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import {
  isBasicExpression,
  isMapping,
  isSequence,
  isString,
} from "@actions/workflow-parser/templates/tokens/type-guards";
import { expressionOf, multiLineValue } from "../expressions/index.js";
import type { LoadedWorkflow } from "./load.js";

/**
 * The job and step definitions the engine runs. The parser's model drops a few keys the
 * engine needs (timeout-minutes, defaults, shell, with, …); those are read from the raw tokens.
 */
export interface StepDef {
  /** The step's `id`, or the id the parser generated (`__run`, `__actions_checkout`, …). */
  id: string;
  hasUserId: boolean;
  name?: TemplateToken;
  if: TemplateToken;
  run?: TemplateToken;
  uses?: string;
  with?: MappingToken;
  env?: MappingToken;
  shell?: TemplateToken;
  workingDirectory?: TemplateToken;
  continueOnError?: TemplateToken;
  timeoutMinutes?: TemplateToken;
}

export interface JobDef {
  id: string;
  name?: TemplateToken;
  needs: string[];
  if: TemplateToken;
  strategy?: TemplateToken;
  runsOn?: TemplateToken;
  env?: MappingToken;
  outputs?: MappingToken;
  defaultsRun?: TemplateToken;
  timeoutMinutes?: TemplateToken;
  continueOnError?: TemplateToken;
  container?: TemplateToken;
  services?: TemplateToken;
  /** `concurrency:` as written (a group, or group / cancel-in-progress / queue). */
  concurrency?: TemplateToken;
  /** `environment:` as written: a name, or a mapping with `name` (and `url`). */
  environment?: TemplateToken;
  /** Set for a job that calls a reusable workflow. */
  uses?: string;
  /** A call's `with:` (inputs), `secrets:` (one by one) and `secrets: inherit`. */
  with?: MappingToken;
  secrets?: MappingToken;
  inheritSecrets?: boolean;
  /** The job's `permissions:` for its GITHUB_TOKEN, as written (see permissionsOf). */
  permissions?: PermissionsValue;
  steps: StepDef[];
  /** Position of the job's key, for messages. */
  line: number;
  col: number;
}

export interface WorkflowDef {
  file: string;
  name: string;
  env?: TemplateToken;
  defaultsRun?: TemplateToken;
  /** The workflow-level `concurrency:` as written. */
  concurrency?: TemplateToken;
  /** The workflow's `permissions:` for its jobs' GITHUB_TOKEN, as written (see permissionsOf). */
  permissions?: PermissionsValue;
  jobs: JobDef[];
  loaded: LoadedWorkflow;
}

/**
 * `permissions:` as written: `read-all`, `write-all`, `{}` (none), or permission name → `read`,
 * `write` or `none` (the parser has checked the names and levels; no expressions are allowed there).
 */
export type PermissionsValue = string | Record<string, string>;

/** The `permissions:` under this token, or undefined when there is none. */
export function permissionsOf(token: TemplateToken | undefined): PermissionsValue | undefined {
  if (!token) return undefined;
  if (isString(token)) return token.value;
  if (!isMapping(token)) return undefined;
  const out: Record<string, string> = {};
  for (const { key, value } of token) {
    if (isString(key) && isString(value)) out[key.value] = value.value;
  }
  return out;
}

export function child(token: TemplateToken | undefined, ...path: string[]): TemplateToken | undefined {
  let cur = token;
  for (const key of path) {
    if (!cur || !isMapping(cur)) return undefined;
    cur = cur.find(key);
  }
  return cur;
}

function mapping(token: TemplateToken | undefined): MappingToken | undefined {
  return token && isMapping(token) ? token : undefined;
}

/**
 * The condition to evaluate for an `if:`. The parser builds a multi-line `if: >-` holding
 * `${{ }}` from the raw source (a non-empty string, so always true); GitHub evaluates the
 * scalar's value, so the condition is rebuilt from it, with the implicit success().
 */
function condition(converted: TemplateToken, raw: TemplateToken | undefined): TemplateToken {
  if (!raw || !isBasicExpression(raw) || multiLineValue(raw) === undefined) return converted;
  const expression = ensureStatusFunction(expressionOf(raw), raw.definitionInfo);
  return new BasicExpressionToken(raw.file, raw.range, expression, raw.definitionInfo, undefined, undefined);
}

/** Step definitions of a composite action: steps without an `id` get `__<n>`, as the runner names them. */
export function compositeStepDefs(steps: Step[], rawSteps: TemplateToken | undefined): StepDef[] {
  const raws: MappingToken[] = [];
  if (rawSteps && isSequence(rawSteps)) {
    for (const item of rawSteps) {
      if (isMapping(item) && (item.find("run") || item.find("uses"))) raws.push(item);
    }
  }
  return steps.map((step, i) => {
    const def = stepDef(step.id ? step : { ...step, id: `__${i + 1}` }, raws[i]);
    return step.id ? { ...def, hasUserId: true } : def;
  });
}

function stepDef(step: Step, raw: TemplateToken | undefined): StepDef {
  const s = step as Step & { uses?: { value: string }; run?: TemplateToken; env?: MappingToken };
  const hasUserId = !step.id.startsWith("__");
  return {
    id: step.id,
    hasUserId,
    name: step.name,
    if: condition(
      (step as { if?: TemplateToken }).if ?? (child(raw, "if") as TemplateToken),
      child(raw, "if"),
    ),
    run: s.run,
    uses: s.uses?.value,
    with: mapping(child(raw, "with")),
    env: s.env ?? mapping(child(raw, "env")),
    shell: child(raw, "shell"),
    workingDirectory: child(raw, "working-directory"),
    continueOnError: child(raw, "continue-on-error"),
    timeoutMinutes: child(raw, "timeout-minutes"),
  };
}

function jobDef(job: WorkflowJob, raw: TemplateToken | undefined): JobDef {
  const rawSteps = child(raw, "steps");
  const steps =
    job.type === "job"
      ? job.steps.map((s, i) => stepDef(s, rawSteps && isSequence(rawSteps) ? rawSteps.get(i) : undefined))
      : [];
  const call = job.type === "reusableWorkflowJob" ? job : undefined;
  return {
    id: job.id.value,
    name: job.name,
    needs: (job.needs ?? []).map((n) => n.value),
    if: condition(job.if, child(raw, "if")),
    strategy: job.strategy,
    runsOn: job.type === "job" ? job["runs-on"] : undefined,
    env: job.type === "job" ? job.env : undefined,
    outputs: job.outputs,
    defaultsRun: child(raw, "defaults", "run"),
    timeoutMinutes: child(raw, "timeout-minutes"),
    continueOnError: child(raw, "continue-on-error"),
    container: job.type === "job" ? job.container : undefined,
    services: job.type === "job" ? job.services : undefined,
    concurrency: child(raw, "concurrency"),
    environment: child(raw, "environment"),
    uses: call?.ref.value,
    with: mapping(call?.["input-values"]),
    secrets: mapping(call?.["secret-values"]),
    inheritSecrets: call?.["inherit-secrets"] === true,
    permissions: permissionsOf(child(raw, "permissions")),
    steps,
    line: job.id.range?.start.line ?? 1,
    col: job.id.range?.start.column ?? 1,
  };
}

/** Builds the engine's view of a loaded, error-free workflow. */
export function buildWorkflowDef(loaded: LoadedWorkflow): WorkflowDef {
  const rawJobs = loaded.root.find("jobs");
  return {
    file: loaded.file,
    name: loaded.name,
    env: loaded.root.find("env"),
    defaultsRun: child(loaded.root, "defaults", "run"),
    concurrency: loaded.root.find("concurrency"),
    permissions: permissionsOf(loaded.root.find("permissions")),
    jobs: loaded.template.jobs.map((j) => jobDef(j, child(rawJobs, j.id.value))),
    loaded,
  };
}

/** Every string and expression under a token (keys included), one a line: for searching a job's text. */
export function tokenText(token: TemplateToken | undefined): string {
  if (!token) return "";
  const parts: string[] = [];
  for (const [, t] of TemplateToken.traverse(token)) {
    if (isString(t)) parts.push(t.value);
    else if (isBasicExpression(t)) parts.push(t.expression);
  }
  return parts.join("\n");
}

/** A literal string value of a token, or undefined when it is not a plain string. */
export function literalString(token: TemplateToken | undefined): string | undefined {
  return token && isString(token) ? token.value : undefined;
}
