import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { link, mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type BlobBody,
  type BlobInfo,
  BlobKeyError,
  type BlobRange,
  type BlobStore,
  checkBlobKey,
  checkBlobPrefix,
} from "./blob-store.js";

/** Where writes are assembled before they appear under their key (same filesystem: renames are atomic). */
const TMP = ".tmp";

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * Blobs as files under a directory (`file:///srv/gantry-blobs`), local or a shared mount (NFS,
 * CephFS …) that several servers see: a key is a path under the root. A write goes to `.tmp/` and
 * is renamed into place (or hard-linked, for `ifAbsent`: link fails when the key is taken, on every
 * POSIX filesystem, so of two such writes one wins).
 */
export class FileBlobStore implements BlobStore {
  readonly root: string;
  readonly description: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.description = `file://${this.root}`;
  }

  /** The file of a key, which never leaves the root (checked twice: the key's form, then the path). */
  private pathOf(key: string): string {
    checkBlobKey(key);
    const path = join(this.root, ...key.split("/"));
    const rel = relative(this.root, path);
    if (rel === "" || rel.startsWith(`..${sep}`) || rel === "..")
      throw new BlobKeyError(`blob key '${key}' leaves the store's directory`);
    return path;
  }

  async put(key: string, body: BlobBody, opts: { ifAbsent?: boolean } = {}): Promise<boolean> {
    const target = this.pathOf(key);
    const tmpDir = join(this.root, TMP);
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = join(tmpDir, randomUUID());
    try {
      if ("file" in body) {
        await pipeline(createReadStream(body.file), createWriteStream(tmp, { flags: "wx", mode: 0o600 }));
      } else {
        await writeFile(tmp, body.bytes, { mode: 0o600, flag: "wx" });
      }
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      if (!opts.ifAbsent) {
        await rename(tmp, target);
        return true;
      }
      try {
        await link(tmp, target);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw err;
      }
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async get(key: string, range?: BlobRange): Promise<Readable | undefined> {
    const path = this.pathOf(key);
    try {
      // The open handle keeps the bytes readable even if the blob is replaced or removed meanwhile.
      const handle = await open(path, "r");
      if ((await handle.stat()).isDirectory()) {
        await handle.close();
        return undefined;
      }
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === "EISDIR") return undefined;
      throw err;
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const info = await stat(this.pathOf(key)).catch((err) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    return info?.isFile() ? { key, size: info.size, modifiedAt: info.mtimeMs } : undefined;
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    checkBlobPrefix(prefix);
    const out: BlobInfo[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch((err) => {
        if (isMissing(err)) return [];
        throw err;
      });
      for (const e of entries) {
        if (e.name.startsWith(".")) continue;
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full, `${keyPrefix}${e.name}/`);
        else if (e.isFile()) {
          const info = await stat(full).catch(() => undefined);
          if (info) out.push({ key: `${keyPrefix}${e.name}`, size: info.size, modifiedAt: info.mtimeMs });
        }
      }
    };
    await walk(prefix === "" ? this.root : this.pathOf(prefix.slice(0, -1)), prefix);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async remove(key: string): Promise<boolean> {
    try {
      await unlink(this.pathOf(key));
      return true;
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === "EISDIR") return false;
      throw err;
    }
  }

  async removePrefix(prefix: string): Promise<number> {
    const found = await this.list(prefix);
    let n = 0;
    for (const b of found) if (await this.remove(b.key)) n++;
    if (prefix !== "") await rm(this.pathOf(prefix.slice(0, -1)), { recursive: true, force: true });
    return n;
  }
}
