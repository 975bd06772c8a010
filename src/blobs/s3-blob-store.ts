import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  type BlobBody,
  type BlobInfo,
  type BlobRange,
  type BlobStore,
  checkBlobKey,
  checkBlobPrefix,
} from "./blob-store.js";

/** Where an S3 store is: the bucket, a key prefix, and for S3-compatible servers their endpoint. */
export interface S3Location {
  bucket: string;
  /** "" or a folder ending with `/`, put before every key. */
  prefix: string;
  endpoint?: string;
  region: string;
  /** Path-style addressing (http://host/bucket/key), as MinIO and most S3-compatible servers want. */
  pathStyle: boolean;
}

/** The S3 error names and statuses that mean "nothing stored there". */
function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}

function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "PreconditionFailed" || e.$metadata?.httpStatusCode === 412;
}

/**
 * An S3 error as a message that names the store and what failed, never the request's signature or
 * credentials (the SDK's errors carry neither; its raw responses are not passed on).
 */
function storeError(what: string, description: string, err: unknown): Error {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : "";
  return new Error(
    `blob store ${description}: ${what} failed: ${e.name ?? "Error"}${status}: ${e.message ?? ""}`,
  );
}

/**
 * Blobs as objects in an S3 bucket (AWS, MinIO, Ceph RGW, Garage, R2 …) through @aws-sdk/client-s3.
 * Credentials come from the SDK's usual places (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a
 * profile, instance roles), never from the URL, so they appear in no log or answer. A PutObject is
 * atomic; `ifAbsent` sends `If-None-Match: *` (S3's conditional write) after a HEAD, so a server
 * that ignores the header still refuses a key it already holds (the race between the two is then
 * the server's, as on any store without conditional writes).
 */
export class S3BlobStore implements BlobStore {
  readonly description: string;

  private constructor(
    private readonly client: S3Client,
    private readonly sdk: typeof import("@aws-sdk/client-s3"),
    private readonly at: S3Location,
  ) {
    const where = at.endpoint ? ` at ${at.endpoint}` : ` in ${at.region}`;
    this.description = `s3://${at.bucket}/${at.prefix}${where}`;
  }

  /** Connects (lazily: the first request opens the connection) to the bucket. */
  static async open(at: S3Location): Promise<S3BlobStore> {
    // The SDK warns on every start under Node 20, which gantry supports; the warning says nothing
    // the operator can act on from a server's log.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    const sdk = await import("@aws-sdk/client-s3");
    const client = new sdk.S3Client({
      region: at.region,
      ...(at.endpoint ? { endpoint: at.endpoint } : {}),
      forcePathStyle: at.pathStyle,
      // Checksums only where S3 requires them: a streamed body with a checksum trailer goes as
      // `aws-chunked`, which many S3-compatible servers store as sent instead of decoding.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    return new S3BlobStore(client, sdk, at);
  }

  private keyOf(key: string): string {
    return `${this.at.prefix}${checkBlobKey(key)}`;
  }

  async put(key: string, body: BlobBody, opts: { ifAbsent?: boolean } = {}): Promise<boolean> {
    const Key = this.keyOf(key);
    if (opts.ifAbsent && (await this.head(key))) return false;
    const Body = "file" in body ? createReadStream(body.file) : body.bytes;
    const ContentLength = "file" in body ? (await stat(body.file)).size : Buffer.byteLength(body.bytes);
    try {
      await this.client.send(
        new this.sdk.PutObjectCommand({
          Bucket: this.at.bucket,
          Key,
          Body,
          ContentLength,
          ...(opts.ifAbsent ? { IfNoneMatch: "*" } : {}),
        }),
      );
      return true;
    } catch (err) {
      if (opts.ifAbsent && isPreconditionFailed(err)) return false;
      throw storeError(`put ${key}`, this.description, err);
    } finally {
      if (typeof Body === "object" && "destroy" in Body) Body.destroy();
    }
  }

  async get(key: string, range?: BlobRange): Promise<Readable | undefined> {
    const Key = this.keyOf(key);
    try {
      const out = await this.client.send(
        new this.sdk.GetObjectCommand({
          Bucket: this.at.bucket,
          Key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return out.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw storeError(`get ${key}`, this.description, err);
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const Key = this.keyOf(key);
    try {
      const out = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.at.bucket, Key }));
      return { key, size: out.ContentLength ?? 0, modifiedAt: out.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw storeError(`head ${key}`, this.description, err);
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    checkBlobPrefix(prefix);
    const out: BlobInfo[] = [];
    let token: string | undefined;
    do {
      let page: import("@aws-sdk/client-s3").ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new this.sdk.ListObjectsV2Command({
            Bucket: this.at.bucket,
            Prefix: `${this.at.prefix}${prefix}`,
            ContinuationToken: token,
          }),
        );
      } catch (err) {
        throw storeError(`list ${prefix}`, this.description, err);
      }
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        out.push({
          key: o.Key.slice(this.at.prefix.length),
          size: o.Size ?? 0,
          modifiedAt: o.LastModified?.getTime() ?? 0,
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async remove(key: string): Promise<boolean> {
    // S3's DeleteObject answers alike whether or not the key existed: ask first.
    const Key = this.keyOf(key);
    if (!(await this.head(key))) return false;
    try {
      await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.at.bucket, Key }));
      return true;
    } catch (err) {
      throw storeError(`remove ${key}`, this.description, err);
    }
  }

  async removePrefix(prefix: string): Promise<number> {
    let n = 0;
    for (const b of await this.list(prefix)) if (await this.remove(b.key)) n++;
    return n;
  }
}
