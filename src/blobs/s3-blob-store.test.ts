import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3Server, type TestS3Server } from "../../test/s3-server.js";
import { blobStoreContract } from "./blob-store-contract.js";
import { S3BlobStore } from "./s3-blob-store.js";

let s3: TestS3Server;
let dir: string;
let n = 0;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gantry-s3-"));
  s3 = await startS3Server(dir);
  // The SDK takes its credentials where a server's would: from the environment.
  Object.assign(process.env, s3.env);
});
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new bucket (and, every other time, a key prefix in it) on the loopback S3 server. */
async function freshStore(prefix = n % 2 === 1 ? "some/prefix/" : ""): Promise<S3BlobStore> {
  const bucket = `contract-${++n}`;
  await s3.createBucket(bucket);
  return S3BlobStore.open({ bucket, prefix, endpoint: s3.endpoint, region: "us-east-1", pathStyle: true });
}

blobStoreContract("s3:// (bucket root)", () => freshStore(""));
blobStoreContract("s3:// (key prefix)", () => freshStore("team/gantry/"));

describe("S3BlobStore", () => {
  it("keeps a prefixed store's keys under its prefix", async () => {
    const store = await freshStore("mine/");
    const bucket = `contract-${n}`;
    const whole = await S3BlobStore.open({
      bucket,
      prefix: "",
      endpoint: s3.endpoint,
      region: "us-east-1",
      pathStyle: true,
    });
    await store.put("a/b", { bytes: "x" });
    expect((await whole.list("")).map((b) => b.key)).toEqual(["mine/a/b"]);
    expect((await store.list("")).map((b) => b.key)).toEqual(["a/b"]);
  });

  it("names the store, never the credentials, in its description and errors", async () => {
    const store = await S3BlobStore.open({
      bucket: "no-such-bucket",
      prefix: "",
      endpoint: s3.endpoint,
      region: "us-east-1",
      pathStyle: true,
    });
    expect(store.description).toBe(`s3://no-such-bucket/ at ${s3.endpoint}`);
    const err = await store.put("k", { bytes: "x" }).catch((e: Error) => e);
    expect(String(err)).toContain("s3://no-such-bucket/");
    expect(String(err)).not.toContain(s3.secretAccessKey);
  });
});
