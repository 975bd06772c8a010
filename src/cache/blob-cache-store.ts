import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import type { CacheEntry, CacheFiles, CacheQuery, CacheSaveResult } from "../actions/index.js";
import { type BlobStore, readBlobText } from "../blobs/index.js";
import type { Sandbox } from "../sandbox/index.js";
import { chooseEvictions, type EvictionPolicy, type StoredEntry } from "./eviction.js";
import type { CacheArchive, PruneResult, ServerCacheStore } from "./server-cache-store.js";
import { type Compression, createArchive, detectCompression, extractArchive } from "./tar.js";

type EntryId = { scope: string; key: string; version: string };
/** An entry as its blob holds it: which archive blob has its bytes. */
type StoredMeta = CacheEntry & { compression: Compression; archive: string };

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface BlobCacheStoreOptions {
  blobs: BlobStore;
  /** A local folder for archives being made or restored (never shared). */
  tmpDir: string;
  /** Overrides zstd/gzip detection. */
  compression?: Compression;
  /** The clock entries are stamped with (tests). */
  now?: () => number;
  /** Evict after every save by this policy. */
  eviction?: EvictionPolicy;
}

/**
 * Cache entries in a blob store (`gantry serve --blobs URL`), under `cache/`:
 *   `entries/<scope hash>/<version hash>/<key hash>.json`  the entry (written last, only if absent:
 *                                                          of two saves of one key one wins)
 *   `archives/<id>`                                        its archive
 *   `used/<scope hash>/<version hash>/<key hash>`          its last use (ms), for eviction
 * Keys are hashes: nothing a workflow writes (cache keys, paths, refs) is part of a blob key.
 * Archives go to and come from the store as streams through a local temporary file.
 */
export class BlobCacheStore implements ServerCacheStore {
  private readonly blobs: BlobStore;
  private readonly tmpDir: string;
  private readonly clock: () => number;
  private chosen?: Compression;
  private readonly eviction?: EvictionPolicy;

  constructor(opts: BlobCacheStoreOptions) {
    this.blobs = opts.blobs;
    this.tmpDir = opts.tmpDir;
    this.chosen = opts.compression;
    this.clock = opts.now ?? Date.now;
    this.eviction = opts.eviction;
  }

  get compression(): Compression {
    this.chosen ??= detectCompression();
    return this.chosen;
  }

  private folder(scope: string, version: string): string {
    return `${hash(scope).slice(0, 32)}/${hash(version).slice(0, 32)}/`;
  }

  private entryKey(id: EntryId): string {
    return `cache/entries/${this.folder(id.scope, id.version)}${hash(id.key)}.json`;
  }

  private usedKey(id: EntryId): string {
    return `cache/used/${this.folder(id.scope, id.version)}${hash(id.key)}`;
  }

  private async readMeta(key: string): Promise<StoredMeta | undefined> {
    const text = await readBlobText(this.blobs, key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as StoredMeta;
    } catch {
      return undefined;
    }
  }

  private async entriesOf(scope: string, version: string): Promise<StoredMeta[]> {
    const out: StoredMeta[] = [];
    for (const b of await this.blobs.list(`cache/entries/${this.folder(scope, version)}`)) {
      const meta = await this.readMeta(b.key);
      if (meta) out.push(meta);
    }
    return out;
  }

  private async find(query: CacheQuery): Promise<StoredMeta | undefined> {
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

  /** The entry as the cache's callers see it (no storage details). */
  private static entryOf(meta: StoredMeta): CacheEntry & { compression: Compression } {
    const { archive: _, ...entry } = meta;
    return entry;
  }

  async lookup(query: CacheQuery): Promise<CacheEntry | undefined> {
    const found = await this.find(query);
    return found && BlobCacheStore.entryOf(found);
  }

  private async markUsed(id: EntryId): Promise<void> {
    await this.blobs.put(this.usedKey(id), { bytes: String(this.clock()) });
  }

  async restore(query: CacheQuery, workspace: string, sandbox?: Sandbox): Promise<CacheEntry | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = await this.find(query);
      if (!found) return undefined;
      const stream = await this.blobs.get(`cache/archives/${found.archive}`);
      if (!stream) continue; // evicted between the lookup and the read: look again
      await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
      const held = join(this.tmpDir, `${randomUUID()}.restore`);
      try {
        await pipeline(stream, createWriteStream(held, { mode: 0o644 }));
        await this.markUsed(found);
        await mkdir(workspace, { recursive: true });
        await extractArchive(held, workspace, found.compression, sandbox);
      } finally {
        await rm(held, { force: true });
      }
      return BlobCacheStore.entryOf(found);
    }
    return undefined;
  }

  async list(): Promise<StoredEntry[]> {
    const used = new Map<string, number>();
    for (const b of await this.blobs.list("cache/used/")) {
      const at = Number(await readBlobText(this.blobs, b.key));
      if (Number.isFinite(at)) used.set(b.key.slice("cache/used/".length), at);
    }
    const out: StoredEntry[] = [];
    for (const b of await this.blobs.list("cache/entries/")) {
      const meta = await this.readMeta(b.key);
      if (!meta) continue;
      const last = used.get(b.key.slice("cache/entries/".length).replace(/\.json$/, ""));
      out.push({ ...BlobCacheStore.entryOf(meta), lastUsedAt: Math.max(meta.createdAt, last ?? 0) });
    }
    return out;
  }

  async remove(id: EntryId): Promise<boolean> {
    const meta = await this.readMeta(this.entryKey(id));
    if (!meta) return false;
    // The entry blob goes first: from then on no lookup finds it, and its archive can go.
    const gone = await this.blobs.remove(this.entryKey(id));
    await this.blobs.remove(`cache/archives/${meta.archive}`);
    await this.blobs.remove(this.usedKey(id));
    return gone;
  }

  async prune(policy: EvictionPolicy, opts: { dryRun?: boolean } = {}): Promise<PruneResult> {
    const chosen = chooseEvictions(await this.list(), policy, this.clock());
    const removed: StoredEntry[] = [];
    for (const entry of chosen) if (opts.dryRun || (await this.remove(entry))) removed.push(entry);
    return { removed, freed: removed.reduce((sum, e) => sum + e.size, 0) };
  }

  async save(id: EntryId, files: CacheFiles): Promise<CacheSaveResult> {
    if (await this.blobs.head(this.entryKey(id))) return { saved: false, reason: "exists" };
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    const building = join(this.tmpDir, randomUUID());
    const listFile = `${building}.list`;
    await mkdir(building, { recursive: true });
    try {
      const names = files.paths.map((p) => (isAbsolute(p) ? relative(files.workspace, p) || "." : p));
      await writeFile(listFile, names.map((n) => `${n}\0`).join(""));
      const archive = join(building, "archive");
      const compression = this.compression;
      await createArchive(archive, files.workspace, listFile, compression, files.recursive, files.sandbox);
      return await this.publish(id, archive, compression);
    } finally {
      await rm(listFile, { force: true });
      await rm(building, { recursive: true, force: true });
    }
  }

  /** Puts the archive, then the entry if the key is still free (else the archive goes again). */
  private async publish(id: EntryId, archive: string, compression: Compression): Promise<CacheSaveResult> {
    const archiveId = randomUUID();
    const meta: StoredMeta = {
      scope: id.scope,
      key: id.key,
      version: id.version,
      createdAt: this.clock(),
      size: (await stat(archive)).size,
      compression,
      archive: archiveId,
    };
    await this.blobs.put(`cache/archives/${archiveId}`, { file: archive });
    if (!(await this.blobs.put(this.entryKey(id), { bytes: JSON.stringify(meta) }, { ifAbsent: true }))) {
      await this.blobs.remove(`cache/archives/${archiveId}`);
      return { saved: false, reason: "exists" };
    }
    await this.blobs.put(this.usedKey(id), { bytes: String(meta.createdAt) });
    if (this.eviction) await this.prune(this.eviction);
    return { saved: true, entry: BlobCacheStore.entryOf(meta) };
  }

  async saveArchive(id: EntryId, archive: string, compression: Compression): Promise<CacheSaveResult> {
    if (await this.blobs.head(this.entryKey(id))) return { saved: false, reason: "exists" };
    try {
      return await this.publish(id, archive, compression);
    } finally {
      await rm(archive, { force: true });
    }
  }

  async openArchive(id: EntryId): Promise<CacheArchive | undefined> {
    const meta = await this.readMeta(this.entryKey(id));
    if (!meta) return undefined;
    const key = `cache/archives/${meta.archive}`;
    const info = await this.blobs.head(key);
    if (!info) return undefined;
    await this.markUsed(id);
    return {
      size: info.size,
      stream: async (range) => {
        const stream = await this.blobs.get(key, range);
        if (!stream) throw new Error("the cache entry was evicted while it was read");
        return stream;
      },
      close: async () => {},
    };
  }
}
