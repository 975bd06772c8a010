import { homedir } from "node:os";
import type { ActionStepRequest } from "../runner/index.js";

/** A bad input of a built-in action; its message is the step's error. */
export class InputError extends Error {
  readonly code = "invalid-input";
}

/** An input, trimmed, '' when not given (input names are case-insensitive, as on GitHub). */
export function input(req: Pick<ActionStepRequest, "inputs">, name: string): string {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(req.inputs)) if (k.toLowerCase() === wanted) return v.trim();
  return "";
}

export function requiredInput(req: Pick<ActionStepRequest, "inputs">, name: string): string {
  const value = input(req, name);
  if (!value) throw new InputError(`Input required and not supplied: ${name}`);
  return value;
}

/** A boolean input as @actions/core reads one: true/True/TRUE/false/False/FALSE. */
export function booleanInput(
  req: Pick<ActionStepRequest, "inputs">,
  name: string,
  fallback = false,
): boolean {
  const value = input(req, name);
  if (value === "") return fallback;
  if (["true", "True", "TRUE"].includes(value)) return true;
  if (["false", "False", "FALSE"].includes(value)) return false;
  throw new InputError(
    `Input does not meet YAML 1.2 "Core Schema" specification: ${name}\nSupport boolean input list: \`true | True | TRUE | false | False | FALSE\``,
  );
}

/** The home directory `~` stands for in paths: the step's HOME. */
export function homeOf(req: Pick<ActionStepRequest, "env">): string {
  return req.env.HOME || homedir();
}
