import { createHash, randomUUID } from "node:crypto";
import {
  copyFile,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import type { CacheEntry, CacheFiles, CacheQuery, CacheSaveResult } from "../actions/index.js";
import type { Sandbox } from "../sandbox/index.js";
import {
  ARCHIVE_FILE,
  ENTRY_FILE,
  emptyTrash,
  listEntryDirs,
  markUsed,
  removeEntryDir,
  USED_FILE,
} from "./entry-files.js";
import { chooseEvictions, type EvictionPolicy, type StoredEntry } from "./eviction.js";
import type { CacheArchive, PruneResult, ServerCacheStore } from "./server-cache-store.js";
import { type Compression, createArchive, detectCompression, extractArchive } from "./tar.js";

/** What a save or restore killed half-way left in tmp/ is removed once it is this old. */
const STALE_TMP_MS = 24 * 60 * 60 * 1000;
/** How often a restore looks again when the entry it found was evicted before it could open it. */
const RESTORE_ATTEMPTS = 3;

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
  /** Evict after every save by this policy; without it entries stay until pruned. */
  eviction?: EvictionPolicy;
}

/**
 * Cache entries as folders on disk: `entries/<scope hash>/<version>/<key hash>/` holding the
 * archive and `entry.json`. An entry is built in `tmp/` and renamed into place, so it appears
 * whole or not at all, and a second save of the same (scope, key, version) finds it taken.
 * Each restore and save stamps the entry's `used` file, which eviction orders entries by.
 */
export class FsCacheStore implements ServerCacheStore {
  private readonly root: string;
  private readonly clock: () => number;
  private chosen?: Compression;
  private readonly eviction?: EvictionPolicy;
  private swept = false;

  constructor(opts: FsCacheStoreOptions) {
    this.root = opts.root;
    this.chosen = opts.compression;
    this.clock = opts.now ?? Date.now;
    this.eviction = opts.eviction;
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

  /**
   * Restores the entry a lookup finds. The archive is first hard-linked into tmp/, so an eviction
   * that removes the entry meanwhile cannot pull it from under the extraction; if the entry went
   * before the link was made, the lookup runs again.
   */
  async restore(query: CacheQuery, workspace: string, sandbox?: Sandbox): Promise<CacheEntry | undefined> {
    for (let attempt = 0; attempt < RESTORE_ATTEMPTS; attempt++) {
      const entry = await this.lookup(query);
      if (!entry) return undefined;
      const dir = this.entryDir(entry.scope, entry.key, entry.version);
      const tmpRoot = join(this.root, "tmp");
      await mkdir(tmpRoot, { recursive: true });
      const held = join(tmpRoot, `${randomUUID()}.restore`);
      try {
        await link(join(dir, ARCHIVE_FILE), held);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      try {
        await markUsed(dir, this.clock());
        await mkdir(workspace, { recursive: true });
        await extractArchive(held, workspace, this.compressionOf(entry), sandbox);
      } finally {
        await rm(held, { force: true });
      }
      return entry;
    }
    return undefined;
  }

  /** Every entry in the store with its last use. */
  async list(): Promise<StoredEntry[]> {
    return (await listEntryDirs(this.root)).map(({ dir: _, ...entry }) => entry);
  }

  /** Removes one entry; false when it was not there. */
  async remove(id: { scope: string; key: string; version: string }): Promise<boolean> {
    return removeEntryDir(this.root, this.entryDir(id.scope, id.key, id.version));
  }

  /**
   * Removes the entries unused for longer than the policy's age and the least recently used ones
   * beyond its size (see chooseEvictions); with `dryRun`, only says which.
   */
  async prune(policy: EvictionPolicy, opts: { dryRun?: boolean } = {}): Promise<PruneResult> {
    const chosen = chooseEvictions(await listEntryDirs(this.root), policy, this.clock());
    const removed: StoredEntry[] = [];
    if (!opts.dryRun) await emptyTrash(this.root);
    for (const { dir, ...entry } of chosen) {
      if (opts.dryRun || (await removeEntryDir(this.root, dir))) removed.push(entry);
    }
    return { removed, freed: removed.reduce((sum, e) => sum + e.size, 0) };
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
      // Relative to the workspace, also outside it (`../../home/.npm`), as @actions/cache names
      // them: an entry restores into the restoring job's own HOME when its folders are laid out alike.
      const names = files.paths.map((p) => (isAbsolute(p) ? relative(files.workspace, p) || "." : p));
      await writeFile(listFile, names.map((n) => `${n}\0`).join(""));
      const archive = join(building, ARCHIVE_FILE);
      const compression = this.compression;
      await createArchive(archive, files.workspace, listFile, compression, files.recursive, files.sandbox);
      return await this.publish(building, target, id, compression);
    } finally {
      await rm(listFile, { force: true });
      await rm(building, { recursive: true, force: true });
    }
  }

  /** Renames `building` (holding the archive) into place as the entry, unless the key is taken. */
  private async publish(
    building: string,
    target: string,
    id: { scope: string; key: string; version: string },
    compression: Compression,
  ): Promise<CacheSaveResult> {
    const entry: CacheEntry & { compression: Compression } = {
      scope: id.scope,
      key: id.key,
      version: id.version,
      createdAt: this.clock(),
      size: (await stat(join(building, ARCHIVE_FILE))).size,
      compression,
    };
    await writeFile(join(building, ENTRY_FILE), JSON.stringify(entry));
    await writeFile(join(building, USED_FILE), "");
    await utimes(join(building, USED_FILE), new Date(entry.createdAt), new Date(entry.createdAt));
    await mkdir(join(target, ".."), { recursive: true });
    try {
      await rename(building, target);
    } catch (err) {
      if (isExists(err)) return { saved: false, reason: "exists" };
      throw err;
    }
    if (this.eviction) await this.prune(this.eviction);
    return { saved: true, entry };
  }

  /**
   * Stores an archive made elsewhere (an upload through the cache protocol) as (scope, key,
   * version), as atomically as save(); the file is moved (copied across filesystems).
   */
  async saveArchive(
    id: { scope: string; key: string; version: string },
    archive: string,
    compression: Compression,
  ): Promise<CacheSaveResult> {
    const target = this.entryDir(id.scope, id.key, id.version);
    if (await stat(target).catch(() => undefined)) return { saved: false, reason: "exists" };
    const building = join(this.root, "tmp", randomUUID());
    await mkdir(building, { recursive: true });
    try {
      const to = join(building, ARCHIVE_FILE);
      await rename(archive, to).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== "EXDEV") throw err;
        await copyFile(archive, to);
      });
      return await this.publish(building, target, id, compression);
    } finally {
      await rm(building, { recursive: true, force: true });
    }
  }

  /**
   * Opens the archive of an entry for reading and stamps its use; the open handle keeps the
   * bytes readable even if eviction removes the entry meanwhile. Undefined when it is not stored.
   */
  async openArchive(id: { scope: string; key: string; version: string }): Promise<CacheArchive | undefined> {
    const dir = this.entryDir(id.scope, id.key, id.version);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(join(dir, ARCHIVE_FILE), "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    await markUsed(dir, this.clock());
    return {
      size: (await handle.stat()).size,
      stream: async (range) => handle.createReadStream(range ? { start: range.start, end: range.end } : {}),
      close: () => handle.close(),
    };
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
