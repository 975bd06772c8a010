import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  ArtifactError,
  type ArtifactInfo,
  type ArtifactUpload,
  artifactPathProblem,
} from "../actions/index.js";
import { type BlobStore, readBlobText } from "../blobs/index.js";
import type { RunArtifactStore } from "./run-artifact-store.js";
import {
  artifactExists,
  artifactInfo,
  checkArtifactName,
  checkedRunId,
  uploadEntries,
} from "./upload-checks.js";
import type { ZipSource } from "./zip-write.js";
import { crc32 } from "./zlib-on-use.js";

/** What an artifact's manifest blob holds: its info, where its files' bytes are, and each file. */
interface Manifest {
  info: ArtifactInfo;
  /** The folder of this copy's bytes: `artifacts/<run>/data/<upload>/<n>`. */
  upload: string;
  files: { name: string; size: number; crc: number; sha256: string }[];
}

/** A file's sha256 and CRC-32, in one read. */
function digestFile(path: string): Promise<{ sha256: string; crc: number }> {
  return new Promise((done, fail) => {
    const h = createHash("sha256");
    let crc = 0;
    createReadStream(path)
      .on("data", (c) => {
        h.update(c);
        crc = crc32(c as Buffer, crc);
      })
      .on("error", fail)
      .on("end", () => done({ sha256: h.digest("hex"), crc: crc >>> 0 }));
  });
}

export interface BlobArtifactStoreOptions {
  blobs: BlobStore;
  /** The clock for creation and expiry (tests). */
  now?: () => number;
}

/**
 * Artifacts in a blob store (`gantry serve --blobs URL`), under `artifacts/<run id>/`:
 *   `<name hash>[-<attempt>].json`   the manifest: info and files (written last: the artifact appears whole)
 *   `data/<upload id>/<n>`           the bytes of the manifest's n-th file
 *   `ids/<n>`                        artifact ids claimed (one write that only the first makes)
 * No blob key holds a name a user chose: names and paths live only inside the manifest, so no
 * artifact name or file path can reach outside its run's prefix.
 */
export class BlobArtifactStore implements RunArtifactStore {
  private readonly blobs: BlobStore;
  private readonly clock: () => number;

  constructor(opts: BlobArtifactStoreOptions) {
    this.blobs = opts.blobs;
    this.clock = opts.now ?? Date.now;
  }

  private runPrefix(runId: string): string {
    return `artifacts/${checkedRunId(runId)}/`;
  }

  private manifestKey(runId: string, name: string, attempt: number): string {
    const hash = createHash("sha256").update(name.toLowerCase()).digest("hex");
    return `${this.runPrefix(runId)}${attempt > 1 ? `${hash}-${attempt}` : hash}.json`;
  }

  private async readManifest(key: string): Promise<Manifest | undefined> {
    const text = await readBlobText(this.blobs, key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as Manifest;
    } catch {
      return undefined;
    }
  }

  private live(m: Manifest): boolean {
    return Date.parse(m.info.expiresAt) > this.clock();
  }

  /** The manifests of a run: every one, or of each name the newest attempt's up to `attempt`. */
  private async manifests(
    runId: string,
    opts: { attempt?: number; name?: string; all?: boolean } = {},
  ): Promise<{ key: string; manifest: Manifest }[]> {
    const prefix = this.runPrefix(runId);
    const wanted =
      opts.name === undefined
        ? undefined
        : createHash("sha256").update(opts.name.toLowerCase()).digest("hex");
    const newest = new Map<string, { key: string; attempt: number }>();
    const all: string[] = [];
    for (const b of await this.blobs.list(prefix)) {
      const m = /^([0-9a-f]{64})(?:-([1-9][0-9]{0,8}))?\.json$/.exec(b.key.slice(prefix.length));
      if (!m || (wanted !== undefined && m[1] !== wanted)) continue;
      all.push(b.key);
      const attempt = m[2] ? Number(m[2]) : 1;
      if (opts.attempt !== undefined && attempt > opts.attempt) continue;
      const seen = newest.get(m[1]);
      if (!seen || seen.attempt < attempt) newest.set(m[1], { key: b.key, attempt });
    }
    const keys = opts.all ? all : [...newest.values()].map((n) => n.key);
    const out: { key: string; manifest: Manifest }[] = [];
    for (const key of keys) {
      const manifest = await this.readManifest(key);
      if (manifest && (opts.all || this.live(manifest))) out.push({ key, manifest });
    }
    return out;
  }

  private async find(runId: string, name: string, attempt?: number) {
    return (await this.manifests(runId, { name, attempt }))[0];
  }

  private async claimId(runId: string): Promise<number> {
    const prefix = `${this.runPrefix(runId)}ids/`;
    let n = (await this.blobs.list(prefix)).length + 1;
    while (!(await this.blobs.put(`${prefix}${n}`, { bytes: "" }, { ifAbsent: true }))) n++;
    return n;
  }

  async upload(upload: ArtifactUpload): Promise<ArtifactInfo> {
    checkArtifactName(upload);
    const conflict = () => artifactExists(upload);
    const attempt = upload.attempt ?? 1;
    const key = this.manifestKey(upload.runId, upload.name, attempt);
    const before = await this.readManifest(key);
    if (before && !upload.overwrite) throw conflict();

    const entries = uploadEntries(upload);

    const uploadId = randomUUID();
    const data = `${this.runPrefix(upload.runId)}data/${uploadId}/`;
    let stored = false;
    try {
      const files: Manifest["files"] = [];
      const digest = createHash("sha256");
      let size = 0;
      for (const [i, { file, name }] of entries.entries()) {
        const { sha256, crc } = await digestFile(file);
        const bytes = (await stat(file)).size;
        await this.blobs.put(`${data}${i}`, { file });
        files.push({ name, size: bytes, crc, sha256 });
        size += bytes;
        digest.update(`${name}\0${sha256}\n`);
      }
      const info = artifactInfo(upload, {
        id: await this.claimId(upload.runId),
        size,
        digest: `sha256:${digest.digest("hex")}`,
        now: this.clock(),
      });
      const manifest: Manifest = { info, upload: uploadId, files };
      stored = await this.blobs.put(
        key,
        { bytes: JSON.stringify(manifest) },
        { ifAbsent: !upload.overwrite },
      );
      if (!stored) throw conflict();
      if (before && before.upload !== uploadId)
        await this.blobs.removePrefix(`${this.runPrefix(upload.runId)}data/${before.upload}/`);
      return info;
    } finally {
      if (!stored) await this.blobs.removePrefix(data);
    }
  }

  async list(runId: string, attempt?: number): Promise<ArtifactInfo[]> {
    const out = (await this.manifests(runId, { attempt })).map((m) => m.manifest.info);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async runs(): Promise<string[]> {
    const ids = new Set<string>();
    for (const b of await this.blobs.list("artifacts/")) {
      const id = b.key.split("/")[1];
      if (id && /^[A-Za-z0-9_-]+$/.test(id)) ids.add(id);
    }
    return [...ids];
  }

  async files(runId: string, name: string): Promise<string[] | undefined> {
    return (await this.find(runId, name))?.manifest.files.map((f) => f.name).sort();
  }

  async contents(
    runId: string,
    name: string,
    attempt?: number,
  ): Promise<{ info: ArtifactInfo; files: ZipSource[] } | undefined> {
    const found = await this.find(runId, name, attempt);
    if (!found) return undefined;
    const { info, upload, files } = found.manifest;
    const data = `${this.runPrefix(runId)}data/${upload}/`;
    const mtime = new Date(info.createdAt);
    return {
      info,
      files: files.map((f, i) => ({
        name: f.name,
        size: f.size,
        crc: f.crc,
        mtime,
        open: async () => {
          const stream = await this.blobs.get(`${data}${i}`);
          if (!stream) throw new Error(`artifact '${name}' of run ${runId} lost its file ${f.name}`);
          return stream;
        },
      })),
    };
  }

  private async removeCopy(runId: string, key: string, manifest: Manifest): Promise<boolean> {
    const gone = await this.blobs.remove(key);
    await this.blobs.removePrefix(`${this.runPrefix(runId)}data/${manifest.upload}/`);
    return gone;
  }

  async remove(runId: string, name: string): Promise<ArtifactInfo | undefined> {
    const found = await this.find(runId, name);
    if (!found) return undefined;
    return (await this.removeCopy(runId, found.key, found.manifest)) ? found.manifest.info : undefined;
  }

  async removeRun(runId: string): Promise<ArtifactInfo[]> {
    const removed = (await this.manifests(runId, { all: true })).map((m) => m.manifest.info);
    await this.blobs.removePrefix(this.runPrefix(runId));
    return removed;
  }

  async prune(): Promise<ArtifactInfo[]> {
    const removed: ArtifactInfo[] = [];
    for (const runId of await this.runs()) {
      const copies = await this.manifests(runId, { all: true });
      for (const { key, manifest } of copies) {
        if (!this.live(manifest) && (await this.removeCopy(runId, key, manifest)))
          removed.push(manifest.info);
      }
      if (
        copies.length > 0 &&
        removed.length > 0 &&
        (await this.manifests(runId, { all: true })).length === 0
      )
        await this.blobs.removePrefix(this.runPrefix(runId));
    }
    return removed;
  }

  async download(runId: string, name: string, destination: string): Promise<ArtifactInfo> {
    const found = await this.find(runId, name);
    if (!found) throw new ArtifactError("artifact-not-found", `Artifact '${name}' not found`);
    const { info, upload, files } = found.manifest;
    const root = resolve(destination);
    await mkdir(root, { recursive: true });
    for (const [i, f] of files.entries()) {
      // The manifest's names passed artifactPathProblem at upload; checked again before writing.
      const to = resolve(root, ...f.name.split("/"));
      if (artifactPathProblem(f.name) || !to.startsWith(`${root}${sep}`))
        throw new ArtifactError("invalid-path", `artifact '${name}' names a file outside it: ${f.name}`);
      const stream = await this.blobs.get(`${this.runPrefix(runId)}data/${upload}/${i}`);
      if (!stream)
        throw new ArtifactError("artifact-not-found", `Artifact '${name}' lost its file ${f.name}`);
      await mkdir(dirname(to), { recursive: true });
      await rm(to, { force: true });
      await pipeline(stream, createWriteStream(to));
    }
    return info;
  }
}
