import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** An S3-compatible server on loopback (s3rver, from npm), with its own random key pair. */
export interface TestS3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** AWS_* variables for a process that should reach it. */
  env: Record<string, string>;
  createBucket(name: string): Promise<void>;
  close(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;
interface S3rverAccounts {
  DUMMY_ACCOUNT: {
    createKeyPair(id: string, secret: string): void;
    revokeAccessKey(id: string): void;
  };
}

/** What of s3rver's file store (s3rver/lib/stores/filesystem) the patch below uses. */
interface S3rverFileStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: { bucket: string; key: string; metadata: unknown; content: Buffer | Readable }): Promise<{
    size: number;
    md5: string;
  }>;
}

/**
 * S3's PutObject is atomic: a reader sees the old object or the new one, whole. s3rver's writes
 * the object file in place, answers before a small body is on disk, and interleaves two puts of
 * one key (artifact-store-contract's racing uploads then read a torn manifest). Its store is made
 * to write a file of its own and rename it into place once it is whole.
 */
function makePutsAtomic(store: { prototype: S3rverFileStore }): void {
  store.prototype.putObject = async function (this: S3rverFileStore, object) {
    const path = this.getResourcePath(object.bucket, object.key, "object");
    await mkdir(dirname(path), { recursive: true });
    const part = `${path}.part-${randomBytes(6).toString("hex")}`;
    const md5 = createHash("md5");
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    await pipeline(body, count, createWriteStream(part));
    await rename(part, path);
    const digest = md5.digest("hex");
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/**
 * Starts s3rver on 127.0.0.1 (a free port), storing under `dir`. Its requests are signed as AWS
 * signs them (SigV4), with a key pair made for this server alone.
 */
export async function startS3Server(dir: string): Promise<TestS3Server> {
  const require = createRequire(import.meta.url);
  const S3rver = require("s3rver") as S3rverClass;
  const accounts = require("s3rver/lib/models/account") as S3rverAccounts;
  makePutsAtomic(require("s3rver/lib/stores/filesystem") as { prototype: S3rverFileStore });
  const accessKeyId = `GANTRY${randomBytes(6).toString("hex").toUpperCase()}`;
  const secretAccessKey = randomBytes(20).toString("base64url");
  accounts.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_REGION: "us-east-1",
  };
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    env,
    async createBucket(name) {
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
      const { S3Client, CreateBucketCommand } = await import("@aws-sdk/client-s3");
      const client = new S3Client({
        endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey },
      });
      await client.send(new CreateBucketCommand({ Bucket: name }));
      client.destroy();
    },
    async close() {
      await server.close();
      accounts.DUMMY_ACCOUNT.revokeAccessKey(accessKeyId);
    },
  };
}
