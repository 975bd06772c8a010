import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CacheEntry } from "../actions/index.js";
import type { StoredEntry } from "./eviction.js";

/** What an entry's folder holds. */
export const ENTRY_FILE = "entry.json";
export const ARCHIVE_FILE = "archive";
/** An empty file whose mtime is the entry's last use (restore or save): one utimes per use, atomic. */
export const USED_FILE = "used";

/** Stamps the entry in `dir` as used at `at`; false when the entry is gone (evicted meanwhile). */
export async function markUsed(dir: string, at: number): Promise<boolean> {
  const file = join(dir, USED_FILE);
  const when = new Date(at);
  try {
    await utimes(file, when, when);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  // An entry from before last use was recorded: create the file, if the entry is still there.
  if (!(await stat(join(dir, ENTRY_FILE)).catch(() => undefined))) return false;
  await writeFile(file, "");
  await utimes(file, when, when);
  return true;
}

/** The entry in `dir` with its last use, or undefined when `dir` holds no entry. */
async function readEntry(dir: string): Promise<(StoredEntry & { dir: string }) | undefined> {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(await readFile(join(dir, ENTRY_FILE), "utf8")) as CacheEntry;
  } catch {
    return undefined;
  }
  const used = await stat(join(dir, USED_FILE)).catch(() => undefined);
  // utimes goes through seconds as a float: round back to the millisecond it was given.
  const lastUsedAt = used ? Math.max(entry.createdAt, Math.round(used.mtimeMs)) : entry.createdAt;
  return { ...entry, lastUsedAt, dir };
}

async function subdirs(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.map((n) => join(dir, n));
}

/** Every entry under `entries/<scope>/<version>/<key>/`, with the folder it lives in. */
export async function listEntryDirs(root: string): Promise<(StoredEntry & { dir: string })[]> {
  const out: (StoredEntry & { dir: string })[] = [];
  for (const scope of await subdirs(join(root, "entries"))) {
    for (const version of await subdirs(scope)) {
      for (const dir of await subdirs(version)) {
        const entry = await readEntry(dir);
        if (entry) out.push(entry);
      }
    }
  }
  return out;
}

/**
 * Removes the entry in `dir`: one rename into `trash/` takes it out of the store at once (a
 * restore that already holds its archive keeps reading it), then the files are deleted. A kill
 * between the two leaves only trash, which the next removal clears. False when it was gone already.
 */
export async function removeEntryDir(root: string, dir: string): Promise<boolean> {
  const trash = join(root, "trash");
  await mkdir(trash, { recursive: true });
  const doomed = join(trash, randomUUID());
  try {
    await rename(dir, doomed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  await rm(doomed, { recursive: true, force: true });
  return true;
}

/** Deletes what removals killed half-way left in `trash/` (never a live entry). */
export async function emptyTrash(root: string): Promise<void> {
  for (const path of await subdirs(join(root, "trash"))) await rm(path, { recursive: true, force: true });
}
