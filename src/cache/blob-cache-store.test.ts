import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { startS3Server, type TestS3Server } from "../../test/s3-server.js";
import { FileBlobStore, S3BlobStore } from "../blobs/index.js";
import { BlobCacheStore } from "./blob-cache-store.js";
import { cacheStoreContract } from "./cache-store-contract.js";
import { FsCacheStore } from "./fs-cache-store.js";

let s3: TestS3Server;
const dirs: string[] = [];
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "gantry-blob-cache-"));
  dirs.push(d);
  return d;
}
beforeAll(async () => {
  s3 = await startS3Server(temp());
  Object.assign(process.env, s3.env);
});
afterAll(async () => {
  await s3?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
let buckets = 0;

cacheStoreContract(
  "folder (FsCacheStore)",
  async (now) => new FsCacheStore({ root: temp(), compression: "gzip", now }),
);
cacheStoreContract(
  "blobs on file:///",
  async (now) =>
    new BlobCacheStore({ blobs: new FileBlobStore(temp()), tmpDir: temp(), compression: "gzip", now }),
);
cacheStoreContract(
  "blobs on s3://",
  async (now) => {
    const bucket = `cache-${++buckets}`;
    await s3.createBucket(bucket);
    const blobs = await S3BlobStore.open({
      bucket,
      prefix: "",
      endpoint: s3.endpoint,
      region: "us-east-1",
      pathStyle: true,
    });
    return new BlobCacheStore({ blobs, tmpDir: temp(), compression: "gzip", now });
  },
  { racingSaves: false },
);
