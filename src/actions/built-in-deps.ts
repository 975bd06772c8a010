import type { RunRepository } from "./artifact-actions.js";
import type { ArtifactStore, CacheStore, RepositorySource } from "./stores.js";

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
