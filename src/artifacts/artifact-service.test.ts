import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { FileBlobStore } from "../blobs/index.js";
import { JobTokens } from "../cache/index.js";
import { ArtifactService } from "./artifact-service.js";
import { BlobArtifactStore } from "./blob-artifact-store.js";
import { FsArtifactStore } from "./fs-artifact-store.js";
import type { RunArtifactStore } from "./run-artifact-store.js";
import { extractZip } from "./zip-read.js";
import { zipFiles } from "./zip-write.js";

const SERVICE = "/twirp/github.actions.results.api.v1.ArtifactService";
const LIMIT = 64 * 1024;
const RUN = "4242";

/** A zip of entries, each stored or deflated, written by hand (names unchecked, for bad input). */
function craftZip(entries: { name: string; data: Buffer; deflate?: boolean }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(e.deflate ? 8 : 0, 8);
    head.writeUInt32LE(crc32(e.data) >>> 0, 14);
    head.writeUInt32LE(body.length, 18);
    head.writeUInt32LE(e.data.length, 22);
    head.writeUInt16LE(name.length, 26);
    parts.push(head, name, body);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(e.deflate ? 8 : 0, 10);
    cd.writeUInt32LE(crc32(e.data) >>> 0, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}

function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** The stores the service runs on: a folder (gantry run, the server by default) and a blob store. */
const BACKENDS: [string, (root: string) => RunArtifactStore][] = [
  ["a folder", (root) => new FsArtifactStore({ root: join(root, "store") })],
  [
    "a blob store (file:///)",
    (root) => new BlobArtifactStore({ blobs: new FileBlobStore(join(root, "store")) }),
  ],
];
let makeStore = BACKENDS[0][1];

function setup() {
  const root = mkdtempSync(join(tmpdir(), "gantry-artifact-service-"));
  const store = makeStore(root);
  const tokens = new JobTokens();
  const service = new ArtifactService({
    store,
    tokens,
    stagingDir: join(root, "staging"),
    maxArtifactSize: LIMIT,
  });
  const job = (runId = RUN) => {
    const { grant, token } = tokens.issue(runId, ["refs/heads/main"]);
    const ids = { workflow_run_backend_id: grant.runId, workflow_job_run_backend_id: grant.jobId };
    return { grant, token, ids };
  };
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
  /** CreateArtifact, the zip in one Put Blob, FinalizeArtifact: the finalize response. */
  const upload = async (
    j: ReturnType<typeof job>,
    name: string,
    zip: Buffer,
    finalize: Record<string, unknown> = {},
  ) => {
    const created = await twirp("CreateArtifact", j.token, { ...j.ids, name, version: 4 });
    const { signed_upload_url } = (await created.json()) as { signed_upload_url: string };
    expect((await put(signed_upload_url, zip)).status).toBe(201);
    return twirp("FinalizeArtifact", j.token, {
      ...j.ids,
      name,
      size: String(zip.length),
      hash: sha256(zip),
      ...finalize,
    });
  };
  return { root, store, tokens, service, job, twirp, put, upload };
}

describe.each(BACKENDS)("ArtifactService on %s", (_, make) => {
  beforeAll(() => {
    makeStore = make;
  });

  it("takes a zip in blocks, stores its files, lists it, serves it as a zip and deletes it", async () => {
    const s = setup();
    const j = s.job();
    const big = randomBytes(20_000);
    const zip = craftZip([
      { name: "dir/", data: Buffer.alloc(0) },
      { name: "dir/a.txt", data: Buffer.from("alpha\n"), deflate: true },
      { name: "b.bin", data: big },
      { name: "empty", data: Buffer.alloc(0) },
    ]);
    const created = await s.twirp("CreateArtifact", j.token, {
      ...j.ids,
      name: "my-art",
      version: 7,
      mime_type: "application/zip",
      expires_at: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    });
    const { ok, signed_upload_url: url } = (await created.json()) as {
      ok: boolean;
      signed_upload_url: string;
    };
    expect(ok).toBe(true);
    const ids = ["MDAwMDA=", "MDAwMDE="];
    await s.put(`${url}&comp=block&blockid=${ids[0]}`, zip.subarray(0, 10_000));
    await s.put(`${url}&comp=block&blockid=${ids[1]}`, zip.subarray(10_000));
    const list = `<BlockList><Latest>${ids[0]}</Latest><Latest>${ids[1]}</Latest></BlockList>`;
    expect((await s.put(`${url}&comp=blocklist`, list)).status).toBe(201);
    const fin = await s.twirp("FinalizeArtifact", j.token, {
      ...j.ids,
      name: "my-art",
      size: String(zip.length),
      hash: sha256(zip),
    });
    expect(await fin.json()).toEqual({ ok: true, artifact_id: "1" });

    // What the built-in download-artifact reads.
    const dest = join(s.root, "built-in");
    const info = await s.store.download(RUN, "my-art", dest);
    expect(readFileSync(join(dest, "dir", "a.txt"), "utf8")).toBe("alpha\n");
    expect(readFileSync(join(dest, "b.bin")).equals(big)).toBe(true);
    expect(Date.parse(info.expiresAt) - Date.parse(info.createdAt)).toBe(3 * 86_400_000);

    // Any job of the run lists and downloads it.
    const other = s.job();
    const listed = await s.twirp("ListArtifacts", other.token, { ...other.ids, name_filter: "my-art" });
    expect(await listed.json()).toEqual({
      artifacts: [
        {
          ...other.ids,
          database_id: "1",
          name: "my-art",
          size: String(6 + 20_000),
          created_at: info.createdAt,
          digest: info.digest,
          expires_at: info.expiresAt,
          attempt: 1,
        },
      ],
    });
    const byId = await s.twirp("ListArtifacts", other.token, { ...other.ids, id_filter: "2" });
    expect(await byId.json()).toEqual({ artifacts: [] });
    const signed = await s.twirp("GetSignedArtifactURL", other.token, { ...other.ids, name: "my-art" });
    const { signed_url } = (await signed.json()) as { signed_url: string };
    const res = await s.service.app.request(signed_url);
    expect(res.headers.get("content-type")).toBe("application/zip");
    const served = join(s.root, "served.zip");
    writeFileSync(served, Buffer.from(await res.arrayBuffer()));
    const out = join(s.root, "unzipped");
    expect((await extractZip(served, out, LIMIT)).sort()).toEqual(["b.bin", "dir/a.txt", "empty"]);
    expect(readFileSync(join(out, "b.bin")).equals(big)).toBe(true);

    const deleted = await s.twirp("DeleteArtifact", j.token, { ...j.ids, name: "my-art" });
    expect(await deleted.json()).toEqual({ ok: true, artifact_id: "1" });
    expect(await s.store.list(RUN)).toEqual([]);
    expect((await s.service.app.request(signed_url)).status).toBe(404);
  });

  it("serves the built-in upload-artifact's artifacts as zips the service itself reads back", async () => {
    const s = setup();
    const src = join(s.root, "src");
    mkdirSync(join(src, "x"), { recursive: true });
    writeFileSync(join(src, "x", "one.txt"), "one");
    await s.store.upload({
      runId: RUN,
      name: "bi",
      files: [join(src, "x", "one.txt")],
      rootDirectory: src,
      retentionDays: 1,
      overwrite: false,
    });
    const j = s.job();
    const { signed_url } = (await (
      await s.twirp("GetSignedArtifactURL", j.token, { ...j.ids, name: "bi" })
    ).json()) as { signed_url: string };
    const zip = Buffer.from(await (await s.service.app.request(signed_url)).arrayBuffer());
    // Round trip: the served zip uploads as another artifact with the same files.
    expect(await (await s.upload(j, "again", zip)).json()).toMatchObject({ ok: true });
    expect(await s.store.files(RUN, "again")).toEqual(["x/one.txt"]);
  });

  it("refuses a missing or finished token (401), another run (403) and writes for another job (403)", async () => {
    const s = setup();
    const j = s.job();
    const none = await s.twirp("ListArtifacts", undefined, j.ids);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: "unauthenticated" });
    const elsewhere = await s.twirp("ListArtifacts", j.token, { ...j.ids, workflow_run_backend_id: "999" });
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.json()).toMatchObject({ code: "permission_denied" });
    const other = s.job();
    const forOther = await s.twirp("CreateArtifact", j.token, { ...other.ids, name: "x" });
    expect(forOther.status).toBe(403);
    const created = await s.twirp("CreateArtifact", j.token, { ...j.ids, name: "x" });
    const { signed_upload_url } = (await created.json()) as { signed_upload_url: string };
    expect(
      (await s.twirp("FinalizeArtifact", other.token, { ...other.ids, name: "x", size: "0" })).status,
    ).toBe(403);
    s.tokens.revoke(j.grant.jobId);
    expect((await s.twirp("ListArtifacts", j.token, j.ids)).status).toBe(401);
    expect((await s.put(signed_upload_url, craftZip([]))).status).toBe(403);
    expect(await s.store.list(RUN)).toEqual([]);
  });

  it("refuses an upload beyond the limit (413) and a zip whose files unzip beyond it", async () => {
    const s = setup();
    const j = s.job();
    const created = await s.twirp("CreateArtifact", j.token, { ...j.ids, name: "big" });
    const { signed_upload_url } = (await created.json()) as { signed_upload_url: string };
    const res = await s.put(signed_upload_url, randomBytes(LIMIT + 1));
    expect(res.status).toBe(413);
    expect(await res.text()).toContain(
      "64.0 KB (65536 bytes) limit of an artifact (GANTRY_ARTIFACT_MAX_SIZE)",
    );
    expect((await s.twirp("FinalizeArtifact", j.token, { ...j.ids, name: "big", size: "1" })).status).toBe(
      412,
    );
    const bomb = craftZip([{ name: "zeros", data: Buffer.alloc(LIMIT * 4), deflate: true }]);
    expect(bomb.length).toBeLessThan(LIMIT);
    const fin = await s.upload(j, "bomb", bomb);
    expect(await fin.json()).toMatchObject({
      code: "invalid_argument",
      msg: expect.stringContaining("limit of an artifact"),
    });
    expect(await s.store.list(RUN)).toEqual([]);
  });

  it("refuses path traversal in zip entries and artifact names, and stores nothing", async () => {
    const s = setup();
    const j = s.job();
    for (const name of ["../evil.txt", "a/../../evil.txt", "/etc/evil.txt", "a\\..\\evil.txt"]) {
      const fin = await s.upload(
        j,
        "t",
        craftZip([
          { name: "ok.txt", data: Buffer.from("ok") },
          { name, data: Buffer.from("x") },
        ]),
      );
      expect(fin.status).toBe(400);
      expect(await fin.json()).toMatchObject({
        code: "invalid_argument",
        msg: expect.stringContaining(name),
      });
    }
    expect(existsSync(join(s.root, "evil.txt"))).toBe(false);
    expect(existsSync(join(s.root, "staging", "evil.txt"))).toBe(false);
    const dup = await s.upload(
      j,
      "t",
      craftZip([
        { name: "a", data: Buffer.from("1") },
        { name: "a", data: Buffer.from("2") },
      ]),
    );
    expect(await dup.json()).toMatchObject({ msg: expect.stringContaining("twice") });
    for (const name of ["../x", "a/b", "..", ""]) {
      const res = await s.twirp("CreateArtifact", j.token, { ...j.ids, name });
      expect(res.status).toBe(400);
    }
    expect(await s.store.list(RUN)).toEqual([]);
    // Nothing is left staged.
    expect(readdirSync(join(s.root, "staging"))).toEqual([]);
  });

  it("refuses a finalize whose size or digest does not match, a corrupt zip and a never-completed upload", async () => {
    const s = setup();
    const j = s.job();
    const zip = craftZip([{ name: "a.txt", data: Buffer.from("hello") }]);
    const short = await s.upload(j, "t", zip, { size: String(zip.length + 1) });
    expect(await short.json()).toMatchObject({
      code: "invalid_argument",
      msg: expect.stringContaining(`${zip.length} bytes uploaded`),
    });
    const wrong = await s.upload(j, "t", zip, { hash: "sha256:00" });
    expect(await wrong.json()).toMatchObject({
      code: "invalid_argument",
      msg: expect.stringContaining("corrupted"),
    });
    const corrupt = Buffer.from(zip);
    corrupt[35] ^= 0xff; // inside a.txt's bytes: the CRC-32 no longer matches
    expect(await (await s.upload(j, "t", corrupt)).json()).toMatchObject({
      msg: expect.stringContaining("corrupt"),
    });
    expect(await (await s.upload(j, "t", randomBytes(100))).json()).toMatchObject({
      msg: expect.stringContaining("Not a zip"),
    });
    const created = await s.twirp("CreateArtifact", j.token, { ...j.ids, name: "t" });
    const { signed_upload_url } = (await created.json()) as { signed_upload_url: string };
    const cut = await s.put(signed_upload_url, zip, { "content-length": String(zip.length + 50) });
    expect(cut.status).toBe(400);
    expect(
      (await s.twirp("FinalizeArtifact", j.token, { ...j.ids, name: "t", size: String(zip.length) })).status,
    ).toBe(412);
    expect(await s.store.list(RUN)).toEqual([]);
  });

  it("refuses a second artifact of a name (409), writes to a finalised upload (409) and malformed requests", async () => {
    const s = setup();
    const j = s.job();
    const zip = craftZip([{ name: "a.txt", data: Buffer.from("hello") }]);
    const created = await s.twirp("CreateArtifact", j.token, { ...j.ids, name: "one" });
    const { signed_upload_url } = (await created.json()) as { signed_upload_url: string };
    await s.put(signed_upload_url, zip);
    await s.twirp("FinalizeArtifact", j.token, { ...j.ids, name: "one", size: String(zip.length) });
    const late = await s.put(signed_upload_url, zip);
    expect(late.status).toBe(409);
    expect(late.headers.get("x-ms-error-code")).toBe("BlobImmutable");
    const dup = await s.twirp("CreateArtifact", j.token, { ...j.ids, name: "ONE" });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ code: "already_exists" });
    const bad = await s.twirp("CreateArtifact", j.token, "{");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "malformed" });
    expect(await (await s.twirp("CreateArtifact", j.token, { ...j.ids, name: 5 })).json()).toMatchObject({
      code: "invalid_argument",
    });
    expect(
      await (await s.twirp("ListArtifacts", j.token, { ...j.ids, id_filter: "x" })).json(),
    ).toMatchObject({ code: "invalid_argument" });
    expect((await s.twirp("GetSignedArtifactURL", j.token, { ...j.ids, name: "nope" })).status).toBe(404);
    expect((await s.twirp("MigrateArtifact", j.token, j.ids)).status).toBe(404);
    expect((await s.service.app.request(`/_blob/artifact-downloads/${RUN}/1/b25l.zip`)).status).toBe(403);
    expect(await s.store.files(RUN, "one")).toEqual(["a.txt"]);
  });
});

describe("zipFiles", () => {
  it("writes a zip extractZip reads back, empty files and nested names included", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-zip-"));
    writeFileSync(join(root, "a"), "A");
    writeFileSync(join(root, "e"), "");
    const chunks: Uint8Array[] = [];
    for await (const c of zipFiles([
      { name: "x/a.txt", path: join(root, "a") },
      { name: "e", path: join(root, "e") },
    ]))
      chunks.push(c);
    writeFileSync(join(root, "z.zip"), Buffer.concat(chunks));
    const out = join(root, "out");
    expect(await extractZip(join(root, "z.zip"), out, 100)).toEqual(["x/a.txt", "e"]);
    expect(readFileSync(join(out, "x", "a.txt"), "utf8")).toBe("A");
    expect(readFileSync(join(out, "e"), "utf8")).toBe("");
  });
});
