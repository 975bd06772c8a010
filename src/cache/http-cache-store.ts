import { mkdtemp, open, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import type { CacheEntry, CacheFiles, CacheQuery, CacheSaveResult, CacheStore } from "../actions/index.js";
import type { Sandbox } from "../sandbox/index.js";
import {
  archiveCompression,
  type Compression,
  createArchive,
  detectCompression,
  extractArchive,
} from "./tar.js";
import { TwirpError } from "./twirp.js";
import { callTwirp, getBlobFile, putBlobFile, type ServicesEnv, servicesEnvOf } from "./twirp-client.js";

const SERVICE = "github.actions.results.api.v1.CacheService";

export interface HttpCacheStoreOptions {
  /** The job's ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL. */
  services: ServicesEnv;
  /** Where archives are made and fetched (removed after); default: the OS's temp folder. */
  tmpDir?: string;
  /** Default: zstd when the machine has it, else gzip (as @actions/cache chooses). */
  compression?: Compression;
}

/**
 * The built-in actions/cache on a runner machine: the server's cache service over HTTP, as
 * @actions/cache uses it with ACTIONS_CACHE_SERVICE_V2 (twirp GetCacheEntryDownloadURL,
 * CreateCacheEntry, FinalizeCacheEntryUpload, and the signed blob URLs), with the job's token. The
 * scopes the job reads and writes are its token's: a query's `scopes` and a save's `scope` are
 * what cacheScopes gives the job, which the token carries too. Nothing is shared with the server
 * but HTTP: archives are made and extracted here, in the job's sandbox when it has one.
 */
export class HttpCacheStore implements CacheStore {
  readonly compression: Compression;
  private readonly tmpDir: string;

  constructor(private readonly o: HttpCacheStoreOptions) {
    this.compression = o.compression ?? detectCompression();
    this.tmpDir = o.tmpDir ?? tmpdir();
  }

  /** The store a step's environment names (its ACTIONS_* variables), or undefined without them. */
  static fromEnv(
    env: Record<string, string | undefined>,
    opts: Omit<HttpCacheStoreOptions, "services"> = {},
  ): HttpCacheStore | undefined {
    const services = servicesEnvOf(env);
    return typeof services === "string" ? undefined : new HttpCacheStore({ ...opts, services });
  }

  private async find(query: CacheQuery): Promise<{ entry: CacheEntry; url: string } | undefined> {
    const answer = await callTwirp(this.o.services, SERVICE, "GetCacheEntryDownloadURL", {
      key: query.key,
      restore_keys: query.restoreKeys,
      version: query.version,
    });
    if (answer.ok !== true || typeof answer.signed_download_url !== "string") return undefined;
    const key = typeof answer.matched_key === "string" ? answer.matched_key : query.key;
    const createdAt = Date.parse(String(answer.created_at ?? ""));
    return {
      url: answer.signed_download_url,
      entry: {
        // The service says which of the job's scopes held it (gantry's field); else the job's own.
        scope: typeof answer.matched_scope === "string" ? answer.matched_scope : (query.scopes[0] ?? ""),
        key,
        version: query.version,
        createdAt: Number.isNaN(createdAt) ? Date.now() : createdAt,
        size: Number(answer.size_bytes ?? 0) || 0,
      },
    };
  }

  async lookup(query: CacheQuery): Promise<CacheEntry | undefined> {
    return (await this.find(query))?.entry;
  }

  async restore(query: CacheQuery, workspace: string, sandbox?: Sandbox): Promise<CacheEntry | undefined> {
    const found = await this.find(query);
    if (!found) return undefined;
    const dir = await mkdtemp(join(this.tmpDir, "gantry-cache-get-"));
    try {
      const archive = join(dir, "archive");
      await getBlobFile(found.url, archive);
      const head = new Uint8Array(4);
      const handle = await open(archive, "r");
      await handle.read(head, 0, 4, 0).finally(() => handle.close());
      const compression = archiveCompression(head);
      if (!compression)
        throw new Error("the cache entry downloaded is not a zstd or gzip compressed tar archive");
      await extractArchive(archive, workspace, compression, sandbox);
      return { ...found.entry, size: (await stat(archive)).size };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async save(
    id: { scope: string; key: string; version: string },
    files: CacheFiles,
  ): Promise<CacheSaveResult> {
    const dir = await mkdtemp(join(this.tmpDir, "gantry-cache-put-"));
    try {
      // Named as FsCacheStore names them: relative to the workspace, also outside it.
      const names = files.paths.map((p) => (isAbsolute(p) ? relative(files.workspace, p) || "." : p));
      const listFile = join(dir, "list");
      await writeFile(listFile, names.map((n) => `${n}\0`).join(""));
      const archive = join(dir, "archive");
      await createArchive(
        archive,
        files.workspace,
        listFile,
        this.compression,
        files.recursive,
        files.sandbox,
      );
      const size = (await stat(archive)).size;
      let created: Record<string, unknown>;
      try {
        created = await callTwirp(this.o.services, SERVICE, "CreateCacheEntry", {
          key: id.key,
          version: id.version,
        });
      } catch (err) {
        if (err instanceof TwirpError && err.code === "already_exists")
          return { saved: false, reason: "exists" };
        throw err;
      }
      if (typeof created.signed_upload_url !== "string")
        throw new Error("CreateCacheEntry: the service gave no upload URL");
      await putBlobFile(created.signed_upload_url, archive);
      try {
        await callTwirp(this.o.services, SERVICE, "FinalizeCacheEntryUpload", {
          key: id.key,
          version: id.version,
          size_bytes: String(size),
        });
      } catch (err) {
        if (err instanceof TwirpError && err.code === "already_exists")
          return { saved: false, reason: "exists" };
        throw err;
      }
      return { saved: true, entry: { ...id, createdAt: Date.now(), size } };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
