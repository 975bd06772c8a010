export { ArtifactService, type ArtifactServiceOptions } from "./artifact-service.js";
export { FsArtifactStore, type FsArtifactStoreOptions } from "./fs-artifact-store.js";
