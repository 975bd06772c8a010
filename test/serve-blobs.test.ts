// `gantry serve --blobs URL`: job logs, artifacts and cache entries go to a blob store (S3 on an
// S3-compatible server started here on loopback, or a directory), are read back through the
// server's API, and nothing of them stays under --data.
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BlobStore, FileBlobStore, S3BlobStore } from "../src/blobs/index.js";
import { makeRepo } from "./harness.js";
import { startS3Server, type TestS3Server } from "./s3-server.js";
import { api, dispatchRun, type Serve, serve, serveWithConfig } from "./serve-harness.js";

const token = "blobs-token";

const CI = `name: CI
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: deps
        uses: actions/cache@v4
        with:
          path: deps
          key: deps-\${{ hashFiles('lock.txt') }}
      - if: steps.deps.outputs.cache-hit != 'true'
        run: mkdir -p deps && echo "made in run \${{ github.run_number }}" > deps/made.txt
      - run: |
          echo "aws in job: \${AWS_SECRET_ACCESS_KEY:-none} \${AWS_ACCESS_KEY_ID:-none}"
          echo "cache hit: \${{ steps.deps.outputs.cache-hit }}"
          echo "deps say: $(cat deps/made.txt)"
          mkdir -p out/sub && echo "artifact of run \${{ github.run_number }}" > out/sub/result.txt
      - uses: actions/upload-artifact@v4
        with: { name: result, path: out }
`;

/** Every file under `dir` (none when it is not there). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
    statSync(join(dir, f)).isFile(),
  );
}

let s3: TestS3Server;
const s3Dir = mkdtempSync(join(tmpdir(), "gantry-s3-e2e-"));
beforeAll(async () => {
  s3 = await startS3Server(s3Dir);
  await s3.createBucket("gantry-e2e");
});
afterAll(async () => {
  await s3?.close();
});

/** Two runs of CI: the first saves the cache, the second restores it; each uploads an artifact. */
async function twoRuns(server: Serve & { data: string }, blobs: BlobStore): Promise<void> {
  const runs = "/repos/acme/app/actions/runs";
  const first = await dispatchRun(server, token, "ci.yml");
  expect((await first.done(1)).json.conclusion).toBe("success");
  const second = await dispatchRun(server, token, "ci.yml");
  expect((await second.done(1)).json.conclusion).toBe("success");

  // The job's log, read back through the API: the second run found the first one's cache.
  const job = async (runId: number) =>
    (await api(server, token, "GET", `${runs}/${runId}/jobs`)).json.jobs[0];
  const log1 = (
    await api(server, token, "GET", `/repos/acme/app/actions/jobs/${(await job(first.id)).id}/logs`)
  ).text;
  expect(log1).toMatch(/cache hit: (false)?$/m);
  const log2 = (
    await api(server, token, "GET", `/repos/acme/app/actions/jobs/${(await job(second.id)).id}/logs`)
  ).text;
  expect(log2).toContain("cache hit: true");
  expect(log2).toContain("deps say: made in run 1");
  // The store's credentials are the server's: a job never sees them.
  expect(log2).toContain("aws in job: none none");
  // Followed (SSE) once the job is done: the whole log, from the store.
  const followed = await fetch(
    `${server.url}/api/v1/repos/acme/app/actions/jobs/${(await job(second.id)).id}/logs?follow=1`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  expect(await followed.text()).toContain("deps say: made in run 1");
  // The run's log archive holds the job's log.
  const zip = await fetch(`${server.url}/api/v1${runs}/${second.id}/logs`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(zip.status).toBe(200);
  expect(Buffer.from(await zip.arrayBuffer()).toString("latin1")).toContain("deps say: made in run 1");

  // The artifact, listed and downloaded as a zip (stored, uncompressed: its bytes show).
  const listed = (await api(server, token, "GET", `${runs}/${second.id}/artifacts`)).json;
  expect(listed.artifacts.map((a: { name: string }) => a.name)).toEqual(["result"]);
  const artifact = await fetch(`${server.url}/api/v1${runs}/${second.id}/artifacts/result/zip`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(artifact.status).toBe(200);
  const bytes = Buffer.from(await artifact.arrayBuffer()).toString("latin1");
  expect(bytes).toContain("sub/result.txt");
  expect(bytes).toContain("artifact of run 2");

  // All of it is in the blob store …
  const keys = (await blobs.list("")).map((b) => b.key);
  expect(keys.filter((k) => k.startsWith("logs/")).length).toBeGreaterThanOrEqual(2);
  expect(keys.some((k) => k.startsWith(`artifacts/${second.id}/`))).toBe(true);
  expect(keys.some((k) => k.startsWith("cache/entries/"))).toBe(true);
  expect(keys.some((k) => k.startsWith("cache/archives/"))).toBe(true);
  // … and none of it under --data.
  expect(filesUnder(join(server.data, "logs"))).toEqual([]);
  expect(filesUnder(join(server.data, "artifacts"))).toEqual([]);
  expect(filesUnder(join(server.data, "cache"))).toEqual([]);
}

describe("gantry serve --blobs", () => {
  it("keeps logs, artifacts and cache entries in S3 (s3rver on loopback), never the credentials in a log or answer", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": CI, "lock.txt": "v1\n" } });
    const url = `s3://gantry-e2e/ci?endpoint=${s3.endpoint}&region=us-east-1`;
    const server = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      token,
      ["--blobs", url],
      s3.env,
    );
    expect(server.stderr()).toContain("go to s3://gantry-e2e/ci/ at");
    const whole = await S3BlobStore.open({
      bucket: "gantry-e2e",
      prefix: "ci/",
      endpoint: s3.endpoint,
      region: "us-east-1",
      pathStyle: true,
    });
    Object.assign(process.env, s3.env);
    await twoRuns(server, whole);
    const run = (await api(server, token, "GET", "/repos/acme/app/actions/runs")).text;
    for (const text of [server.stdout(), server.stderr(), run]) {
      expect(text).not.toContain(s3.secretAccessKey);
      expect(text).not.toContain(s3.accessKeyId);
    }
  });

  it("keeps them in a directory given as file:///, named in the config file", async () => {
    const repo = makeRepo({ files: { ".github/workflows/ci.yml": CI, "lock.txt": "v1\n" } });
    const dir = join(mkdtempSync(join(tmpdir(), "gantry-blob-dir-")), "blobs");
    const server = await serveWithConfig(
      `repo_url_schemes: [file]\nblobs: file://${dir}\nrepos:\n  - { owner: acme, name: app, url: ${repo} }\n`,
      token,
    );
    await twoRuns(server, new FileBlobStore(dir));
  });

  it("refuses a bad URL, naming the flag or the config file's line and column, and never echoes a secret", async () => {
    const flag = await serve([
      "--data",
      mkdtempSync(join(tmpdir(), "gantry-d-")),
      "--blobs",
      "s3://AK:hunter2secret@bkt",
    ]).then(
      () => "started",
      (err: Error) => err.message,
    );
    expect(flag).toContain("--blobs: a blob store URL must not hold credentials");
    expect(flag).not.toContain("hunter2secret");

    const config = await serveWithConfig(`repos: []\nblobs: "ftp://x/y"\n`, token).then(
      () => "started",
      (err: Error) => err.message,
    );
    expect(config).toMatch(/config\.yml:2:8: .*blobs: unsupported blob store 'ftp:\/\/'/);

    const noBucket = await serve(
      [
        "--data",
        mkdtempSync(join(tmpdir(), "gantry-d-")),
        "--blobs",
        `s3://no-such-bucket?endpoint=${s3.endpoint}`,
      ],
      s3.env,
    ).then(
      () => "started",
      (err: Error) => err.message,
    );
    expect(noBucket).toContain("--blobs: cannot read s3://no-such-bucket/");
    expect(noBucket).not.toContain(s3.secretAccessKey);
  });
});
