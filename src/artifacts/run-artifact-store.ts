import type { ArtifactInfo, ArtifactStore } from "../actions/index.js";
import type { ZipSource } from "./zip-write.js";

/**
 * What the server asks of an artifact store beyond what jobs' actions do: the zip of an artifact,
 * removal, and retention. FsArtifactStore (a folder, `gantry run` and the server by default) and
 * BlobArtifactStore (a blob store: `gantry serve --blobs URL`) hold it.
 */
export interface RunArtifactStore extends ArtifactStore {
  /** The ids of the runs that have stored artifacts (expired ones included). */
  runs(): Promise<string[]>;
  /** The paths of an artifact's files, sorted, `/`-separated; undefined when not stored or expired. */
  files(runId: string, name: string): Promise<string[] | undefined>;
  /** An artifact's files for a zip (the newest attempt's copy, up to `attempt`); undefined when not stored. */
  contents(
    runId: string,
    name: string,
    attempt?: number,
  ): Promise<{ info: ArtifactInfo; files: ZipSource[] } | undefined>;
  /** Deletes an artifact (the newest attempt's copy); undefined when it was not there. */
  remove(runId: string, name: string): Promise<ArtifactInfo | undefined>;
  /** Removes every artifact of the run, expired or not; the artifacts removed. */
  removeRun(runId: string): Promise<ArtifactInfo[]>;
  /** Removes every artifact past its retention; the artifacts removed. */
  prune(): Promise<ArtifactInfo[]>;
}
