import { join } from "node:path";
import type { ActionStepRequest, ActionStepResult } from "../runner/index.js";
import { ActionStore } from "./action-store.js";
import type { BuiltInDeps } from "./built-in-deps.js";
import type { BuiltInProvider } from "./run-action.js";

export type { ActionPin } from "./action-pins.js";
export { ActionStore, type StoredAction } from "./action-store.js";
export {
  ActionFileNotFoundError,
  ActionNotFoundError,
  ActionRefNotFoundError,
  ActionStoreError,
} from "./action-store-errors.js";
export { badMirrorTemplate, InvalidActionRefError, parseStoreRef, type StoreRef } from "./store-ref.js";

/** The action store of a gantry home ($GANTRY_HOME/actions), with the mirror URL template if one is set. */
export function openActionStore(home: string, mirror?: string): ActionStore {
  return new ActionStore(join(home, "actions"), mirror || undefined);
}

export { artifactNameProblem, artifactPathProblem } from "./artifact-name.js";
export { cacheScopes, cacheVersion, scopeParts } from "./cache-scopes.js";
export { ActionRunner, type ActionSource, type ResolvedAction } from "./run-action.js";
export {
  ArtifactError,
  type ArtifactInfo,
  type ArtifactStore,
  type ArtifactUpload,
  type CacheEntry,
  type CacheFiles,
  type CacheQuery,
  type CacheSaveResult,
  type CacheStore,
  type RepositorySource,
} from "./stores.js";
export { ToolInstallError } from "./tool-install/errors.js";

/**
 * `gantry tools`'s installer (addTool, listTools, removeTool, toolArch), loaded on use: it and the
 * setup-* actions bring semver, which no run without a setup-* step needs.
 */
export function loadToolInstaller(): Promise<typeof import("./tool-install/index.js")> {
  return import("./tool-install/index.js");
}

export type { BuiltInDeps, JobStores } from "./built-in-deps.js";

/** `owner/repo[/path]` of a `uses:` reference, without its `@ref`. */
function actionName(uses: string): string {
  return uses.split("@")[0].toLowerCase();
}

/**
 * Actions gantry implements itself, so that the commonest workflows run offline: their names here,
 * their code (built-ins.ts: checkout, cache, artifacts, setup-*, with picomatch, semver and zip)
 * loaded when a step first uses one, so that a run of `run:` steps does not compile it.
 */
const BUILT_IN_NAMES: ReadonlySet<string> = new Set([
  "actions/checkout",
  "actions/cache",
  "actions/cache/restore",
  "actions/cache/save",
  "actions/upload-artifact",
  "actions/download-artifact",
  "actions/setup-go",
  "actions/setup-java",
  "actions/setup-node",
  "actions/setup-python",
]);

/** The names of the built-in actions (for the test that they match built-ins.ts's table). */
export function builtInNames(): string[] {
  return [...BUILT_IN_NAMES];
}

export class BuiltInActions implements BuiltInProvider {
  constructor(private readonly deps: BuiltInDeps = {}) {}

  provides(uses: string): boolean {
    return BUILT_IN_NAMES.has(actionName(uses));
  }

  async runAction(req: ActionStepRequest): Promise<ActionStepResult> {
    const name = actionName(req.uses);
    if (BUILT_IN_NAMES.has(name)) {
      const { BUILT_IN } = await import("./built-ins.js");
      return BUILT_IN[name](req, this.deps);
    }
    return {
      ok: false,
      error: `Action '${req.uses}' is not available: gantry run implements ${[...BUILT_IN_NAMES].join(", ")} itself and does not fetch other actions yet.`,
    };
  }
}
export { checkRemoteActions } from "./check-remote-actions.js";
