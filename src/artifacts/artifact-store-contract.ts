import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ArtifactError, type ArtifactStore } from "../actions/index.js";
import type { RunArtifactStore } from "./run-artifact-store.js";
import { extractZip } from "./zip-read.js";
import { zipFiles } from "./zip-write.js";

function temp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function tree(files: Record<string, string>): { root: string; files: string[] } {
  const root = temp("gantry-art-src-");
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  return { root, files: Object.keys(files).map((p) => join(root, p)) };
}

function upload(
  name: string,
  files: Record<string, string>,
  extra: { overwrite?: boolean; runId?: string } = {},
) {
  const t = tree(files);
  return {
    runId: extra.runId ?? "42",
    name,
    files: t.files,
    rootDirectory: t.root,
    retentionDays: 1,
    overwrite: extra.overwrite ?? false,
  };
}

/**
 * What every ArtifactStore does as jobs use it (the port of the built-in upload-artifact and
 * download-artifact): in process (a folder, a blob store) or over HTTP from a runner machine
 * (HttpArtifactStore). `make` gives a fresh, empty store as a function giving the store one job
 * of run `runId` (attempt `attempt`, 1 when not said) uses; each call is another job.
 * `racingUploads`: see artifactStoreContract.
 */
export function artifactPortContract(
  label: string,
  make: () => Promise<(runId: string, attempt?: number) => ArtifactStore | Promise<ArtifactStore>>,
  opts: { racingUploads?: boolean } = {},
): void {
  describe(`artifact port contract: ${label}`, () => {
    it("stores an artifact per run and gives its files back under the destination", async () => {
      const jobs = await make();
      const s = await jobs("42");
      const info = await s.upload(upload("build", { "a.txt": "A", "sub/b.txt": "BB" }));
      expect(info).toMatchObject({ id: 1, name: "build", runId: "42", size: 3, attempt: 1 });
      expect(info.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(Date.parse(info.expiresAt) - Date.parse(info.createdAt)).toBe(86_400_000);
      expect(await s.list("42")).toEqual([info]);
      expect(await (await jobs("43")).list("43")).toEqual([]);
      const dest = temp("gantry-art-dest-");
      expect(await (await jobs("42")).download("42", "BUILD", dest)).toEqual(info);
      expect(readFileSync(join(dest, "a.txt"), "utf8")).toBe("A");
      expect(readFileSync(join(dest, "sub/b.txt"), "utf8")).toBe("BB");
      expect(await code(s.download("42", "nope", dest))).toBe("artifact-not-found");
    });

    it("gives the same content the same digest and other content another", async () => {
      const s = await (await make())("42");
      const a = await s.upload(upload("a", { "x.txt": "same" }));
      const b = await s.upload(upload("b", { "x.txt": "same" }));
      const c = await s.upload(upload("c", { "x.txt": "other" }));
      expect(a.digest).toBe(b.digest);
      expect(c.digest).not.toBe(a.digest);
      expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    });

    it("keeps names immutable unless overwrite is asked for", async () => {
      const s = await (await make())("42");
      await s.upload(upload("logs", { "a.txt": "first" }));
      expect(await code(s.upload(upload("logs", { "a.txt": "second" })))).toBe("artifact-exists");
      await s.upload(upload("logs", { "b.txt": "third" }, { overwrite: true }));
      const dest = temp("gantry-art-dest-");
      await s.download("42", "logs", dest);
      expect(readdirSync(dest)).toEqual(["b.txt"]);
    });

    it("ends concurrent uploads of one name by jobs of the run with exactly one artifact", async () => {
      const jobs = await make();
      const results = await Promise.allSettled(
        ["1", "2", "3"].map(async (c) => (await jobs("42")).upload(upload("same", { "f.txt": c }))),
      );
      if (opts.racingUploads !== false)
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(await (await jobs("42")).list("42")).toHaveLength(1);
    });

    it("rejects names GitHub forbids and names that would leave the folder", async () => {
      const s = await (await make())("42");
      for (const name of ["a/b", "..", "a\\b", "x:y", "q?", "", "two\nlines"]) {
        expect(await code(s.upload(upload(name, { "f.txt": "x" })))).toBe("invalid-name");
      }
    });

    it("rejects files outside the root directory", async () => {
      const s = await (await make())("42");
      const t = tree({ "f.txt": "x" });
      const req = { ...upload("x", {}), files: t.files, rootDirectory: join(t.root, "sub") };
      expect(await code(s.upload(req))).toBe("invalid-path");
    });

    it("keeps each attempt's copy of a name and lists the newest up to an attempt", async () => {
      const jobs = await make();
      await (await jobs("12", 1)).upload({
        ...upload("rep", { "f.txt": "first" }, { runId: "12" }),
        attempt: 1,
      });
      await (await jobs("12", 2)).upload({
        ...upload("rep", { "f.txt": "second" }, { runId: "12" }),
        attempt: 2,
      });
      expect((await (await jobs("12", 1)).list("12", 1)).map((a) => a.attempt)).toEqual([1]);
      expect((await (await jobs("12", 2)).list("12")).map((a) => a.attempt)).toEqual([2]);
    });
  });
}

/**
 * What every RunArtifactStore does (a folder; a blob store on a directory or on S3): the port's
 * contract, and the server's zips, removal and retention. `make` gives a fresh, empty store on
 * the clock given. `racingUploads: false` for a store whose server ignores conditional writes (see
 * cacheStoreContract): there the last of racing uploads of a name stays.
 */
export function artifactStoreContract(
  label: string,
  make: (now?: () => number) => Promise<RunArtifactStore>,
  opts: { racingUploads?: boolean } = {},
): void {
  artifactPortContract(
    label,
    async () => {
      const store = await make();
      return () => store;
    },
    opts,
  );
  describe(`artifact store contract: ${label}`, () => {
    it("hides an artifact once its retention has passed", async () => {
      let now = Date.parse("2026-01-01T00:00:00Z");
      const s = await make(() => now);
      await s.upload(upload("short", { "f.txt": "x" }));
      expect(await s.list("42")).toHaveLength(1);
      now += 2 * 24 * 60 * 60 * 1000;
      expect(await s.list("42")).toEqual([]);
      expect(await code(s.download("42", "short", temp("d-")))).toBe("artifact-not-found");
    });

    it("names the runs it holds and an artifact's files, hiding an expired one's", async () => {
      let now = Date.parse("2026-01-01T00:00:00Z");
      const s = await make(() => now);
      expect(await s.runs()).toEqual([]);
      await s.upload(upload("a", { "z.txt": "z", "d/b.txt": "b" }, { runId: "7" }));
      await s.upload(upload("b", { "f.txt": "f" }, { runId: "8" }));
      expect((await s.runs()).sort()).toEqual(["7", "8"]);
      expect(await s.files("7", "A")).toEqual(["d/b.txt", "z.txt"]);
      expect(await s.files("7", "b")).toBeUndefined();
      now += 2 * 24 * 60 * 60 * 1000;
      expect(await s.files("7", "a")).toBeUndefined();
    });

    it("zips an artifact's files, removes one artifact, a run's, and the expired ones", async () => {
      let now = Date.parse("2026-01-01T00:00:00Z");
      const s = await make(() => now);
      await s.upload(upload("zipped", { "a.txt": "A", "deep/b.txt": "B".repeat(70_000) }, { runId: "9" }));
      const contents = await s.contents("9", "ZIPPED");
      expect(contents?.info.name).toBe("zipped");
      const zip = join(temp("gantry-art-zip-"), "z.zip");
      const chunks: Buffer[] = [];
      for await (const c of Readable.from(zipFiles(contents?.files ?? []))) chunks.push(Buffer.from(c));
      writeFileSync(zip, Buffer.concat(chunks));
      const out = temp("gantry-art-unzip-");
      await extractZip(zip, out, 10_000_000);
      expect(readFileSync(join(out, "a.txt"), "utf8")).toBe("A");
      expect(readFileSync(join(out, "deep/b.txt"), "utf8")).toBe("B".repeat(70_000));

      expect((await s.remove("9", "zipped"))?.name).toBe("zipped");
      expect(await s.remove("9", "zipped")).toBeUndefined();
      expect(await s.contents("9", "zipped")).toBeUndefined();

      await s.upload(upload("one", { "f.txt": "1" }, { runId: "10" }));
      await s.upload(upload("two", { "f.txt": "2" }, { runId: "10" }));
      expect((await s.removeRun("10")).map((a) => a.name).sort()).toEqual(["one", "two"]);
      expect(await s.list("10")).toEqual([]);

      await s.upload({ ...upload("old", { "f.txt": "o" }, { runId: "11" }), retentionDays: 1 });
      await s.upload({ ...upload("new", { "f.txt": "n" }, { runId: "11" }), retentionDays: 5 });
      now += 2 * 24 * 60 * 60 * 1000;
      expect((await s.prune()).map((a) => a.name)).toEqual(["old"]);
      expect((await s.list("11")).map((a) => a.name)).toEqual(["new"]);
    });

    it("gives an attempt's own copy of a name to zip", async () => {
      const s = await make();
      await s.upload({ ...upload("rep", { "f.txt": "first" }, { runId: "12" }), attempt: 1 });
      await s.upload({ ...upload("rep", { "f.txt": "second" }, { runId: "12" }), attempt: 2 });
      expect((await s.contents("12", "rep", 1))?.info.attempt).toBe(1);
      expect((await s.contents("12", "rep"))?.info.attempt).toBe(2);
    });
  });
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ArtifactError);
    return (err as ArtifactError).code;
  }
}
