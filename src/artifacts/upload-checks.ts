// What every artifact store checks and builds the same way, whatever holds the bytes: the run id,
// the name, each file's place under the upload's root, the conflict message, and the info.
import { isAbsolute, relative, sep } from "node:path";
import {
  ArtifactError,
  type ArtifactInfo,
  type ArtifactUpload,
  artifactNameProblem,
  artifactPathProblem,
} from "../actions/index.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The run id, refused unless it is one a path or key may hold. */
export function checkedRunId(runId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new Error(`Invalid run id '${runId}'`);
  return runId;
}

/** Throws ArtifactError for an artifact name GitHub forbids. */
export function checkArtifactName(upload: ArtifactUpload): void {
  const problem = artifactNameProblem(upload.name);
  if (problem) throw new ArtifactError("invalid-name", problem);
}

/**
 * An upload's files, each with its `/`-separated path under the root, sorted by it; throws
 * ArtifactError for a file outside the root or with a path GitHub forbids.
 */
export function uploadEntries(upload: ArtifactUpload): Array<{ file: string; name: string }> {
  const entries = upload.files.map((file) => {
    const rel = relative(upload.rootDirectory, file);
    if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
      throw new ArtifactError(
        "invalid-path",
        `${file} is not inside the artifact root ${upload.rootDirectory}`,
      );
    }
    const name = rel.split(sep).join("/");
    const problem = artifactPathProblem(name);
    if (problem) throw new ArtifactError("invalid-path", problem);
    return { file, name };
  });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** GitHub's refusal of a second artifact of one name without `overwrite`. */
export function artifactExists(upload: ArtifactUpload): ArtifactError {
  return new ArtifactError(
    "artifact-exists",
    `Failed to CreateArtifact: an artifact with this name already exists on the workflow run: '${upload.name}'. Use a different name, or 'overwrite: true' to replace it.`,
  );
}

/** The info of a stored upload: created now, expiring after its retention. */
export function artifactInfo(
  upload: ArtifactUpload,
  stored: { id: number; size: number; digest: string; now: number },
): ArtifactInfo {
  return {
    id: stored.id,
    name: upload.name,
    runId: upload.runId,
    size: stored.size,
    digest: stored.digest,
    createdAt: new Date(stored.now).toISOString(),
    expiresAt: new Date(stored.now + upload.retentionDays * DAY_MS).toISOString(),
    attempt: upload.attempt ?? 1,
  };
}
