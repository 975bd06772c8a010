export { FsArtifactStore, type FsArtifactStoreOptions } from "./fs-artifact-store.js";
