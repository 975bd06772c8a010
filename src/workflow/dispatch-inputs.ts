import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import {
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from "@actions/workflow-parser/templates/tokens/type-guards";
import type { Json } from "../expressions/json.js";
import type { LoadedWorkflow } from "./load.js";
import { child } from "./model.js";

export interface DispatchInputs {
  /** The typed `inputs` context: booleans and numbers keep their type. */
  inputs: Record<string, Json>;
  /** `github.event.inputs`: every value a string, as GitHub sends them. */
  eventInputs: Record<string, string>;
  errors: string[];
}

interface InputDef {
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

function readDefs(wf: LoadedWorkflow): Map<string, InputDef> {
  const defs = new Map<string, InputDef>();
  const on = wf.root.find("on");
  const inputs = child(on, "workflow_dispatch", "inputs");
  if (!inputs || !isMapping(inputs)) return defs;
  for (const pair of inputs) {
    const def = pair.value;
    const options = child(def, "options");
    defs.set(String(pair.key), {
      type: scalarText(child(def, "type")) ?? "string",
      required: scalarText(child(def, "required")) === "true",
      default: scalarText(child(def, "default")),
      options: options && isSequence(options) ? [...options].map((o) => scalarText(o) ?? "") : [],
    });
  }
  return defs;
}

/**
 * Checks the values given for a workflow_dispatch against the workflow's inputs and types
 * them as GitHub does. Every problem is listed; none is thrown.
 */
export function resolveDispatchInputs(wf: LoadedWorkflow, given: Record<string, string>): DispatchInputs {
  const defs = readDefs(wf);
  const out: DispatchInputs = { inputs: {}, eventInputs: {}, errors: [] };
  const unexpected = Object.keys(given).filter((k) => !defs.has(k));
  if (unexpected.length > 0) out.errors.push(`Unexpected inputs provided: ${unexpected.join(", ")}`);
  for (const [name, def] of defs) {
    const raw = given[name] ?? def.default;
    if (raw === undefined || (raw === "" && given[name] === undefined)) {
      if (def.required) {
        out.errors.push(`Input '${name}' is required`);
        continue;
      }
    }
    const text = raw ?? (def.type === "boolean" ? "false" : "");
    switch (def.type) {
      case "boolean":
        if (text !== "true" && text !== "false") {
          out.errors.push(`Input '${name}' must be true or false, got '${text}'`);
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
          out.errors.push(`Input '${name}' must be a number, got '${text}'`);
          continue;
        }
        out.inputs[name] = n;
        break;
      }
      case "choice":
        if (!def.options.includes(text) && !(text === "" && !def.required)) {
          out.errors.push(`Input '${name}' must be one of ${def.options.join(", ")}, got '${text}'`);
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
