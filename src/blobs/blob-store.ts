import type { Readable } from "node:stream";

/** One stored blob: its key, its size in bytes and when it was last written (ms since the epoch). */
export interface BlobInfo {
  key: string;
  size: number;
  modifiedAt: number;
}

/** What to store: a file on this machine (streamed, never read whole) or a few bytes. */
export type BlobBody = { file: string } | { bytes: Uint8Array | string };

/** An inclusive byte range of a blob, as HTTP's `Range: bytes=start-end`. */
export interface BlobRange {
  start: number;
  end: number;
}

/**
 * Where the server keeps what is too big or too many for the database: job logs, artifacts and
 * cache entries. Keys are `/`-separated paths made by gantry (see checkBlobKey), never by a user.
 * Every write is whole or nothing: a reader sees the old blob, the new one or none, never part.
 * Two implementations: a directory (`file:///…`, local or a shared mount) and S3-compatible object
 * storage (`s3://bucket/prefix?endpoint=…&region=…`).
 */
export interface BlobStore {
  /** What the store is, for logs and errors: its URL without credentials. */
  readonly description: string;
  /**
   * Stores `body` under `key`, replacing what was there; with `ifAbsent`, only when nothing is
   * stored under `key` yet (of two such writes one wins). False when `ifAbsent` found it taken.
   */
  put(key: string, body: BlobBody, opts?: { ifAbsent?: boolean }): Promise<boolean>;
  /** A stream of the blob (or of `range` of it); undefined when nothing is stored under `key`. */
  get(key: string, range?: BlobRange): Promise<Readable | undefined>;
  /** The blob's size and time; undefined when nothing is stored under `key`. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Every blob whose key starts with `prefix` (a folder: ends with `/`), sorted by key. */
  list(prefix: string): Promise<BlobInfo[]>;
  /** Deletes a blob; false when it was not there. */
  remove(key: string): Promise<boolean>;
  /** Deletes every blob under `prefix` (a folder: ends with `/`); how many went. */
  removePrefix(prefix: string): Promise<number>;
}

/** A key or prefix gantry built wrongly: a bug, never a user's input reaching the store. */
export class BlobKeyError extends Error {
  readonly code = "invalid-blob-key";
  constructor(message: string) {
    super(message);
    this.name = "BlobKeyError";
  }
}

/**
 * Refuses a key that could leave its place: empty segments, `.` and `..`, segments starting with a
 * dot (the stores' own), backslashes, control characters, or over 1024 bytes (S3's limit).
 */
export function checkBlobKey(key: string): string {
  if (Buffer.byteLength(key, "utf8") > 1024)
    throw new BlobKeyError(`blob key is over 1024 bytes: ${key.slice(0, 80)}…`);
  const segments = key.split("/");
  for (const s of segments) {
    if (s === "" || s.startsWith(".") || /[\\\u0000-\u001f\u007f]/.test(s))
      throw new BlobKeyError(`invalid blob key '${key}': each '/'-separated part must be a plain name`);
  }
  return key;
}

/** A prefix to list or remove under: a key-like path ending with `/`, or "" for everything. */
export function checkBlobPrefix(prefix: string): string {
  if (prefix === "") return prefix;
  if (!prefix.endsWith("/")) throw new BlobKeyError(`invalid blob prefix '${prefix}': it must end with '/'`);
  checkBlobKey(prefix.slice(0, -1));
  return prefix;
}

/** A small blob's text (JSON metadata); undefined when it is not stored. */
export async function readBlobText(store: BlobStore, key: string): Promise<string | undefined> {
  const stream = await store.get(key);
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}
