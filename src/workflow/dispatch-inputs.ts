import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import {
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from "@actions/workflow-parser/templates/tokens/type-guards";
import type { Json } from "../expressions/index.js";
import type { LoadedWorkflow } from "./load.js";
import { child } from "./model.js";
import type { Problem } from "./problems.js";

export interface DispatchInputs {
  /** The typed `inputs` context: booleans and numbers keep their type. */
  inputs: Record<string, Json>;
  /** `github.event.inputs`: every value a string, as GitHub sends them. */
  eventInputs: Record<string, string>;
  /** Each bad value, at the definition of its input (an unknown input: at `inputs:`). */
  errors: Problem[];
}

interface Position {
  line: number;
  col: number;
}

interface InputDef extends Position {
  type: string;
  required: boolean;
  default?: string;
  options: string[];
}

function scalarText(token: TemplateToken | undefined): string | undefined {
  if (!token) return undefined;
  if (isString(token)) return token.value;
  if (isBoolean(token) || isNumber(token)) return String(token.value);
  return undefined;
}

function positionOf(token: TemplateToken | undefined): Position {
  return { line: token?.range?.start.line ?? 1, col: token?.range?.start.column ?? 1 };
}

/** The key token `name` of a mapping (for its position), if there is one. */
function keyOf(mapping: TemplateToken | undefined, name: string): TemplateToken | undefined {
  if (!mapping || !isMapping(mapping)) return undefined;
  for (const pair of mapping) if (String(pair.key) === name) return pair.key;
  return undefined;
}

function readDefs(wf: LoadedWorkflow): { defs: Map<string, InputDef>; at: Position } {
  const defs = new Map<string, InputDef>();
  const on = wf.root.find("on");
  const dispatch = child(on, "workflow_dispatch");
  const inputs = child(dispatch, "inputs");
  // Where an unknown input is reported: `inputs:`, else `workflow_dispatch:`, else `on:`.
  const at = positionOf(keyOf(dispatch, "inputs") ?? keyOf(on, "workflow_dispatch") ?? keyOf(wf.root, "on"));
  if (!inputs || !isMapping(inputs)) return { defs, at };
  for (const pair of inputs) {
    const def = pair.value;
    const options = child(def, "options");
    defs.set(String(pair.key), {
      ...positionOf(pair.key),
      type: scalarText(child(def, "type")) ?? "string",
      required: scalarText(child(def, "required")) === "true",
      default: scalarText(child(def, "default")),
      options: options && isSequence(options) ? [...options].map((o) => scalarText(o) ?? "") : [],
    });
  }
  return { defs, at };
}

/** An input of a workflow's `workflow_dispatch`, as a form asks for it. */
export interface DispatchInputDef {
  name: string;
  /** string, choice, boolean, number or environment. */
  type: string;
  description: string;
  required: boolean;
  default?: string;
  options: string[];
}

/** The inputs a workflow's `workflow_dispatch` declares, in order. */
export function dispatchInputDefs(wf: LoadedWorkflow): DispatchInputDef[] {
  const inputs = child(child(wf.root.find("on"), "workflow_dispatch"), "inputs");
  const described = new Map<string, string>();
  if (inputs && isMapping(inputs)) {
    for (const pair of inputs)
      described.set(String(pair.key), scalarText(child(pair.value, "description")) ?? "");
  }
  return [...readDefs(wf).defs].map(([name, d]) => ({
    name,
    type: d.type,
    description: described.get(name) ?? "",
    required: d.required,
    ...(d.default !== undefined ? { default: d.default } : {}),
    options: d.options,
  }));
}

/** The names of the inputs a workflow's `workflow_dispatch` declares. */
export function dispatchInputNames(wf: LoadedWorkflow): string[] {
  return [...readDefs(wf).defs.keys()];
}

/**
 * Checks the values given for a workflow_dispatch against the workflow's inputs and types
 * them as GitHub does. Every problem is listed; none is thrown.
 */
export function resolveDispatchInputs(wf: LoadedWorkflow, given: Record<string, string>): DispatchInputs {
  const { defs, at } = readDefs(wf);
  const out: DispatchInputs = { inputs: {}, eventInputs: {}, errors: [] };
  const error = (where: Position, message: string) =>
    out.errors.push({ file: wf.file, ...where, message, severity: "error" });
  const unexpected = Object.keys(given).filter((k) => !defs.has(k));
  if (unexpected.length > 0) error(at, `Unexpected inputs provided: ${unexpected.join(", ")}`);
  for (const [name, def] of defs) {
    const raw = given[name] ?? def.default;
    if (raw === undefined || (raw === "" && given[name] === undefined)) {
      if (def.required) {
        error(def, `Input '${name}' is required`);
        continue;
      }
    }
    const text = raw ?? (def.type === "boolean" ? "false" : "");
    switch (def.type) {
      case "boolean":
        if (text !== "true" && text !== "false") {
          error(def, `Input '${name}' must be true or false, got '${text}'`);
          continue;
        }
        out.inputs[name] = text === "true";
        break;
      case "number": {
        const n = Number(text);
        if (text.trim() === "" || !Number.isFinite(n)) {
          if (text === "" && !def.required) {
            out.inputs[name] = "";
            break;
          }
          error(def, `Input '${name}' must be a number, got '${text}'`);
          continue;
        }
        out.inputs[name] = n;
        break;
      }
      case "choice":
        if (!def.options.includes(text) && !(text === "" && !def.required)) {
          error(def, `Input '${name}' must be one of ${def.options.join(", ")}, got '${text}'`);
          continue;
        }
        out.inputs[name] = text;
        break;
      default:
        out.inputs[name] = text;
    }
    out.eventInputs[name] = text;
  }
  return out;
}
