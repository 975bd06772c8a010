import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { startS3Server, type TestS3Server } from "../../test/s3-server.js";
import { FileBlobStore, S3BlobStore } from "../blobs/index.js";
import { artifactStoreContract } from "./artifact-store-contract.js";
import { BlobArtifactStore } from "./blob-artifact-store.js";
import { FsArtifactStore } from "./fs-artifact-store.js";

let s3: TestS3Server;
const dirs: string[] = [];
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "gantry-blob-art-"));
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

artifactStoreContract("folder (FsArtifactStore)", async (now) => new FsArtifactStore({ root: temp(), now }));
artifactStoreContract(
  "blobs on file:///",
  async (now) => new BlobArtifactStore({ blobs: new FileBlobStore(temp()), now }),
);
artifactStoreContract(
  "blobs on s3://",
  async (now) => {
    const bucket = `artifacts-${++buckets}`;
    await s3.createBucket(bucket);
    const blobs = await S3BlobStore.open({
      bucket,
      prefix: "",
      endpoint: s3.endpoint,
      region: "us-east-1",
      pathStyle: true,
    });
    return new BlobArtifactStore({ blobs, now });
  },
  { racingUploads: false },
);
