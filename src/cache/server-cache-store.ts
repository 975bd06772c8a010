import type { Readable } from "node:stream";
import type { CacheEntry, CacheSaveResult, CacheStore } from "../actions/index.js";
import type { EvictionPolicy, StoredEntry } from "./eviction.js";
import type { Compression } from "./tar.js";

/** An entry's archive opened for download: its size and a stream of it (or of a range). */
export interface CacheArchive {
  size: number;
  /** The bytes (an inclusive range of them); call once. */
  stream(range?: { start: number; end: number }): Promise<Readable>;
  /** Lets go of the archive when no stream was taken. */
  close(): Promise<void>;
}

/** What a prune removed (or would remove, on a dry run). */
export interface PruneResult {
  removed: StoredEntry[];
  freed: number;
}

type EntryId = { scope: string; key: string; version: string };

/**
 * What the server asks of a cache store beyond the built-in actions/cache: the cache protocol's
 * uploads and downloads, listing and eviction. FsCacheStore (a folder, `gantry run` and the server
 * by default) and BlobCacheStore (a blob store: `gantry serve --blobs URL`) hold it.
 */
export interface ServerCacheStore extends CacheStore {
  readonly compression: Compression;
  /** Stores an archive made elsewhere (an upload through the cache protocol); the file is moved or copied. */
  saveArchive(id: EntryId, archive: string, compression: Compression): Promise<CacheSaveResult>;
  /** Opens an entry's archive and stamps its use; undefined when it is not stored. */
  openArchive(id: EntryId): Promise<CacheArchive | undefined>;
  /** Every entry with its last use. */
  list(): Promise<StoredEntry[]>;
  /** Removes one entry; false when it was not there. */
  remove(id: EntryId): Promise<boolean>;
  /** Removes the entries the policy evicts; with `dryRun`, only says which. */
  prune(policy: EvictionPolicy, opts?: { dryRun?: boolean }): Promise<PruneResult>;
}

export type { CacheEntry };
