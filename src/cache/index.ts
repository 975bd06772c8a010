export { FsCacheStore, type FsCacheStoreOptions } from "./fs-cache-store.js";
export type { Compression } from "./tar.js";
