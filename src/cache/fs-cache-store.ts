import { createHash, randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import type { CacheEntry, CacheFiles, CacheQuery, CacheSaveResult, CacheStore } from "../actions/index.js";
import { type Compression, createArchive, detectCompression, extractArchive } from "./tar.js";

const ENTRY_FILE = "entry.json";
/** What a save killed half-way left in tmp/ is removed once it is this old. */
const STALE_TMP_MS = 24 * 60 * 60 * 1000;
const ARCHIVE_FILE = "archive";

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Whether the rename failed because the target entry exists already. */
function isExists(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "EEXIST" || code === "ENOTEMPTY";
}

export interface FsCacheStoreOptions {
  /** The folder the store owns. */
  root: string;
  /** Overrides zstd/gzip detection. */
  compression?: Compression;
  /** The clock entries are stamped with (tests). */
  now?: () => number;
}

/**
 * Cache entries as folders on disk: `entries/<scope hash>/<version>/<key hash>/` holding the
 * archive and `entry.json`. An entry is built in `tmp/` and renamed into place, so it appears
 * whole or not at all, and a second save of the same (scope, key, version) finds it taken.
 */
export class FsCacheStore implements CacheStore {
  private readonly root: string;
  private readonly clock: () => number;
  private chosen?: Compression;
  private swept = false;

  constructor(opts: FsCacheStoreOptions) {
    this.root = opts.root;
    this.chosen = opts.compression;
    this.clock = opts.now ?? Date.now;
  }

  get compression(): Compression {
    this.chosen ??= detectCompression();
    return this.chosen;
  }

  private entryDir(scope: string, key: string, version: string): string {
    return join(this.root, "entries", hash(scope).slice(0, 32), hash(version).slice(0, 32), hash(key));
  }

  /** Every readable entry of one scope and version. */
  private async entriesOf(scope: string, version: string): Promise<CacheEntry[]> {
    const dir = join(this.root, "entries", hash(scope).slice(0, 32), hash(version).slice(0, 32));
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: CacheEntry[] = [];
    for (const name of names) {
      try {
        out.push(JSON.parse(await readFile(join(dir, name, ENTRY_FILE), "utf8")) as CacheEntry);
      } catch {
        // not an entry (never happens for renamed entries; tolerate strays)
      }
    }
    return out;
  }

  async lookup(query: CacheQuery): Promise<CacheEntry | undefined> {
    const keys = [query.key, ...query.restoreKeys];
    for (const scope of query.scopes) {
      const entries = await this.entriesOf(scope, query.version);
      if (entries.length === 0) continue;
      for (const key of keys) {
        const exact = entries.find((e) => e.key === key);
        if (exact) return exact;
        const newest = entries
          .filter((e) => e.key.startsWith(key))
          .sort((a, b) => b.createdAt - a.createdAt || (a.key < b.key ? -1 : 1))[0];
        if (newest) return newest;
      }
    }
    return undefined;
  }

  async restore(query: CacheQuery, workspace: string): Promise<CacheEntry | undefined> {
    const entry = await this.lookup(query);
    if (!entry) return undefined;
    await mkdir(workspace, { recursive: true });
    const dir = this.entryDir(entry.scope, entry.key, entry.version);
    await extractArchive(join(dir, ARCHIVE_FILE), workspace, this.compressionOf(entry));
    return entry;
  }

  private compressionOf(entry: CacheEntry): Compression {
    return (entry as CacheEntry & { compression?: Compression }).compression ?? this.compression;
  }

  async save(
    id: { scope: string; key: string; version: string },
    files: CacheFiles,
  ): Promise<CacheSaveResult> {
    const target = this.entryDir(id.scope, id.key, id.version);
    const taken = await stat(target).then(
      () => true,
      () => false,
    );
    if (taken) return { saved: false, reason: "exists" };
    const tmpRoot = join(this.root, "tmp");
    if (!this.swept) {
      this.swept = true;
      await sweepStale(tmpRoot, this.clock());
    }
    const building = join(tmpRoot, randomUUID());
    const listFile = `${building}.list`;
    await mkdir(building, { recursive: true });
    try {
      const names = files.paths.map((p) => {
        const rel = relative(files.workspace, p);
        const inside = rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
        return inside ? rel || "." : p;
      });
      await writeFile(listFile, names.map((n) => `${n}\0`).join(""));
      const archive = join(building, ARCHIVE_FILE);
      const compression = this.compression;
      await createArchive(archive, files.workspace, listFile, compression);
      const entry: CacheEntry & { compression: Compression } = {
        scope: id.scope,
        key: id.key,
        version: id.version,
        createdAt: this.clock(),
        size: (await stat(archive)).size,
        compression,
      };
      await writeFile(join(building, ENTRY_FILE), JSON.stringify(entry));
      await mkdir(join(target, ".."), { recursive: true });
      try {
        await rename(building, target);
      } catch (err) {
        if (isExists(err)) return { saved: false, reason: "exists" };
        throw err;
      }
      return { saved: true, entry };
    } finally {
      await rm(listFile, { force: true });
      await rm(building, { recursive: true, force: true });
    }
  }
}

/** Removes what saves killed long ago left in the temporary folder (never an entry). */
async function sweepStale(dir: string, now: number): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_TMP_MS) await rm(path, { recursive: true, force: true });
  }
}
