// The built-in actions' code, loaded by BuiltInActions (index.ts) when a step first uses one.
import type { ActionStepRequest, ActionStepResult } from "../runner/index.js";
import { downloadArtifactAction, uploadArtifactAction } from "./artifact-actions.js";
import type { BuiltInDeps } from "./built-in-deps.js";
import { cacheAction, cacheRestoreAction, cacheSaveAction } from "./cache-action.js";
import { checkout } from "./checkout.js";
import { setupGo, setupJava, setupNode, setupPython } from "./setup-tools/index.js";
import type { ArtifactStore } from "./stores.js";

type BuiltIn = (req: ActionStepRequest, deps: BuiltInDeps) => Promise<ActionStepResult>;

function withStore<S>(
  store: (deps: BuiltInDeps, req: ActionStepRequest) => S | undefined,
  what: string,
  impl: (req: ActionStepRequest, store: S) => Promise<ActionStepResult>,
): BuiltIn {
  return async (req, deps) => {
    let s: S | undefined;
    try {
      s = store(deps, req);
    } catch (err) {
      return { ok: false, error: `${req.uses} cannot reach ${what}: ${(err as Error).message}` };
    }
    if (!s) {
      const how = deps.jobStores
        ? "the job has no ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL (the server gave it no Actions services)"
        : "none was configured";
      return { ok: false, error: `${req.uses} needs ${what}, and ${how}` };
    }
    return impl(req, s);
  };
}

const cacheStore = (d: BuiltInDeps, req: ActionStepRequest) => d.cache ?? d.jobStores?.(req.env).cache;
const artifactStore = (d: BuiltInDeps, req: ActionStepRequest) =>
  d.artifacts ?? d.jobStores?.(req.env).artifacts;

/** Actions gantry implements itself, so that the commonest workflows run offline. */
export const BUILT_IN: Record<string, BuiltIn> = {
  "actions/checkout": (req, deps) => checkout(req, deps.repositories),
  "actions/cache": withStore(cacheStore, "a cache store", cacheAction),
  "actions/cache/restore": withStore(cacheStore, "a cache store", cacheRestoreAction),
  "actions/cache/save": withStore(cacheStore, "a cache store", cacheSaveAction),
  "actions/upload-artifact": withStore(artifactStore, "an artifact store", uploadArtifactAction),
  "actions/download-artifact": (req, deps) =>
    withStore(artifactStore, "an artifact store", (r, store: ArtifactStore) =>
      downloadArtifactAction(r, store, deps.runRepository),
    )(req, deps),
  "actions/setup-go": setupGo,
  "actions/setup-java": setupJava,
  "actions/setup-node": setupNode,
  "actions/setup-python": setupPython,
};
