export { BlobCacheStore, type BlobCacheStoreOptions } from "./blob-cache-store.js";
export { blobErrorResponse, fileResponse, putBlobRequest, signedServiceUrl } from "./blob-http.js";
export type { CacheService, CacheServiceOptions } from "./cache-service.js";
export { DEFAULT_EVICTION, type EvictionPolicy, type StoredEntry } from "./eviction.js";
export { FsCacheStore, type FsCacheStoreOptions } from "./fs-cache-store.js";
export {
  isTokenProblem,
  type JobGrant,
  type JobLife,
  JobTokens,
  type JobTokensOptions,
  type TokenProblem,
} from "./job-tokens.js";
export type { CacheArchive, PruneResult, ServerCacheStore } from "./server-cache-store.js";
export { formatSize, parseSize } from "./size.js";
export { StagedBlob } from "./staged-blob.js";
export type { Compression } from "./tar.js";
export {
  int64Field,
  readTwirpBody,
  stringField,
  TwirpError,
  timestampField,
  twirpErrorResponse,
  twirpFailure,
} from "./twirp.js";

/**
 * The cache service class, loaded on demand: it brings Hono, which `gantry run` loads only when a
 * step calls the service (not on the way to the first step).
 */
export async function loadCacheService(): Promise<typeof import("./cache-service.js").CacheService> {
  return (await import("./cache-service.js")).CacheService;
}
export { HttpCacheStore, type HttpCacheStoreOptions } from "./http-cache-store.js";
export { callTwirp, getBlobFile, putBlobFile, type ServicesEnv, servicesEnvOf } from "./twirp-client.js";
