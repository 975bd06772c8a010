import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { type Context, Hono } from "hono";
import { ArtifactError, type ArtifactInfo, artifactNameProblem } from "../actions/index.js";
import {
  blobErrorResponse as blobError,
  int64Field,
  isTokenProblem,
  type JobGrant,
  type JobTokens,
  putBlobRequest,
  readTwirpBody,
  StagedBlob,
  signedServiceUrl,
  stringField,
  TwirpError,
  timestampField,
  twirpErrorResponse,
  twirpFailure,
} from "../cache/index.js";
import type { RunArtifactStore } from "./run-artifact-store.js";
import { extractZip, ZipError } from "./zip-read.js";
import { zipFiles } from "./zip-write.js";

const SERVICE = "github.actions.results.api.v1.ArtifactService";
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RETENTION_DAYS = 90;

export interface ArtifactServiceOptions {
  store: RunArtifactStore;
  tokens: JobTokens;
  /** Where uploads are staged until they are finalised (removed when they are). */
  stagingDir: string;
  /** The largest artifact accepted, in bytes: the upload, and its files once unzipped. */
  maxArtifactSize: number;
  /** The clock retention is counted from (tests). */
  now?: () => number;
}

/** An artifact being uploaded: created by CreateArtifact, stored by FinalizeArtifact. */
interface PendingArtifact {
  id: number;
  runId: string;
  /** The run attempt of the job uploading it. */
  attempt: number;
  name: string;
  jobId: string;
  /** The grant of the job uploading it: an upload is taken only while that job runs. */
  grant: JobGrant;
  mimeType: string;
  retentionDays: number;
  blob: StagedBlob;
}

/**
 * The Actions artifact service (v4: the twirp `ArtifactService` @actions/artifact uses behind
 * ACTIONS_RESULTS_URL) on a RunArtifactStore (a folder or a blob store), as a Hono app (web Request/Response).
 * CreateArtifact hands out a signed URL that takes Azure Blob writes (the toolkit uploads a zip in
 * blocks); FinalizeArtifact checks the upload's size and sha256, unzips it (refusing unsafe names)
 * and stores the files, so the built-in download-artifact and `gantry artifacts` read it;
 * ListArtifacts, GetSignedArtifactURL (a zip of the files, made as it is sent) and DeleteArtifact
 * work on every artifact of the run, those of the built-in upload-artifact included. Writes need
 * the token of the job named in the request; reads, any job of the run.
 */
export class ArtifactService {
  readonly app = new Hono();
  private readonly pending = new Map<number, PendingArtifact>();
  private readonly finalized = new Set<number>();
  private nextId = 1;
  private readonly now: () => number;

  constructor(private readonly o: ArtifactServiceOptions) {
    this.now = o.now ?? Date.now;
    this.app.post(`/twirp/${SERVICE}/:method`, (c) => this.twirp(c));
    this.app.put("/_blob/artifacts/:id", (c) => this.blobPut(c));
    this.app.get("/_blob/artifact-downloads/:runId/:attempt/:file", (c) => this.blobGet(c));
  }

  /** The job ended: its unfinished uploads are dropped. */
  async endJob(jobId: string): Promise<void> {
    for (const p of [...this.pending.values()]) {
      if (p.jobId === jobId) await this.drop(p);
    }
  }

  private async drop(p: PendingArtifact): Promise<void> {
    this.pending.delete(p.id);
    await p.blob.discard();
  }

  /** `path` signed, under the services' URL the job was given (else where the request came to). */
  private signedUrl(c: Context, grant: JobGrant, path: string): string {
    return signedServiceUrl(c.req.url, grant, path, this.o.tokens.signPath(path));
  }

  /** The bearer token's grant, before anything of the body is read. */
  private async tokenGrant(c: Context): Promise<JobGrant> {
    const grant = await this.o.tokens.check(c.req.header("authorization"));
    if (isTokenProblem(grant)) {
      throw new TwirpError(grant.status === 401 ? "unauthenticated" : "permission_denied", grant.reason);
    }
    return grant;
  }

  /** The token's grant, checked against the run (and for writes, the job) the request names. */
  private grantFor(grant: JobGrant, body: Record<string, unknown>, write: boolean): JobGrant {
    const runId = stringField(body, "workflow_run_backend_id", true);
    const jobId = stringField(body, "workflow_job_run_backend_id", true);
    if (runId !== grant.runId) {
      throw new TwirpError("permission_denied", `The token is not valid for workflow run ${runId}`);
    }
    if (write && jobId !== grant.jobId) {
      throw new TwirpError("permission_denied", `The token is of another job than ${jobId}`);
    }
    return grant;
  }

  /** The run's artifact of that name, as the job's attempt sees it (its own, else an earlier one's). */
  private async find(runId: string, name: string, attempt?: number): Promise<ArtifactInfo | undefined> {
    const lower = name.toLowerCase();
    return (await this.o.store.list(runId, attempt)).find((a) => a.name.toLowerCase() === lower);
  }

  private async twirp(c: Context): Promise<Response> {
    try {
      // The token first: a stranger's body is never read.
      const token = await this.tokenGrant(c);
      const body = await readTwirpBody(c.req.raw);
      switch (c.req.param("method")) {
        case "CreateArtifact":
          return await this.create(c, this.grantFor(token, body, true), body);
        case "FinalizeArtifact":
          return await this.finalize(this.grantFor(token, body, true), body);
        case "ListArtifacts":
          return await this.list(this.grantFor(token, body, false), body);
        case "GetSignedArtifactURL":
          return await this.signedDownload(c, this.grantFor(token, body, false), body);
        case "DeleteArtifact":
          return await this.remove(this.grantFor(token, body, true), body);
        default:
          return twirpErrorResponse("bad_route", `${SERVICE} has no method ${c.req.param("method")}`);
      }
    } catch (err) {
      return twirpFailure(err);
    }
  }

  private nameOf(body: Record<string, unknown>): string {
    const name = stringField(body, "name", true);
    const problem = artifactNameProblem(name);
    if (problem) throw new TwirpError("invalid_argument", problem);
    return name;
  }

  private async create(c: Context, grant: JobGrant, body: Record<string, unknown>): Promise<Response> {
    const name = this.nameOf(body);
    const expiresAt = timestampField(body, "expires_at");
    if (expiresAt !== undefined && expiresAt <= this.now()) {
      throw new TwirpError("invalid_argument", "expires_at is in the past");
    }
    // Each attempt keeps its own copy of a name: only this attempt's own one is in the way.
    const stored = await this.find(grant.runId, name, grant.attempt);
    if (stored && (stored.attempt ?? 1) === grant.attempt) {
      throw new TwirpError(
        "already_exists",
        `An artifact with this name already exists on the workflow run: '${name}'. Delete it first, or use a different name.`,
      );
    }
    for (const p of [...this.pending.values()]) {
      if (p.runId !== grant.runId || p.name.toLowerCase() !== name.toLowerCase()) continue;
      if (p.jobId !== grant.jobId) {
        throw new TwirpError(
          "already_exists",
          `Another job of the run is uploading an artifact named '${name}'`,
        );
      }
      await this.drop(p); // the same job starts over
    }
    const id = this.nextId++;
    const retentionDays =
      expiresAt === undefined
        ? DEFAULT_RETENTION_DAYS
        : Math.max(1, Math.ceil((expiresAt - this.now()) / DAY_MS));
    this.pending.set(id, {
      id,
      runId: grant.runId,
      attempt: grant.attempt,
      name,
      jobId: grant.jobId,
      grant,
      mimeType: stringField(body, "mime_type") || "application/zip",
      retentionDays,
      blob: new StagedBlob(
        join(this.o.stagingDir, `artifact-${id}`),
        this.o.maxArtifactSize,
        "an artifact (GANTRY_ARTIFACT_MAX_SIZE)",
      ),
    });
    return Response.json({ ok: true, signed_upload_url: this.signedUrl(c, grant, `/_blob/artifacts/${id}`) });
  }

  private async finalize(grant: JobGrant, body: Record<string, unknown>): Promise<Response> {
    const name = this.nameOf(body);
    const size = int64Field(body, "size");
    const hash = stringField(body, "hash");
    const p = [...this.pending.values()].find(
      (e) => e.runId === grant.runId && e.name.toLowerCase() === name.toLowerCase(),
    );
    if (!p)
      throw new TwirpError("not_found", `No upload of artifact '${name}' is in progress: create it first`);
    if (p.jobId !== grant.jobId)
      throw new TwirpError("permission_denied", `Another job is uploading artifact '${name}'`);
    try {
      if (!p.blob.committed) {
        throw new TwirpError(
          "failed_precondition",
          `The upload of artifact '${name}' was never completed; nothing was stored`,
        );
      }
      const actual = await p.blob.size();
      if (size !== undefined && size !== actual) {
        throw new TwirpError(
          "invalid_argument",
          `The size given (${size} bytes) does not match the ${actual} bytes uploaded: the upload is incomplete or the size is wrong; nothing was stored`,
        );
      }
      if (hash) {
        const digest = `sha256:${await sha256File(p.blob.path)}`;
        if (hash !== digest) {
          throw new TwirpError(
            "invalid_argument",
            `The upload's digest is ${digest}, not ${hash}: it was corrupted; nothing was stored`,
          );
        }
      }
      const info = await this.storeUpload(p);
      this.finalized.add(p.id);
      return Response.json({ ok: true, artifact_id: String(info.id) });
    } finally {
      await this.drop(p);
    }
  }

  /** Unzips the upload (or takes a raw file as is) and stores its files as the artifact. */
  private async storeUpload(p: PendingArtifact): Promise<ArtifactInfo> {
    const root = join(p.blob.dir, "files");
    await mkdir(root, { recursive: true });
    let files: string[];
    if (/zip/i.test(p.mimeType)) {
      try {
        files = (await extractZip(p.blob.path, root, this.o.maxArtifactSize)).map((f) => join(root, f));
      } catch (err) {
        if (err instanceof ZipError)
          throw new TwirpError("invalid_argument", `${err.message}; nothing was stored`);
        throw err;
      }
    } else {
      // An upload with skipArchive: one file, named as the artifact.
      const file = join(root, p.name);
      await rm(file, { force: true });
      await rename(p.blob.path, file);
      files = [file];
    }
    try {
      return await this.o.store.upload({
        runId: p.runId,
        name: p.name,
        files,
        rootDirectory: root,
        retentionDays: p.retentionDays,
        overwrite: false,
        attempt: p.attempt,
      });
    } catch (err) {
      if (err instanceof ArtifactError) {
        throw new TwirpError(
          err.code === "artifact-exists" ? "already_exists" : "invalid_argument",
          err.message,
        );
      }
      throw err;
    }
  }

  private async list(grant: JobGrant, body: Record<string, unknown>): Promise<Response> {
    const nameFilter = stringField(body, "name_filter");
    const idFilter = int64Field(body, "id_filter");
    const artifacts = (await this.o.store.list(grant.runId, grant.attempt)).filter(
      (a) => (!nameFilter || a.name === nameFilter) && (idFilter === undefined || a.id === idFilter),
    );
    return Response.json({
      artifacts: artifacts.map((a) => ({
        workflow_run_backend_id: grant.runId,
        workflow_job_run_backend_id: grant.jobId,
        database_id: String(a.id),
        name: a.name,
        size: String(a.size),
        created_at: a.createdAt,
        digest: a.digest,
        // gantry's own (the toolkit ignores unknown fields): what HttpArtifactStore's ArtifactInfo holds.
        expires_at: a.expiresAt,
        attempt: a.attempt ?? 1,
      })),
    });
  }

  private async signedDownload(
    c: Context,
    grant: JobGrant,
    body: Record<string, unknown>,
  ): Promise<Response> {
    const name = this.nameOf(body);
    const artifact = await this.find(grant.runId, name, grant.attempt);
    if (!artifact)
      throw new TwirpError("not_found", `Artifact '${name}' not found in workflow run ${grant.runId}`);
    const file = `${Buffer.from(artifact.name).toString("base64url")}.zip`;
    return Response.json({
      signed_url: this.signedUrl(
        c,
        grant,
        `/_blob/artifact-downloads/${grant.runId}/${artifact.attempt ?? 1}/${file}`,
      ),
    });
  }

  private async remove(grant: JobGrant, body: Record<string, unknown>): Promise<Response> {
    const name = this.nameOf(body);
    const removed = await this.o.store.remove(grant.runId, name);
    if (!removed)
      throw new TwirpError("not_found", `Artifact '${name}' not found in workflow run ${grant.runId}`);
    return Response.json({ ok: true, artifact_id: String(removed.id) });
  }

  private async blobPut(c: Context): Promise<Response> {
    const problem = this.o.tokens.checkSignedPath(c.req.path, new URL(c.req.url).searchParams);
    if (problem) return blobError(403, "AuthenticationFailed", problem);
    const id = Number(c.req.param("id"));
    const p = this.pending.get(id);
    if (!p) {
      return this.finalized.has(id)
        ? blobError(409, "BlobImmutable", "This artifact is finalised already; an artifact cannot change")
        : blobError(404, "BlobNotFound", "No upload is in progress at this URL (its job has ended?)");
    }
    if (!(await this.o.tokens.jobAlive(p.grant))) {
      await this.drop(p);
      return blobError(403, "AuthenticationFailed", "The job that created this upload has finished");
    }
    return putBlobRequest(c.req.raw, p.blob);
  }

  private async blobGet(c: Context): Promise<Response> {
    const problem = this.o.tokens.checkSignedPath(c.req.path, new URL(c.req.url).searchParams);
    if (problem) return blobError(403, "AuthenticationFailed", problem);
    const runId = c.req.param("runId") ?? "";
    const attempt = Number(c.req.param("attempt"));
    const name = Buffer.from((c.req.param("file") ?? "").replace(/\.zip$/, ""), "base64url").toString("utf8");
    const contents =
      /^[A-Za-z0-9_-]+$/.test(runId) && Number.isSafeInteger(attempt) && attempt > 0
        ? await this.o.store.contents(runId, name, attempt)
        : undefined;
    if (!contents)
      return blobError(404, "BlobNotFound", `Artifact '${name}' is not stored (expired or deleted?)`);
    const stream = Readable.toWeb(
      Readable.from(zipFiles(contents.files)),
    ) as unknown as ReadableStream<Uint8Array>;
    return new Response(stream, {
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${encodeURIComponent(name)}.zip"; filename*=UTF-8''${encodeURIComponent(name)}.zip`,
      },
    });
  }
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => h.update(chunk))
      .on("error", reject)
      .on("end", () => resolvePromise(h.digest("hex")));
  });
}
