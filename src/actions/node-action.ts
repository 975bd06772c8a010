import { join } from "node:path";
import type { ActionStepRequest, ActionStepResult, PostAction } from "../runner/index.js";
import type { ActionManifest } from "../workflow/index.js";
import { inputEnv } from "./action-inputs.js";

type NodeRuns = Extract<ActionManifest["runs"], { main: string }>;

function nodeRuns(manifest: ActionManifest): NodeRuns {
  if (!("main" in manifest.runs)) throw new Error(`${manifest.file} is not a JavaScript action`);
  return manifest.runs;
}

/** Runs one script of a JavaScript action (main, pre or post) on the host's Node.js. */
async function runScript(
  req: ActionStepRequest,
  dir: string,
  script: string,
  inputs: Record<string, string>,
  actionEnv: Record<string, string>,
): Promise<ActionStepResult> {
  const result = await req.exec(process.execPath, [join(dir, script)], req.workspace, {
    ...inputEnv(inputs),
    ...actionEnv,
  });
  if (result.reason === "spawn-error") return { ok: false, error: result.error };
  if (result.reason === "timeout") return { ok: false, error: "The action has timed out." };
  if (result.reason === "cancelled") return { ok: false };
  if (result.exitCode !== 0)
    return { ok: false, error: `Node.js action exited with code ${result.exitCode}.` };
  return { ok: true };
}

/**
 * Runs a JavaScript action's `main`, and registers its `post` (with `post-if`, `always()` by
 * default) to run at the end of the job, also after a failure.
 */
export async function runNodeAction(
  req: ActionStepRequest,
  manifest: ActionManifest,
  dir: string,
  inputs: Record<string, string>,
  actionEnv: Record<string, string>,
): Promise<ActionStepResult> {
  const runs = nodeRuns(manifest);
  if (runs.post) {
    const post = runs.post;
    req.addPost({
      condition: runs.postIf || "always()",
      run: (postReq) => runScript(postReq, dir, post, inputs, actionEnv),
    });
  }
  return runScript(req, dir, runs.main, inputs, actionEnv);
}

/** The `pre` part of a JavaScript action (with `pre-if`, `always()` by default), if it has one. */
export function nodePreAction(
  manifest: ActionManifest,
  dir: string,
  inputs: Record<string, string>,
  actionEnv: Record<string, string>,
): PostAction | undefined {
  const runs = nodeRuns(manifest);
  if (!runs.pre) return undefined;
  const pre = runs.pre;
  return {
    condition: runs.preIf || "always()",
    run: (preReq) => runScript(preReq, dir, pre, inputs, actionEnv),
  };
}
