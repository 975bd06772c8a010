import { evaluateToken, toText } from "../expressions/index.js";
import type { ActionStepRequest, ActionStepResult, CompositeScope } from "../runner/index.js";
import type { ActionManifest } from "../workflow/index.js";

/** Runs a composite action's steps inside the calling step and maps its outputs. */
export async function runCompositeAction(
  req: ActionStepRequest,
  manifest: ActionManifest,
  inputs: Record<string, string>,
  scope: Omit<CompositeScope, "inputs">,
): Promise<ActionStepResult> {
  if (manifest.runs.using !== "composite") throw new Error(`${manifest.file} is not a composite action`);
  const result = await req.runSteps(manifest.runs.steps, { ...scope, inputs });
  const outputs: Record<string, string> = {};
  for (const output of manifest.outputs) {
    if (!output.value) continue;
    try {
      outputs[output.id] = toText(evaluateToken(output.value, result.contexts));
    } catch (err) {
      req.log(`Error: output '${output.id}' of ${manifest.file}: ${(err as Error).message}`);
    }
  }
  // A failing inner step has logged its error already.
  return { ok: result.ok, outputs };
}
