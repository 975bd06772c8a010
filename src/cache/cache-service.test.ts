import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FileBlobStore } from "../blobs/index.js";
import { BlobCacheStore } from "./blob-cache-store.js";
import { CacheService } from "./cache-service.js";
import { FsCacheStore } from "./fs-cache-store.js";
import { JobTokens } from "./job-tokens.js";

const SERVICE = "/twirp/github.actions.results.api.v1.CacheService";
const LIMIT = 64 * 1024;

/** A compressed archive as far as the service can tell (zstd magic, then bytes). */
function archive(size: number): Buffer {
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), randomBytes(size - 4)]);
}

/** The stores the service runs on: a folder (gantry run, the server by default) and a blob store. */
const BACKENDS: [string, (root: string) => FsCacheStore | BlobCacheStore][] = [
  ["a folder", (root) => new FsCacheStore({ root: join(root, "store"), compression: "zstd-without-long" })],
  [
    "a blob store (file:///)",
    (root) =>
      new BlobCacheStore({
        blobs: new FileBlobStore(join(root, "store")),
        tmpDir: join(root, "tmp"),
        compression: "zstd-without-long",
      }),
  ],
];
let makeStore = BACKENDS[0][1];

function setup() {
  const root = mkdtempSync(join(tmpdir(), "gantry-cache-service-"));
  const store = makeStore(root);
  const tokens = new JobTokens();
  const service = new CacheService({ store, tokens, stagingDir: join(root, "staging"), maxEntrySize: LIMIT });
  const job = (scopes = ["refs/heads/main"]) => tokens.issue("123", scopes);
  const twirp = (method: string, token: string | undefined, body: unknown) =>
    service.app.request(`${SERVICE}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const put = (url: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    service.app.request(url, {
      method: "PUT",
      body: typeof body === "string" ? body : new Uint8Array(body),
      headers: { "x-ms-blob-type": "BlockBlob", ...headers },
    });
  const v1 = (path: string, token: string, init: RequestInit = {}) =>
    service.app.request(`/_apis/artifactcache/${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    });
  const stored = async () => (await store.list()).map((e) => e.key);
  return { root, store, tokens, service, job, twirp, put, v1, stored };
}

async function create(s: ReturnType<typeof setup>, token: string, key: string): Promise<string> {
  const res = await s.twirp("CreateCacheEntry", token, { key, version: "v1" });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { ok: boolean; signed_upload_url: string };
  expect(body.ok).toBe(true);
  return body.signed_upload_url;
}

describe.each(BACKENDS)("CacheService v2 (twirp) on %s", (_, make) => {
  beforeAll(() => {
    makeStore = make;
  });

  it("takes an archive in blocks, stores it on finalize, finds it by restore key and serves it with Range", async () => {
    const s = setup();
    const { token } = s.job();
    const url = await create(s, token, "deps-linux-abc");
    const data = archive(10_000);
    const ids = ["AAAA", "AAAB"].map((b) => Buffer.from(b).toString("base64"));
    expect((await s.put(`${url}&comp=block&blockid=${ids[1]}`, data.subarray(6000))).status).toBe(201);
    expect((await s.put(`${url}&comp=block&blockid=${ids[0]}`, data.subarray(0, 6000))).status).toBe(201);
    const list = `<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>${ids[0]}</Latest><Latest>${ids[1]}</Latest></BlockList>`;
    expect((await s.put(`${url}&comp=blocklist`, list)).status).toBe(201);
    const fin = await s.twirp("FinalizeCacheEntryUpload", token, {
      key: "deps-linux-abc",
      version: "v1",
      size_bytes: "10000",
    });
    expect(await fin.json()).toEqual({ ok: true, entry_id: expect.stringMatching(/^\d+$/) });

    const found = await s.twirp("GetCacheEntryDownloadURL", token, {
      key: "deps-mac",
      restore_keys: ["deps-linux"],
      version: "v1",
    });
    const body = (await found.json()) as { ok: boolean; signed_download_url: string; matched_key: string };
    expect(body).toMatchObject({ ok: true, matched_key: "deps-linux-abc" });
    const whole = await s.service.app.request(body.signed_download_url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
    const part = await s.service.app.request(body.signed_download_url, {
      headers: { range: "bytes=100-199" },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 100-199/10000");
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(100, 200))).toBe(true);

    const other = await s.twirp("GetCacheEntryDownloadURL", token, { key: "deps-linux-abc", version: "v2" });
    expect(await other.json()).toMatchObject({ ok: false });
  });

  it("reads the scopes the token grants and writes only the first", async () => {
    const s = setup();
    const main = s.job(["refs/heads/main"]);
    const url = await create(s, main.token, "k");
    await s.put(url, archive(100));
    await s.twirp("FinalizeCacheEntryUpload", main.token, { key: "k", version: "v1", size_bytes: 100 });
    const feature = s.job(["refs/heads/feature", "refs/heads/main"]);
    const hit = await s.twirp("GetCacheEntryDownloadURL", feature.token, { key: "k", version: "v1" });
    expect(await hit.json()).toMatchObject({ ok: true, matched_key: "k" });
    const elsewhere = s.job(["refs/heads/other"]);
    const miss = await s.twirp("GetCacheEntryDownloadURL", elsewhere.token, { key: "k", version: "v1" });
    expect(await miss.json()).toMatchObject({ ok: false });
    // The feature branch writes its own entry of the key, beside main's.
    await create(s, feature.token, "k");
  });

  it("refuses a missing, forged or finished job's token with 401", async () => {
    const s = setup();
    const { grant, token } = s.job();
    const none = await s.twirp("GetCacheEntryDownloadURL", undefined, { key: "k", version: "v1" });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({
      code: "unauthenticated",
      msg: expect.stringContaining("Missing"),
    });
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await s.twirp("GetCacheEntryDownloadURL", forged, { key: "k", version: "v1" })).status).toBe(401);
    const fromOther = new JobTokens().issue("123", ["refs/heads/main"]).token;
    expect((await s.twirp("GetCacheEntryDownloadURL", fromOther, { key: "k", version: "v1" })).status).toBe(
      401,
    );
    s.tokens.revoke(grant.jobId);
    const ended = await s.twirp("GetCacheEntryDownloadURL", token, { key: "k", version: "v1" });
    expect(ended.status).toBe(401);
    expect(await ended.json()).toMatchObject({ msg: expect.stringContaining("finished") });
  });

  it("refuses another job's finalize, and an upload once the job that created it ended", async () => {
    const s = setup();
    const a = s.job();
    const b = s.job();
    const url = await create(s, a.token, "k");
    await s.put(url, archive(100));
    const res = await s.twirp("FinalizeCacheEntryUpload", b.token, {
      key: "k",
      version: "v1",
      size_bytes: 100,
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "permission_denied" });
    const url2 = await create(s, a.token, "k2");
    s.tokens.revoke(a.grant.jobId);
    await s.service.endJob(a.grant.jobId);
    expect((await s.put(url2, archive(100))).status).toBe(404);
    expect(await s.stored()).toEqual([]);
  });

  it("refuses an upload beyond the entry size limit with 413 and stores nothing", async () => {
    const s = setup();
    const { token } = s.job();
    const url = await create(s, token, "k");
    const res = await s.put(url, archive(LIMIT + 1));
    expect(res.status).toBe(413);
    expect(res.headers.get("x-ms-error-code")).toBe("RequestBodyTooLarge");
    expect(await res.text()).toContain("64.0 KB (65536 bytes) limit of a cache entry");
    // Blocks count together: two halves that pass the limit between them are refused too.
    const half = archive(LIMIT / 2 + 10);
    expect(
      (await s.put(`${url}&comp=block&blockid=${Buffer.from("a").toString("base64")}`, half)).status,
    ).toBe(201);
    expect(
      (await s.put(`${url}&comp=block&blockid=${Buffer.from("b").toString("base64")}`, half)).status,
    ).toBe(413);
    const fin = await s.twirp("FinalizeCacheEntryUpload", token, {
      key: "k",
      version: "v1",
      size_bytes: LIMIT + 1,
    });
    expect(fin.status).toBe(400);
    expect(await s.stored()).toEqual([]);
  });

  it("refuses a truncated body, a finalize whose size does not match, and a block list naming a missing block", async () => {
    const s = setup();
    const { token } = s.job();
    const url = await create(s, token, "k");
    const cut = await s.put(url, archive(100), { "content-length": "500" });
    expect(cut.status).toBe(400);
    expect(await cut.text()).toContain("100 of the 500 bytes");
    const missing = await s.put(
      `${url}&comp=blocklist`,
      `<BlockList><Latest>${Buffer.from("x").toString("base64")}</Latest></BlockList>`,
    );
    expect(missing.status).toBe(400);
    expect(missing.headers.get("x-ms-error-code")).toBe("InvalidBlockList");
    // Never committed: finalize refuses.
    const early = await s.twirp("FinalizeCacheEntryUpload", token, {
      key: "k",
      version: "v1",
      size_bytes: 100,
    });
    expect(early.status).toBe(412);
    const url2 = await create(s, token, "k");
    await s.put(url2, archive(100));
    const wrong = await s.twirp("FinalizeCacheEntryUpload", token, {
      key: "k",
      version: "v1",
      size_bytes: 99,
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({
      code: "invalid_argument",
      msg: expect.stringContaining("99 bytes"),
    });
    expect(await s.stored()).toEqual([]);
    // The refused upload freed the key.
    await create(s, token, "k");
  });

  it("refuses an upload that is not a compressed tar archive", async () => {
    const s = setup();
    const { token } = s.job();
    const url = await create(s, token, "k");
    await s.put(url, "plain text");
    const res = await s.twirp("FinalizeCacheEntryUpload", token, { key: "k", version: "v1", size_bytes: 10 });
    expect(await res.json()).toMatchObject({
      code: "invalid_argument",
      msg: expect.stringContaining("not a zstd or gzip"),
    });
    expect(await s.stored()).toEqual([]);
  });

  it("refuses a write to a finalised entry (409) and a second reservation of a stored key", async () => {
    const s = setup();
    const { token } = s.job();
    const url = await create(s, token, "k");
    await s.put(url, archive(100));
    await s.twirp("FinalizeCacheEntryUpload", token, { key: "k", version: "v1", size_bytes: 100 });
    const again = await s.put(url, archive(100));
    expect(again.status).toBe(409);
    expect(again.headers.get("x-ms-error-code")).toBe("BlobImmutable");
    const dup = await s.twirp("CreateCacheEntry", token, { key: "k", version: "v1" });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ code: "already_exists" });
  });

  it("refuses malformed JSON, missing fields, bad keys, unknown methods and unsigned URLs", async () => {
    const s = setup();
    const { token } = s.job();
    const bad = await s.twirp("CreateCacheEntry", token, "{not json");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "malformed" });
    expect(await (await s.twirp("CreateCacheEntry", token, [])).json()).toMatchObject({ code: "malformed" });
    expect(await (await s.twirp("CreateCacheEntry", token, { key: "k" })).json()).toMatchObject({
      code: "invalid_argument",
      msg: "version is required",
    });
    expect(
      await (await s.twirp("CreateCacheEntry", token, { key: "a,b", version: "v" })).json(),
    ).toMatchObject({
      code: "invalid_argument",
    });
    expect((await s.twirp("DeleteEverything", token, {})).status).toBe(404);
    const url = await create(s, token, "k");
    const unsigned = url.replace(/\?.*$/, "");
    expect((await s.put(unsigned, archive(10))).status).toBe(403);
    expect((await s.put(url.replace(/sig=[^&]+/, "sig=forged"), archive(10))).status).toBe(403);
    expect((await s.service.app.request(url.replace("/uploads/", "/entries/"))).status).toBe(403);
  });
});

describe.each(BACKENDS)("CacheService v1 (_apis/artifactcache) on %s", (_, make) => {
  beforeAll(() => {
    makeStore = make;
  });

  it("reserves, takes chunks out of order, commits and finds the entry", async () => {
    const s = setup();
    const { token } = s.job();
    const data = archive(3000);
    const reserve = await s.v1("caches", token, {
      method: "POST",
      body: JSON.stringify({ key: "k", version: "v1", cacheSize: 3000 }),
    });
    expect(reserve.status).toBe(201);
    const { cacheId } = (await reserve.json()) as { cacheId: number };
    const chunk = (start: number, end: number) =>
      s.v1(`caches/${cacheId}`, token, {
        method: "PATCH",
        body: new Uint8Array(data.subarray(start, end + 1)),
        headers: { "content-type": "application/octet-stream", "content-range": `bytes ${start}-${end}/*` },
      });
    expect((await chunk(2000, 2999)).status).toBe(204);
    expect((await chunk(0, 1999)).status).toBe(204);
    expect(
      (await s.v1(`caches/${cacheId}`, token, { method: "POST", body: JSON.stringify({ size: 3000 }) }))
        .status,
    ).toBe(204);
    const found = await s.v1("cache?keys=nope,k&version=v1", token);
    expect(found.status).toBe(200);
    const entry = (await found.json()) as { cacheKey: string; archiveLocation: string };
    expect(entry.cacheKey).toBe("k");
    const bytes = Buffer.from(await (await s.service.app.request(entry.archiveLocation)).arrayBuffer());
    expect(bytes.equals(data)).toBe(true);
    expect((await s.v1("cache?keys=nope&version=v1", token)).status).toBe(204);
    // Committed: no more chunks.
    expect((await chunk(0, 9)).status).toBe(409);
  });

  it("refuses a commit with a gap or a wrong size, an oversize reservation or chunk, and bad requests", async () => {
    const s = setup();
    const { token } = s.job();
    const other = s.job();
    const reserve = async (key: string) =>
      (
        (await (
          await s.v1("caches", token, { method: "POST", body: JSON.stringify({ key, version: "v1" }) })
        ).json()) as { cacheId: number }
      ).cacheId;
    const id = await reserve("k");
    const patch = (t: string, range: string, body: Buffer) =>
      s.v1(`caches/${id}`, t, {
        method: "PATCH",
        body: new Uint8Array(body),
        headers: { "content-range": range },
      });
    expect((await patch(token, "bytes 100-199/*", archive(100))).status).toBe(204);
    expect((await patch(other.token, "bytes 0-99/*", archive(100))).status).toBe(403);
    expect((await patch(token, "bytes 0-99/*", archive(50))).status).toBe(400);
    expect((await patch(token, "nonsense", archive(50))).status).toBe(400);
    expect((await patch(token, `bytes ${LIMIT}-${LIMIT + 9}/*`, archive(10))).status).toBe(413);
    const commit = await s.v1(`caches/${id}`, token, { method: "POST", body: JSON.stringify({ size: 200 }) });
    expect(commit.status).toBe(400);
    expect(((await commit.json()) as { message: string }).message).toContain(
      "0 bytes uploaded from offset 0",
    );
    expect(await s.stored()).toEqual([]);

    const big = await s.v1("caches", token, {
      method: "POST",
      body: JSON.stringify({ key: "b", version: "v1", cacheSize: LIMIT + 1 }),
    });
    expect(big.status).toBe(400);
    expect(((await big.json()) as { message: string }).message).toContain("64.0 KB limit");
    expect((await s.v1("caches", token, { method: "POST", body: "{" })).status).toBe(400);
    expect((await s.v1("caches", "nope", { method: "POST", body: "{}" })).status).toBe(401);
    expect((await s.v1("cache?keys=k", token)).status).toBe(400);
    const id2 = await reserve("k");
    expect(
      (await s.v1("caches", token, { method: "POST", body: JSON.stringify({ key: "k", version: "v1" }) }))
        .status,
    ).toBe(409);
    expect(id2).not.toBe(id);
    // Nothing left behind in staging but the one reservation in progress.
    expect(readdirSync(join(s.root, "staging")).length).toBeLessThanOrEqual(1);
  });
});
