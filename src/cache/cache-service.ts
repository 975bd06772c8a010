import { open } from "node:fs/promises";
import { join } from "node:path";
import { type Context, Hono } from "hono";
import type { CacheEntry } from "../actions/index.js";
import {
  blobErrorResponse,
  fileResponse,
  putBlobRequest,
  signedServiceUrl,
  uploadBody,
} from "./blob-http.js";
import { isTokenProblem, type JobGrant, type JobTokens } from "./job-tokens.js";
import type { ServerCacheStore } from "./server-cache-store.js";
import { formatSize } from "./size.js";
import { StagedBlob, UploadError } from "./staged-blob.js";
import { archiveCompression } from "./tar.js";
import {
  int64Field,
  readLimitedText,
  readTwirpBody,
  stringField,
  stringListField,
  TwirpError,
  twirpErrorResponse,
  twirpFailure,
} from "./twirp.js";

const SERVICE = "github.actions.results.api.v1.CacheService";
const MAX_KEY_LENGTH = 512;

export interface CacheServiceOptions {
  store: ServerCacheStore;
  tokens: JobTokens;
  /** Where uploads are staged until they are finalised (removed when they are). */
  stagingDir: string;
  /** The largest entry accepted, in bytes. */
  maxEntrySize: number;
}

/** An entry being uploaded: reserved by CreateCacheEntry or POST caches, stored by the finalise or commit. */
interface PendingEntry {
  id: number;
  scope: string;
  key: string;
  version: string;
  jobId: string;
  /** The grant of the job uploading it: an upload is taken only while that job runs. */
  grant: JobGrant;
  blob: StagedBlob;
}

type Id = { scope: string; key: string; version: string };

function refOf(id: Id): string {
  return Buffer.from(JSON.stringify([id.scope, id.key, id.version])).toString("base64url");
}

function idOfRef(ref: string): Id | undefined {
  try {
    const [scope, key, version] = JSON.parse(Buffer.from(ref, "base64url").toString("utf8")) as string[];
    return typeof scope === "string" && typeof key === "string" && typeof version === "string"
      ? { scope, key, version }
      : undefined;
  } catch {
    return undefined;
  }
}

/** v1 errors: a JSON object whose `message` @actions/cache shows. */
function v1Error(status: 400 | 401 | 403 | 404 | 409 | 413, message: string): Response {
  return Response.json({ message, typeKey: "CacheServiceError" }, { status });
}

/**
 * The Actions cache service on a ServerCacheStore (a folder or a blob store), as a Hono app (web Request/Response):
 * - v2, the twirp `CacheService` @actions/cache uses with ACTIONS_CACHE_SERVICE_V2 (behind
 *   ACTIONS_RESULTS_URL): CreateCacheEntry hands out a signed upload URL that takes Azure Blob
 *   writes, FinalizeCacheEntryUpload stores the entry, GetCacheEntryDownloadURL finds one;
 * - v1, the `_apis/artifactcache` REST API (behind ACTIONS_CACHE_URL): GET cache, POST caches
 *   (reserve), PATCH caches/{id} (chunks with Content-Range), POST caches/{id} (commit);
 * - the signed download URL of an entry, with Range.
 * Entries are stored under the scope the job's token writes to (its ref) and found in the
 * scopes it reads, with the version the toolkit computes: those of the built-in actions/cache.
 * Every upload is staged apart and moved into the store only whole, checked and at its final
 * size, so a bad request never leaves a partial entry.
 */
export class CacheService {
  readonly app = new Hono();
  private readonly pending = new Map<number, PendingEntry>();
  private readonly finalized = new Set<number>();
  private nextId = 1;

  constructor(private readonly o: CacheServiceOptions) {
    const app = this.app;
    app.post(`/twirp/${SERVICE}/:method`, (c) => this.twirp(c));
    app.get("/_apis/artifactcache/cache", (c) => this.v1Lookup(c));
    app.get("/_apis/artifactcache/caches", (c) => this.v1List(c));
    app.post("/_apis/artifactcache/caches", (c) => this.v1Reserve(c));
    app.patch("/_apis/artifactcache/caches/:id", (c) => this.v1Chunk(c));
    app.post("/_apis/artifactcache/caches/:id", (c) => this.v1Commit(c));
    app.put("/_blob/cache/uploads/:id", (c) => this.blobPut(c));
    app.get("/_blob/cache/entries/:ref", (c) => this.blobGet(c));
  }

  /** The job ended: its unfinished uploads are dropped. */
  async endJob(jobId: string): Promise<void> {
    for (const p of [...this.pending.values()]) {
      if (p.jobId === jobId) await this.drop(p);
    }
  }

  private async drop(p: PendingEntry): Promise<void> {
    this.pending.delete(p.id);
    await p.blob.discard();
  }

  private async grantOf(c: Context): Promise<JobGrant> {
    const grant = await this.o.tokens.check(c.req.header("authorization"));
    if (isTokenProblem(grant)) {
      throw new TwirpError(grant.status === 401 ? "unauthenticated" : "permission_denied", grant.reason);
    }
    return grant;
  }

  /** `path` signed, under the services' URL the job was given (else where the request came to). */
  private signedUrl(c: Context, grant: JobGrant, path: string): string {
    return signedServiceUrl(c.req.url, grant, path, this.o.tokens.signPath(path));
  }

  private checkKey(key: string): void {
    if (key.length > MAX_KEY_LENGTH) {
      throw new TwirpError(
        "invalid_argument",
        `Key Validation Error: ${key} cannot be larger than 512 characters.`,
      );
    }
    if (key.includes(","))
      throw new TwirpError("invalid_argument", `Key Validation Error: ${key} cannot contain commas.`);
  }

  private async exists(id: Id): Promise<boolean> {
    const found = await this.o.store.lookup({
      scopes: [id.scope],
      key: id.key,
      restoreKeys: [],
      version: id.version,
    });
    return found?.key === id.key;
  }

  /** Reserves (scope, key, version) for the job; a TwirpError when it is stored or being uploaded. */
  private async reserve(grant: JobGrant, key: string, version: string): Promise<PendingEntry> {
    const scope = grant.cacheScopes[0];
    if (!scope)
      throw new TwirpError("permission_denied", "The job's token grants no cache scope to write to");
    const taken = `Unable to reserve cache with key ${key}, another job may be creating this cache. More details: cache entry with the same key, version, and scope already exists`;
    if (await this.exists({ scope, key, version })) throw new TwirpError("already_exists", taken);
    for (const p of this.pending.values()) {
      if (p.scope === scope && p.key === key && p.version === version)
        throw new TwirpError("already_exists", taken);
    }
    const id = this.nextId++;
    const entry: PendingEntry = {
      id,
      scope,
      key,
      version,
      jobId: grant.jobId,
      grant,
      blob: new StagedBlob(
        join(this.o.stagingDir, `cache-${id}`),
        this.o.maxEntrySize,
        "a cache entry (the cache's max_size)",
      ),
    };
    this.pending.set(id, entry);
    return entry;
  }

  /** Moves a staged archive of `size` bytes into the store, or says why not (and drops it). */
  private async store(p: PendingEntry, size: number): Promise<"saved" | "exists"> {
    try {
      const actual = await p.blob.size();
      if (size !== actual) {
        throw new TwirpError(
          "invalid_argument",
          `The size given (${size} bytes) does not match the ${actual} bytes uploaded: the upload is incomplete or the size is wrong; nothing was stored`,
        );
      }
      const head = new Uint8Array(4);
      const handle = await open(p.blob.path, "r");
      await handle.read(head, 0, 4, 0).finally(() => handle.close());
      const compression = archiveCompression(head);
      if (!compression) {
        throw new TwirpError(
          "invalid_argument",
          "The upload is not a zstd or gzip compressed tar archive; nothing was stored",
        );
      }
      const result = await this.o.store.saveArchive(p, p.blob.path, compression);
      this.finalized.add(p.id);
      return result.saved ? "saved" : "exists";
    } finally {
      await this.drop(p);
    }
  }

  private async find(grant: JobGrant, keys: string[], version: string): Promise<CacheEntry | undefined> {
    const [key, ...restoreKeys] = keys;
    return this.o.store.lookup({ scopes: grant.cacheScopes, key, restoreKeys, version });
  }

  // --- v2 (twirp) ---

  private async twirp(c: Context): Promise<Response> {
    try {
      const grant = await this.grantOf(c);
      const body = await readTwirpBody(c.req.raw);
      switch (c.req.param("method")) {
        case "CreateCacheEntry":
          return await this.createEntry(c, grant, body);
        case "FinalizeCacheEntryUpload":
          return await this.finalizeEntry(grant, body);
        case "GetCacheEntryDownloadURL":
          return await this.downloadUrl(c, grant, body);
        default:
          return twirpErrorResponse("bad_route", `${SERVICE} has no method ${c.req.param("method")}`);
      }
    } catch (err) {
      return twirpFailure(err);
    }
  }

  private async createEntry(c: Context, grant: JobGrant, body: Record<string, unknown>): Promise<Response> {
    const key = stringField(body, "key", true);
    const version = stringField(body, "version", true);
    this.checkKey(key);
    const p = await this.reserve(grant, key, version);
    return Response.json({
      ok: true,
      signed_upload_url: this.signedUrl(c, grant, `/_blob/cache/uploads/${p.id}`),
    });
  }

  private async finalizeEntry(grant: JobGrant, body: Record<string, unknown>): Promise<Response> {
    const key = stringField(body, "key", true);
    const version = stringField(body, "version", true);
    const size = int64Field(body, "size_bytes");
    if (size === undefined || size < 0) throw new TwirpError("invalid_argument", "size_bytes is required");
    const scope = grant.cacheScopes[0];
    const p = [...this.pending.values()].find(
      (e) => e.scope === scope && e.key === key && e.version === version,
    );
    if (!p) {
      throw new TwirpError(
        "not_found",
        `No upload of cache key ${key} (version ${version}) is in progress: create the entry first`,
      );
    }
    if (p.jobId !== grant.jobId)
      throw new TwirpError("permission_denied", `Another job is uploading cache key ${key}`);
    if (size > this.o.maxEntrySize) {
      await this.drop(p);
      throw new TwirpError(
        "invalid_argument",
        `The entry's ${size} bytes are over the ${formatSize(this.o.maxEntrySize)} limit of a cache entry`,
      );
    }
    if (!p.blob.committed) {
      await this.drop(p);
      throw new TwirpError(
        "failed_precondition",
        `The upload of cache key ${key} was never completed (no blob was committed); nothing was stored`,
      );
    }
    const outcome = await this.store(p, size);
    if (outcome === "exists") {
      throw new TwirpError(
        "already_exists",
        `Unable to finalize cache with key ${key}: an entry with the same key, version, and scope already exists`,
      );
    }
    return Response.json({ ok: true, entry_id: String(p.id) });
  }

  private async downloadUrl(c: Context, grant: JobGrant, body: Record<string, unknown>): Promise<Response> {
    const key = stringField(body, "key", true);
    const version = stringField(body, "version", true);
    const keys = [key, ...stringListField(body, "restore_keys")];
    for (const k of keys) this.checkKey(k);
    const entry = await this.find(grant, keys, version);
    if (!entry) return Response.json({ ok: false, signed_download_url: "", matched_key: "" });
    return Response.json({
      ok: true,
      signed_download_url: this.signedUrl(c, grant, `/_blob/cache/entries/${refOf(entry)}`),
      matched_key: entry.key,
      // gantry's own (the toolkit ignores unknown fields): what HttpCacheStore's CacheEntry holds.
      matched_scope: entry.scope,
      created_at: new Date(entry.createdAt).toISOString(),
      size_bytes: String(entry.size),
    });
  }

  // --- v1 (REST) ---

  private async v1Grant(c: Context): Promise<JobGrant | Response> {
    const grant = await this.o.tokens.check(c.req.header("authorization"));
    return isTokenProblem(grant) ? v1Error(grant.status, grant.reason) : grant;
  }

  private async v1Json(c: Context): Promise<Record<string, unknown> | Response> {
    try {
      const body = JSON.parse(await readLimitedText(c.req.raw));
      if (typeof body === "object" && body !== null && !Array.isArray(body)) return body;
    } catch (err) {
      if (err instanceof TwirpError) return v1Error(413, err.message);
      // else answered below
    }
    return v1Error(400, "The request body must be a JSON object");
  }

  private async v1Lookup(c: Context): Promise<Response> {
    const grant = await this.v1Grant(c);
    if (grant instanceof Response) return grant;
    const keys = (c.req.query("keys") ?? "").split(",").filter((k) => k !== "");
    const version = c.req.query("version") ?? "";
    if (keys.length === 0 || !version)
      return v1Error(400, "The keys and version query parameters are required");
    const entry = await this.find(grant, keys, version);
    if (!entry) return c.body(null, 204);
    return c.json({
      cacheKey: entry.key,
      scope: entry.scope,
      cacheVersion: entry.version,
      creationTime: new Date(entry.createdAt).toISOString(),
      archiveLocation: this.signedUrl(c, grant, `/_blob/cache/entries/${refOf(entry)}`),
    });
  }

  private async v1List(c: Context): Promise<Response> {
    const grant = await this.v1Grant(c);
    if (grant instanceof Response) return grant;
    const key = c.req.query("key") ?? "";
    const entries = (await this.o.store.list()).filter(
      (e) => e.key === key && grant.cacheScopes.includes(e.scope),
    );
    return c.json({
      totalCount: entries.length,
      artifactCaches: entries.map((e) => ({
        cacheKey: e.key,
        cacheVersion: e.version,
        scope: e.scope,
        creationTime: new Date(e.createdAt).toISOString(),
      })),
    });
  }

  private async v1Reserve(c: Context): Promise<Response> {
    const grant = await this.v1Grant(c);
    if (grant instanceof Response) return grant;
    const body = await this.v1Json(c);
    if (body instanceof Response) return body;
    const { key, version, cacheSize } = body;
    if (typeof key !== "string" || key === "" || typeof version !== "string" || version === "") {
      return v1Error(400, "key and version are required strings");
    }
    if (typeof cacheSize === "number" && cacheSize > this.o.maxEntrySize) {
      return v1Error(
        400,
        `Cache size of ~${Math.round(cacheSize / (1024 * 1024))} MB (${cacheSize} B) is over the ${formatSize(this.o.maxEntrySize)} limit, not saving cache.`,
      );
    }
    try {
      this.checkKey(key);
      const p = await this.reserve(grant, key, version);
      return c.json({ cacheId: p.id }, 201);
    } catch (err) {
      if (err instanceof TwirpError) return v1Error(err.code === "already_exists" ? 409 : 400, err.message);
      throw err;
    }
  }

  /** The job's own pending upload `id`, or the error response. */
  private ownUpload(grant: JobGrant, idText: string): PendingEntry | Response {
    const id = /^\d+$/.test(idText) ? Number(idText) : Number.NaN;
    const p = this.pending.get(id);
    if (!p) {
      return this.finalized.has(id)
        ? v1Error(409, `Cache ${idText} is already committed; an entry cannot change`)
        : v1Error(404, `No cache upload ${idText} is in progress`);
    }
    if (p.jobId !== grant.jobId) return v1Error(403, `Cache ${idText} is being uploaded by another job`);
    return p;
  }

  private async v1Chunk(c: Context): Promise<Response> {
    const grant = await this.v1Grant(c);
    if (grant instanceof Response) return grant;
    const p = this.ownUpload(grant, c.req.param("id") ?? "");
    if (p instanceof Response) return p;
    const range = /^bytes (\d+)-(\d+)\/(\*|\d+)$/.exec(c.req.header("content-range") ?? "");
    if (!range || Number(range[2]) < Number(range[1])) {
      return v1Error(400, "A chunk needs a Content-Range header: bytes <start>-<end>/*");
    }
    try {
      await p.blob.writeRange(Number(range[1]), Number(range[2]) + 1, uploadBody(c.req.raw));
    } catch (err) {
      if (err instanceof UploadError) return v1Error(err.status, err.message);
      throw err;
    }
    return c.body(null, 204);
  }

  private async v1Commit(c: Context): Promise<Response> {
    const grant = await this.v1Grant(c);
    if (grant instanceof Response) return grant;
    const p = this.ownUpload(grant, c.req.param("id") ?? "");
    if (p instanceof Response) return p;
    const body = await this.v1Json(c);
    if (body instanceof Response) return body;
    const size = body.size;
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      return v1Error(400, "size is required: the archive's size in bytes");
    }
    const contiguous = p.blob.contiguousBytes();
    if (contiguous !== size) {
      await this.drop(p);
      return v1Error(
        400,
        `The committed size (${size} bytes) does not match the ${contiguous} bytes uploaded from offset 0: the upload is incomplete; nothing was stored`,
      );
    }
    try {
      const outcome = await this.store(p, size);
      if (outcome === "exists") return v1Error(409, `Cache with key ${p.key} already exists`);
    } catch (err) {
      if (err instanceof TwirpError) return v1Error(400, err.message);
      throw err;
    }
    return c.body(null, 204);
  }

  // --- blobs ---

  private async blobPut(c: Context): Promise<Response> {
    const problem = this.o.tokens.checkSignedPath(c.req.path, new URL(c.req.url).searchParams);
    if (problem) return blobErrorResponse(403, "AuthenticationFailed", problem);
    const id = Number(c.req.param("id"));
    const p = this.pending.get(id);
    if (!p) {
      return this.finalized.has(id)
        ? blobErrorResponse(
            409,
            "BlobImmutable",
            "This cache entry is finalised already; an entry cannot change",
          )
        : blobErrorResponse(404, "BlobNotFound", "No upload is in progress at this URL (its job has ended?)");
    }
    if (!(await this.o.tokens.jobAlive(p.grant))) {
      await this.drop(p);
      return blobErrorResponse(403, "AuthenticationFailed", "The job that created this upload has finished");
    }
    return putBlobRequest(c.req.raw, p.blob);
  }

  private async blobGet(c: Context): Promise<Response> {
    const problem = this.o.tokens.checkSignedPath(c.req.path, new URL(c.req.url).searchParams);
    if (problem) return blobErrorResponse(403, "AuthenticationFailed", problem);
    const id = idOfRef(c.req.param("ref") ?? "");
    const file = id && (await this.o.store.openArchive(id));
    if (!file)
      return blobErrorResponse(404, "BlobNotFound", "The cache entry is no longer stored (evicted?)");
    return fileResponse(c.req.raw, file, { "content-type": "application/octet-stream" });
  }
}
