export { DEFAULT_EVICTION, type EvictionPolicy, type StoredEntry } from "./eviction.js";
export { FsCacheStore, type FsCacheStoreOptions, type PruneResult } from "./fs-cache-store.js";
export { formatSize, parseSize } from "./size.js";
export type { Compression } from "./tar.js";
