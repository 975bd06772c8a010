import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  ArtifactError,
  type ArtifactInfo,
  type ArtifactStore,
  type ArtifactUpload,
} from "../actions/index.js";
import {
  callTwirp,
  getBlobFile,
  putBlobFile,
  type ServicesEnv,
  servicesEnvOf,
  TwirpError,
} from "../cache/index.js";
import { artifactExists, checkArtifactName, uploadEntries } from "./upload-checks.js";
import { extractZip, ZipError } from "./zip-read.js";
import { zipFiles } from "./zip-write.js";

const SERVICE = "github.actions.results.api.v1.ArtifactService";
const DAY_MS = 24 * 60 * 60 * 1000;

export interface HttpArtifactStoreOptions {
  /** The job's ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL. */
  services: ServicesEnv;
  /** Where zips are made and fetched (removed after); default: the OS's temp folder. */
  tmpDir?: string;
}

/** The run and job backend ids a token names (`Actions.Results:<run>:<job>`), as @actions/artifact reads them. */
function backendIds(token: string): { runId: string; jobId: string } | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      scp?: unknown;
    };
    const scope = String(claims.scp ?? "")
      .split(" ")
      .find((s) => s.startsWith("Actions.Results:"));
    const [, runId, jobId] = scope?.split(":") ?? [];
    return runId && jobId ? { runId, jobId } : undefined;
  } catch {
    return undefined;
  }
}

interface Listed {
  database_id?: unknown;
  name?: unknown;
  size?: unknown;
  created_at?: unknown;
  digest?: unknown;
  expires_at?: unknown;
  attempt?: unknown;
}

/**
 * The built-in upload-artifact and download-artifact on a runner machine: the server's artifact
 * service over HTTP, as @actions/artifact (v2+) uses it (twirp CreateArtifact, a zip PUT to the
 * signed URL, FinalizeArtifact with its size and sha256; ListArtifacts, GetSignedArtifactURL),
 * with the job's token. It reaches the artifacts of the job's own run (the token's) only.
 */
export class HttpArtifactStore implements ArtifactStore {
  private readonly ids: { runId: string; jobId: string };
  private readonly tmpDir: string;

  constructor(private readonly o: HttpArtifactStoreOptions) {
    const ids = backendIds(o.services.token);
    if (!ids) throw new Error("ACTIONS_RUNTIME_TOKEN names no workflow run (no Actions.Results scope)");
    this.ids = ids;
    this.tmpDir = o.tmpDir ?? tmpdir();
  }

  /** The store a step's environment names (its ACTIONS_* variables), or undefined without them. */
  static fromEnv(
    env: Record<string, string | undefined>,
    opts: Omit<HttpArtifactStoreOptions, "services"> = {},
  ): HttpArtifactStore | undefined {
    const services = servicesEnvOf(env);
    return typeof services === "string" ? undefined : new HttpArtifactStore({ ...opts, services });
  }

  private call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return callTwirp(this.o.services, SERVICE, method, {
      workflow_run_backend_id: this.ids.runId,
      workflow_job_run_backend_id: this.ids.jobId,
      ...body,
    });
  }

  private ownRun(runId: string): void {
    if (runId !== this.ids.runId) {
      throw new Error(
        `a job on a runner machine reaches the artifacts of its own run (${this.ids.runId}) only, not of run ${runId}`,
      );
    }
  }

  private infoOf(a: Listed): ArtifactInfo {
    return {
      id: Number(a.database_id),
      name: String(a.name ?? ""),
      runId: this.ids.runId,
      size: Number(a.size ?? 0),
      digest: typeof a.digest === "string" ? a.digest : "",
      createdAt: String(a.created_at ?? ""),
      expiresAt: typeof a.expires_at === "string" ? a.expires_at : "",
      attempt: Number(a.attempt ?? 1) || 1,
    };
  }

  private async listed(filter: { name_filter?: string; id_filter?: string }): Promise<ArtifactInfo[]> {
    const answer = await this.call("ListArtifacts", filter);
    const artifacts = Array.isArray(answer.artifacts) ? (answer.artifacts as Listed[]) : [];
    return artifacts.map((a) => this.infoOf(a));
  }

  async list(runId: string, _attempt?: number): Promise<ArtifactInfo[]> {
    // The service lists what the job's attempt sees (its token's attempt).
    this.ownRun(runId);
    return this.listed({});
  }

  async upload(upload: ArtifactUpload): Promise<ArtifactInfo> {
    checkArtifactName(upload);
    const entries = uploadEntries(upload);
    this.ownRun(upload.runId);
    if (upload.overwrite) {
      // Only this attempt's own copy of the name is replaced (an earlier attempt's stays).
      const mine = (await this.listed({ name_filter: upload.name })).find(
        (a) => a.name === upload.name && a.attempt === (upload.attempt ?? 1),
      );
      if (mine) await this.call("DeleteArtifact", { name: upload.name });
    }
    const dir = await mkdtemp(join(this.tmpDir, "gantry-artifact-put-"));
    try {
      const zip = join(dir, "artifact.zip");
      const hash = createHash("sha256");
      await pipeline(
        Readable.from(zipFiles(entries.map((e) => ({ name: e.name, path: e.file })))),
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            done(null, chunk);
          },
        }),
        createWriteStream(zip),
      );
      let created: Record<string, unknown>;
      try {
        created = await this.call("CreateArtifact", {
          name: upload.name,
          version: 4,
          expires_at: new Date(Date.now() + upload.retentionDays * DAY_MS).toISOString(),
          mime_type: "application/zip",
        });
      } catch (err) {
        if (err instanceof TwirpError && err.code === "already_exists") throw artifactExists(upload);
        throw err;
      }
      if (typeof created.signed_upload_url !== "string")
        throw new Error("CreateArtifact: the service gave no upload URL");
      await putBlobFile(created.signed_upload_url, zip);
      const finalized = await this.call("FinalizeArtifact", {
        name: upload.name,
        size: String((await stat(zip)).size),
        hash: `sha256:${hash.digest("hex")}`,
      }).catch((err: unknown) => {
        if (err instanceof TwirpError && err.code === "already_exists") throw artifactExists(upload);
        throw err;
      });
      const id = String(finalized.artifact_id ?? "");
      const info = (await this.listed({ id_filter: id })).find((a) => String(a.id) === id);
      if (!info) throw new Error(`FinalizeArtifact: artifact ${id} is not listed after its upload`);
      return info;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async download(runId: string, name: string, destination: string): Promise<ArtifactInfo> {
    this.ownRun(runId);
    const info = (await this.listed({})).find((a) => a.name.toLowerCase() === name.toLowerCase());
    if (!info) throw new ArtifactError("artifact-not-found", `Artifact '${name}' not found`);
    let signed: Record<string, unknown>;
    try {
      signed = await this.call("GetSignedArtifactURL", { name: info.name });
    } catch (err) {
      if (err instanceof TwirpError && err.code === "not_found")
        throw new ArtifactError("artifact-not-found", `Artifact '${name}' not found`);
      throw err;
    }
    if (typeof signed.signed_url !== "string")
      throw new Error("GetSignedArtifactURL: the service gave no URL");
    const dir = await mkdtemp(join(this.tmpDir, "gantry-artifact-get-"));
    try {
      const zip = join(dir, "artifact.zip");
      await getBlobFile(signed.signed_url, zip);
      const files = join(dir, "files");
      await mkdir(files);
      try {
        // The service's zips are stored, not deflated: their files add up to no more than the zip.
        await extractZip(zip, files, (await stat(zip)).size);
      } catch (err) {
        if (err instanceof ZipError) throw new Error(`The artifact's zip is unreadable: ${err.message}`);
        throw err;
      }
      await mkdir(destination, { recursive: true });
      for (const entry of await readdir(files, { withFileTypes: true, recursive: true })) {
        if (!entry.isFile()) continue;
        const from = join(entry.parentPath, entry.name);
        const to = join(destination, relative(files, from));
        await mkdir(dirname(to), { recursive: true });
        await rm(to, { force: true });
        await copyFile(from, to);
      }
      return info;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
