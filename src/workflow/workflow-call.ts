import type { ReusableWorkflowJob } from "@actions/workflow-parser/model/workflow-template";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import {
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from "@actions/workflow-parser/templates/tokens/type-guards";
import { TokenType } from "@actions/workflow-parser/templates/tokens/types";
import type { Json } from "../expressions/index.js";
import type { LoadedWorkflow } from "./load.js";
import { child } from "./model.js";
import { type Problem, problemAt } from "./problems.js";

export type CallInputType = "string" | "number" | "boolean";

export interface CallInputDef {
  name: string;
  type: CallInputType;
  required: boolean;
  /** The `default:` as written (it may hold an expression over github, inputs and vars). */
  default?: TemplateToken;
}

/** What `on.workflow_call` declares: the called workflow's interface. */
export interface WorkflowCallSpec {
  inputs: CallInputDef[];
  secrets: Array<{ name: string; required: boolean }>;
  outputs: Array<{ name: string; value: TemplateToken }>;
}

/** The GitHub documented limits: 10 levels of workflows (the top-level caller and 9 called), 50 unique reusable workflows in a run. */
export const MAX_CALL_DEPTH = 10;
export const MAX_UNIQUE_CALLED_WORKFLOWS = 50;

function scalarText(token: TemplateToken | undefined): string | undefined {
  if (!token) return undefined;
  if (isString(token)) return token.value;
  if (isBoolean(token) || isNumber(token)) return String(token.value);
  return undefined;
}

/** The `workflow_call` trigger of a workflow: null when it has none, {} when it declares nothing. */
function workflowCallToken(wf: LoadedWorkflow): TemplateToken | null | undefined {
  const on = wf.root.find("on");
  if (!on) return undefined;
  if (isString(on)) return on.value === "workflow_call" ? null : undefined;
  if (isSequence(on))
    return [...on].some((e) => isString(e) && e.value === "workflow_call") ? null : undefined;
  if (isMapping(on)) {
    for (const pair of on) if (String(pair.key) === "workflow_call") return pair.value;
  }
  return undefined;
}

/** Reads `on.workflow_call`; undefined when the workflow cannot be called. */
export function readWorkflowCall(wf: LoadedWorkflow): WorkflowCallSpec | undefined {
  const call = workflowCallToken(wf);
  if (call === undefined) return undefined;
  const spec: WorkflowCallSpec = { inputs: [], secrets: [], outputs: [] };
  if (!call || !isMapping(call)) return spec;
  const inputs = child(call, "inputs");
  if (inputs && isMapping(inputs)) {
    for (const pair of inputs) {
      const type = scalarText(child(pair.value, "type"));
      spec.inputs.push({
        name: String(pair.key),
        type: type === "number" || type === "boolean" ? type : "string",
        required: scalarText(child(pair.value, "required")) === "true",
        default: child(pair.value, "default"),
      });
    }
  }
  const secrets = child(call, "secrets");
  if (secrets && isMapping(secrets)) {
    for (const pair of secrets) {
      spec.secrets.push({
        name: String(pair.key),
        required: scalarText(child(pair.value, "required")) === "true",
      });
    }
  }
  const outputs = child(call, "outputs");
  if (outputs && isMapping(outputs)) {
    for (const pair of outputs) {
      const value = child(pair.value, "value");
      if (value) spec.outputs.push({ name: String(pair.key), value });
    }
  }
  return spec;
}

const lower = (s: string) => s.toLowerCase();

function describe(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} '${String(value)}'`;
}

/**
 * The value an input of this type takes from what the caller passed, as GitHub types it: a
 * string input takes any scalar (as text), a number input only a number, a boolean input only a
 * boolean. A string "60" for a number input is an error, as on GitHub.
 */
export function typeCallInput(def: CallInputDef, value: Json): { value: Json } | { error: string } {
  const bad = { error: `Input '${def.name}' expects a ${def.type}, got ${describe(value)}` };
  switch (def.type) {
    case "number":
      return typeof value === "number" ? { value } : bad;
    case "boolean":
      return typeof value === "boolean" ? { value } : bad;
    default:
      if (value === null) return { value: "" };
      if (typeof value === "object") return bad;
      return { value: String(value) };
  }
}

function zero(type: CallInputType): Json {
  return type === "boolean" ? false : type === "number" ? 0 : "";
}

/**
 * The called workflow's `inputs` context from the values the caller passed (`with:`, evaluated)
 * and the defaults (evaluated by `evalDefault`). Every problem is listed.
 */
export function resolveCallInputs(
  spec: WorkflowCallSpec,
  given: Record<string, Json>,
  evalDefault: (token: TemplateToken) => Json,
): { inputs: Record<string, Json>; errors: string[] } {
  const errors: string[] = [];
  const inputs: Record<string, Json> = {};
  const defs = new Map(spec.inputs.map((d) => [lower(d.name), d]));
  const givenByName = new Map(Object.entries(given).map(([k, v]) => [lower(k), [k, v] as const]));
  for (const [key, [name]] of givenByName) {
    if (!defs.has(key)) errors.push(`Invalid input, ${name} is not defined in the referenced workflow.`);
  }
  for (const def of spec.inputs) {
    const passed = givenByName.get(lower(def.name));
    if (!passed && def.required) {
      errors.push(`Input ${def.name} is required, but not provided while calling.`);
      continue;
    }
    let value: Json;
    if (passed) value = passed[1];
    else if (def.default) {
      try {
        value = evalDefault(def.default);
      } catch (err) {
        errors.push(`Input '${def.name}': default: ${(err as Error).message}`);
        continue;
      }
    } else value = zero(def.type);
    const typed = typeCallInput(def, value);
    if ("error" in typed) errors.push(typed.error);
    else inputs[def.name] = typed.value;
  }
  return { inputs, errors };
}

/**
 * The called workflow's `secrets`: all the caller's with `secrets: inherit`, else the ones passed
 * one by one, each declared by the called workflow; GITHUB_TOKEN always.
 */
export function resolveCallSecrets(
  spec: WorkflowCallSpec,
  passed: Record<string, string> | "inherit",
  callerSecrets: Record<string, string>,
): { secrets: Record<string, string>; errors: string[] } {
  const token = { GITHUB_TOKEN: callerSecrets.GITHUB_TOKEN ?? "" };
  if (passed === "inherit") return { secrets: { ...callerSecrets, ...token }, errors: [] };
  const errors: string[] = [];
  const secrets: Record<string, string> = {};
  const defs = new Map(spec.secrets.map((d) => [lower(d.name), d]));
  const passedByName = new Map(Object.entries(passed).map(([k, v]) => [lower(k), [k, v] as const]));
  for (const [key, [name]] of passedByName) {
    if (!defs.has(key)) errors.push(`Invalid secret, ${name} is not defined in the referenced workflow.`);
  }
  for (const def of spec.secrets) {
    const value = passedByName.get(lower(def.name));
    if (value) secrets[def.name] = value[1];
    else if (def.required) errors.push(`Secret ${def.name} is required, but not provided while calling.`);
  }
  return { secrets: { ...secrets, ...token }, errors };
}

/** The plain value of a scalar token with no expression in it. */
function literal(token: TemplateToken): Json | undefined {
  if (isBasicExpression(token)) return undefined;
  if (isString(token) || isNumber(token) || isBoolean(token)) return token.value;
  if (token.templateTokenType === TokenType.Null) return null;
  return undefined;
}

/**
 * What can be known of a call before it runs, at the caller's positions: an input or secret the
 * called workflow does not declare, a required one not passed, a literal of the wrong type.
 */
export function checkCall(callerFile: string, job: ReusableWorkflowJob, spec: WorkflowCallSpec): Problem[] {
  const problems: Problem[] = [];
  const error = (token: TemplateToken | undefined, message: string) =>
    problems.push(problemAt(callerFile, token, "error", message));
  const defs = new Map(spec.inputs.map((d) => [lower(d.name), d]));
  const given = new Set<string>();
  const withToken = job["input-values"];
  if (withToken && isMapping(withToken)) {
    for (const pair of withToken) {
      const name = String(pair.key);
      given.add(lower(name));
      const def = defs.get(lower(name));
      if (!def) {
        error(pair.key, `Invalid input, ${name} is not defined in the referenced workflow.`);
        continue;
      }
      const value = literal(pair.value);
      if (value === undefined) continue;
      const typed = typeCallInput(def, value);
      if ("error" in typed) error(pair.value, typed.error);
    }
  }
  for (const def of spec.inputs) {
    if (def.required && !given.has(lower(def.name))) {
      error(job.ref, `Input ${def.name} is required, but not provided while calling.`);
    }
  }
  if (job["inherit-secrets"]) return problems;
  const secretDefs = new Set(spec.secrets.map((d) => lower(d.name)));
  const passed = new Set<string>();
  const secretsToken = job["secret-values"];
  if (secretsToken && isMapping(secretsToken)) {
    for (const pair of secretsToken) {
      const name = String(pair.key);
      passed.add(lower(name));
      if (!secretDefs.has(lower(name))) {
        error(pair.key, `Invalid secret, ${name} is not defined in the referenced workflow.`);
      }
    }
  }
  for (const def of spec.secrets) {
    if (def.required && !passed.has(lower(def.name))) {
      error(job.ref, `Secret ${def.name} is required, but not provided while calling.`);
    }
  }
  return problems;
}

/** A parsed `jobs.<id>.uses` of a reusable workflow. */
export type CallRef =
  | { kind: "local"; path: string }
  | { kind: "remote"; owner: string; repo: string; path: string; ref: string };

/**
 * Parses `./.github/workflows/x.yml` or `owner/repo/.github/workflows/x.yml@ref`; a string
 * when the reference is not one of them. GitHub reads reusable workflows only from
 * `.github/workflows` itself, not from a folder under it.
 */
export function parseCallRef(uses: string): CallRef | string {
  const inWorkflows = (path: string) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path);
  if (uses.startsWith("./")) {
    const path = uses.slice(2);
    if (path.includes("@"))
      return `A local reusable workflow takes no @ref: '${uses}' is read from the caller's commit`;
    if (!inWorkflows(path)) {
      return `Reusable workflow '${uses}' must be a .yml or .yaml file directly in .github/workflows`;
    }
    return { kind: "local", path };
  }
  const m = /^([^/@\s]+)\/([^/@\s]+)\/([^@\s]+)@([^@\s]+)$/.exec(uses);
  if (!m) {
    return `Invalid reusable workflow reference '${uses}': expected ./.github/workflows/{file} or {owner}/{repo}/.github/workflows/{file}@{ref}`;
  }
  if (!inWorkflows(m[3])) {
    return `Reusable workflow '${uses}' must be a .yml or .yaml file directly in .github/workflows`;
  }
  if (m[4].startsWith("refs/"))
    return `Invalid reusable workflow reference '${uses}': ref prefixes such as refs/heads are not allowed`;
  return { kind: "remote", owner: m[1], repo: m[2], path: m[3], ref: m[4] };
}

/** The local workflows a workflow calls: each call job with the path it names. */
function localCalls(wf: LoadedWorkflow): Array<{ job: ReusableWorkflowJob; path: string }> {
  const out: Array<{ job: ReusableWorkflowJob; path: string }> = [];
  for (const job of wf.template.jobs) {
    if (job.type !== "reusableWorkflowJob") continue;
    const ref = parseCallRef(job.ref.value);
    if (typeof ref !== "string" && ref.kind === "local") out.push({ job, path: ref.path });
  }
  return out;
}

/**
 * Checks a workflow's calls of reusable workflows before anything runs: the reference's form; for
 * a local one (read with `loadLocal`, undefined when missing) that it can be called, its inputs
 * and secrets, and that the chain of local calls from here has no cycle and stays within
 * GitHub's 10 levels. Problems are at the caller's `uses:`.
 */
export async function checkCalls(
  wf: LoadedWorkflow,
  loadLocal: (path: string) => Promise<LoadedWorkflow | undefined>,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const job of wf.template.jobs) {
    if (job.type !== "reusableWorkflowJob") continue;
    const ref = parseCallRef(job.ref.value);
    if (typeof ref === "string") problems.push(problemAt(wf.file, job.ref, "error", ref));
  }
  for (const { job, path } of localCalls(wf)) {
    const called = await loadLocal(path);
    if (!called) continue;
    const spec = readWorkflowCall(called);
    if (!spec) {
      const message = `Reusable workflow './${path}' cannot be called: its 'on:' has no workflow_call`;
      problems.push(problemAt(wf.file, job.ref, "error", message));
      continue;
    }
    problems.push(...checkCall(wf.file, job, spec));
    const chain = await longestChain(path, [wf.file], loadLocal);
    if (chain.cycle) {
      const message = `Reusable workflows call each other in a cycle: ${chain.files.join(" → ")}`;
      problems.push(problemAt(wf.file, job.ref, "error", message));
    } else if (chain.files.length > MAX_CALL_DEPTH) {
      const message = `This call nests ${chain.files.length} levels of workflows (${chain.files.join(" → ")}); GitHub allows at most ${MAX_CALL_DEPTH}`;
      problems.push(problemAt(wf.file, job.ref, "error", message));
    }
  }
  const unique = new Set<string>();
  for (const { job, path } of localCalls(wf)) {
    await reachable(path, unique, loadLocal);
    if (unique.size > MAX_UNIQUE_CALLED_WORKFLOWS) {
      const message = `This call brings the run to ${unique.size} unique reusable workflows; GitHub allows at most ${MAX_UNIQUE_CALLED_WORKFLOWS}`;
      problems.push(problemAt(wf.file, job.ref, "error", message));
      break;
    }
  }
  return problems;
}

/** Adds `path` and every local workflow it calls, transitively, to `seen`. */
async function reachable(
  path: string,
  seen: Set<string>,
  loadLocal: (path: string) => Promise<LoadedWorkflow | undefined>,
): Promise<void> {
  if (seen.has(path)) return;
  seen.add(path);
  const called = await loadLocal(path);
  for (const next of called ? localCalls(called) : []) await reachable(next.path, seen, loadLocal);
}

/** The longest chain of local calls starting with `path` under `chain`, or the first cycle met. */
async function longestChain(
  path: string,
  chain: string[],
  loadLocal: (path: string) => Promise<LoadedWorkflow | undefined>,
): Promise<{ files: string[]; cycle: boolean }> {
  const files = [...chain, path];
  if (chain.includes(path)) return { files, cycle: true };
  // One level past the limit is enough to report it.
  if (files.length > MAX_CALL_DEPTH) return { files, cycle: false };
  const called = await loadLocal(path);
  let best = { files, cycle: false };
  for (const next of called ? localCalls(called) : []) {
    const sub = await longestChain(next.path, files, loadLocal);
    if (sub.cycle) return sub;
    if (sub.files.length > best.files.length) best = sub;
  }
  return best;
}
