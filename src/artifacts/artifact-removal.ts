import { randomUUID } from "node:crypto";
import { readdir, readFile, rename, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactInfo } from "../actions/index.js";

// What FsArtifactStore's remove and prune do to a run's folder (`<run id>/<name hash>/`).

/** The metadata of the artifact in `dir`, expired or not; undefined when there is none. */
export async function readInfo(dir: string): Promise<ArtifactInfo | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, "artifact.json"), "utf8")) as ArtifactInfo;
  } catch {
    return undefined;
  }
}

/** The artifact folders of a run folder (not its id markers, nor what uploads are building). */
export async function artifactDirs(runDir: string): Promise<string[]> {
  const names = await readdir(runDir).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith(".") && n !== "ids").map((n) => join(runDir, n));
}

/** Renames `dir` into trash in `runDir` (a download that started keeps its files), then deletes it. */
export async function removeDir(runDir: string, dir: string): Promise<boolean> {
  const trash = join(runDir, `.trash-${randomUUID()}`);
  try {
    await rename(dir, trash);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  await rm(trash, { recursive: true, force: true });
  return true;
}

/** Removes a run folder that holds no artifact any more (nor an upload under way). */
export async function removeIfEmpty(runDir: string): Promise<void> {
  const names = await readdir(runDir).catch(() => undefined);
  if (!names || names.some((n) => n !== "ids")) return;
  await rm(join(runDir, "ids"), { recursive: true, force: true });
  await rmdir(runDir).catch(() => undefined); // an upload started meanwhile: the run stays
}
