export type { ArtifactService, ArtifactServiceOptions } from "./artifact-service.js";
export { BlobArtifactStore, type BlobArtifactStoreOptions } from "./blob-artifact-store.js";
export { FsArtifactStore, type FsArtifactStoreOptions } from "./fs-artifact-store.js";
export { HttpArtifactStore, type HttpArtifactStoreOptions } from "./http-artifact-store.js";
export type { RunArtifactStore } from "./run-artifact-store.js";
export { extractZip, ZipError } from "./zip-read.js";
export { type ZipSource, zipFiles } from "./zip-write.js";

/** The artifact service class, loaded on demand (it brings Hono; see loadCacheService). */
export async function loadArtifactService(): Promise<typeof import("./artifact-service.js").ArtifactService> {
  return (await import("./artifact-service.js")).ArtifactService;
}
