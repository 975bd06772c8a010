import { join } from "node:path";
import type { ActionStepRequest, ActionStepResult } from "../runner/index.js";
import { ActionStore } from "./action-store.js";
import { downloadArtifactAction, type RunRepository, uploadArtifactAction } from "./artifact-actions.js";
import { cacheAction, cacheRestoreAction, cacheSaveAction } from "./cache-action.js";
import { checkout } from "./checkout.js";
import type { BuiltInProvider } from "./run-action.js";
import { setupGo, setupJava, setupNode, setupPython } from "./setup-tools/index.js";
import type { ArtifactStore, CacheStore, RepositorySource } from "./stores.js";

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
export { cacheScopes, cacheVersion, scopeParts } from "./cache-action.js";
export { ActionRunner, type ActionSource, type ResolvedAction } from "./run-action.js";
export { toolArch } from "./setup-tools/index.js";
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
export { addTool, listTools, removeTool, ToolInstallError } from "./tool-install/index.js";

/** The stores of one step, made from its environment (see BuiltInDeps.jobStores). */
export interface JobStores {
  cache?: CacheStore;
  artifacts?: ArtifactStore;
}

/** The stores the built-in cache and artifact actions work with. */
export interface BuiltInDeps {
  /** The cache store, in this process (`gantry run`, the server's own jobs). */
  cache?: CacheStore;
  /** The artifact store, in this process. */
  artifacts?: ArtifactStore;
  /**
   * For a runner on another machine, which shares no store with the server: the stores of each
   * step, made from its environment (the job's ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL), e.g.
   * `(env) => ({ cache: HttpCacheStore.fromEnv(env), artifacts: HttpArtifactStore.fromEnv(env) })`.
   * Asked only where `cache` or `artifacts` is not given.
   */
  jobStores?: (env: Record<string, string>) => JobStores;
  /** The repository of a run, where runs of many repositories share the artifact store (the server). */
  runRepository?: RunRepository;
  /** Where actions/checkout finds other repositories and submodules (the action store). */
  repositories?: RepositorySource;
}

type BuiltIn = (req: ActionStepRequest, deps: BuiltInDeps) => Promise<ActionStepResult>;

/** `owner/repo[/path]` of a `uses:` reference, without its `@ref`. */
function actionName(uses: string): string {
  return uses.split("@")[0].toLowerCase();
}

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
const BUILT_IN: Record<string, BuiltIn> = {
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

export class BuiltInActions implements BuiltInProvider {
  constructor(private readonly deps: BuiltInDeps = {}) {}

  provides(uses: string): boolean {
    return BUILT_IN[actionName(uses)] !== undefined;
  }

  async runAction(req: ActionStepRequest): Promise<ActionStepResult> {
    const impl = BUILT_IN[actionName(req.uses)];
    if (impl) return impl(req, this.deps);
    return {
      ok: false,
      error: `Action '${req.uses}' is not available: gantry run implements ${Object.keys(BUILT_IN).join(", ")} itself and does not fetch other actions yet.`,
    };
  }
}
export { checkRemoteActions } from "./check-remote-actions.js";
