import type { ActionStepRequest, ActionStepResult } from "../runner/index.js";
import { checkout } from "./checkout.js";
import type { BuiltInProvider } from "./run-action.js";

export { ActionRunner, type ActionSource, type ResolvedAction } from "./run-action.js";

/** `owner/repo[/path]` of a `uses:` reference, without its `@ref`. */
function actionName(uses: string): string {
  return uses.split("@")[0].toLowerCase();
}

/** Actions gantry implements itself, so that the commonest workflows run offline. */
const BUILT_IN: Record<string, (req: ActionStepRequest) => Promise<ActionStepResult>> = {
  "actions/checkout": checkout,
};

export class BuiltInActions implements BuiltInProvider {
  provides(uses: string): boolean {
    return BUILT_IN[actionName(uses)] !== undefined;
  }

  async runAction(req: ActionStepRequest): Promise<ActionStepResult> {
    const impl = BUILT_IN[actionName(req.uses)];
    if (impl) return impl(req);
    return {
      ok: false,
      error: `Action '${req.uses}' is not available: gantry run implements ${Object.keys(BUILT_IN).join(", ")} itself and does not fetch other actions yet.`,
    };
  }
}
