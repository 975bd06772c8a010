import { evaluateToken, type Json, toText } from "../expressions/index.js";
import type { ActionStepRequest } from "../runner/index.js";
import type { ActionManifest } from "../workflow/index.js";

/**
 * The inputs an action runs with: what the step gave, else the action's defaults (which may be
 * expressions such as `${{ github.token }}`). A required input with neither fails the step, as
 * the toolkit's getInput({ required: true }) would; an input the action does not declare gets
 * the runner's warning.
 */
export function resolveActionInputs(
  req: Pick<ActionStepRequest, "inputs" | "contexts" | "warn" | "uses">,
  manifest: ActionManifest,
): { inputs: Record<string, string>; error?: string } {
  const given = new Map(Object.entries(req.inputs).map(([k, v]) => [k.toLowerCase(), { name: k, value: v }]));
  const inputs: Record<string, string> = {};
  const missing: string[] = [];
  for (const input of manifest.inputs) {
    const key = input.id.toLowerCase();
    const provided = given.get(key);
    given.delete(key);
    if (provided) {
      inputs[input.id] = provided.value;
    } else if (input.default !== undefined) {
      inputs[input.id] = toText(evaluateToken(input.default, req.contexts) as Json);
    } else if (input.required) {
      missing.push(input.id);
    }
  }
  if (given.size > 0) {
    const names = [...given.values()].map((g) => `'${g.name}'`).join(", ");
    const valid = manifest.inputs.map((i) => `'${i.id}'`).join(", ");
    req.warn(`Unexpected input(s) ${names}, valid inputs are [${valid}]`);
    for (const g of given.values()) inputs[g.name] = g.value;
  }
  if (missing.length > 0) {
    return {
      inputs,
      error: `Input required and not supplied: ${missing.join(", ")} (action '${req.uses}', ${manifest.file})`,
    };
  }
  return { inputs };
}

/** INPUT_<NAME> as the runner names it: upper case, spaces as underscores. */
export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, "_").toUpperCase()}`, v]),
  );
}
