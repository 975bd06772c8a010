import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { ArtifactError, type ArtifactInfo, type ArtifactUpload } from "../actions/index.js";
import { artifactDirs, readInfo, removeDir, removeIfEmpty } from "./artifact-removal.js";
import type { RunArtifactStore } from "./run-artifact-store.js";
import {
  artifactExists,
  artifactInfo,
  checkArtifactName,
  checkedRunId,
  uploadEntries,
} from "./upload-checks.js";

const META_FILE = "artifact.json";
const FILES_DIR = "files";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function fileSha256(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (c) => h.update(c))
      .on("error", reject)
      .on("end", () => resolvePromise(h.digest("hex")));
  });
}

function isExists(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "EEXIST" || code === "ENOTEMPTY";
}

async function* walkFiles(dir: string, base = dir): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) yield* walkFiles(full, base);
    else yield relative(base, full);
  }
}

export interface FsArtifactStoreOptions {
  root: string;
  /** The clock for creation and expiry (tests). */
  now?: () => number;
}

/**
 * Artifacts as folders on disk: `<run id>/<name hash>/` holding `artifact.json` and the files
 * as uploaded. An artifact is built in a temporary folder and renamed into place, so it appears
 * whole or not at all, and of two uploads of one name exactly one wins.
 */
export class FsArtifactStore implements RunArtifactStore {
  private readonly root: string;
  private readonly clock: () => number;

  constructor(opts: FsArtifactStoreOptions) {
    this.root = opts.root;
    this.clock = opts.now ?? Date.now;
  }

  private runDir(runId: string): string {
    return join(this.root, checkedRunId(runId));
  }

  /** An attempt's copy of a name: `<name hash>` for attempt 1, `<name hash>-<attempt>` after. */
  private artifactDir(runId: string, name: string, attempt = 1): string {
    const hash = sha256(name.toLowerCase());
    return join(this.runDir(runId), attempt > 1 ? `${hash}-${attempt}` : hash);
  }

  /** The attempt whose copy a folder of the run holds; undefined for what is not an artifact's. */
  private static attemptOf(dirName: string): { hash: string; attempt: number } | undefined {
    const m = /^([0-9a-f]{64})(?:-([1-9][0-9]{0,8}))?$/.exec(dirName);
    return m ? { hash: m[1], attempt: m[2] ? Number(m[2]) : 1 } : undefined;
  }

  /**
   * The stored artifacts of a run that have not expired: of each name the newest attempt's copy,
   * up to `attempt` when given, with its folder.
   */
  private async newest(
    runId: string,
    attempt?: number,
    name?: string,
  ): Promise<Map<string, { dir: string; info: ArtifactInfo }>> {
    const dir = this.runDir(runId);
    const wanted = name === undefined ? undefined : sha256(name.toLowerCase());
    const found = new Map<string, { dir: string; info: ArtifactInfo; attempt: number }>();
    for (const n of await readdir(dir).catch(() => [] as string[])) {
      const copy = FsArtifactStore.attemptOf(n);
      if (!copy || (wanted !== undefined && copy.hash !== wanted)) continue;
      if (attempt !== undefined && copy.attempt > attempt) continue;
      const seen = found.get(copy.hash);
      if (seen && seen.attempt >= copy.attempt) continue;
      const info = await this.read(join(dir, n));
      if (info) found.set(copy.hash, { dir: join(dir, n), info, attempt: copy.attempt });
    }
    return found;
  }

  private async find(runId: string, name: string, attempt?: number) {
    return (await this.newest(runId, attempt, name)).values().next().value;
  }

  /** The next artifact id of the run, claimed by creating its marker file exclusively. */
  private async claimId(runId: string): Promise<number> {
    const dir = join(this.runDir(runId), "ids");
    await mkdir(dir, { recursive: true });
    let n = (await readdir(dir)).length + 1;
    for (;;) {
      try {
        await (await open(join(dir, String(n)), "wx")).close();
        return n;
      } catch (err) {
        if (!isExists(err)) throw err;
        n++;
      }
    }
  }

  async upload(upload: ArtifactUpload): Promise<ArtifactInfo> {
    checkArtifactName(upload);
    const conflict = () => artifactExists(upload);
    const attempt = upload.attempt ?? 1;
    const target = this.artifactDir(upload.runId, upload.name, attempt);
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists && !upload.overwrite) throw conflict();

    const entries = uploadEntries(upload);

    const building = join(this.runDir(upload.runId), `.tmp-${randomUUID()}`);
    try {
      const files = join(building, FILES_DIR);
      await mkdir(files, { recursive: true });
      const digest = createHash("sha256");
      let size = 0;
      for (const { file, name } of entries) {
        const to = join(files, name);
        await mkdir(dirname(to), { recursive: true });
        await copyFile(file, to);
        size += (await stat(to)).size;
        digest.update(`${name}\0${await fileSha256(to)}\n`);
      }
      const info = artifactInfo(upload, {
        id: await this.claimId(upload.runId),
        size,
        digest: `sha256:${digest.digest("hex")}`,
        now: this.clock(),
      });
      await writeFile(join(building, META_FILE), JSON.stringify(info));
      if (upload.overwrite && exists) {
        const trash = join(this.runDir(upload.runId), `.trash-${randomUUID()}`);
        await rename(target, trash).catch(() => undefined);
        await rm(trash, { recursive: true, force: true });
      }
      try {
        await rename(building, target);
      } catch (err) {
        if (isExists(err)) throw conflict();
        throw err;
      }
      return info;
    } finally {
      await rm(building, { recursive: true, force: true });
    }
  }

  private async read(dir: string): Promise<ArtifactInfo | undefined> {
    try {
      const info = JSON.parse(await readFile(join(dir, META_FILE), "utf8")) as ArtifactInfo;
      return Date.parse(info.expiresAt) > this.clock() ? info : undefined;
    } catch {
      return undefined;
    }
  }

  async list(runId: string, attempt?: number): Promise<ArtifactInfo[]> {
    const out = [...(await this.newest(runId, attempt)).values()].map((c) => c.info);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The ids of the runs that have stored artifacts (expired ones included). */
  async runs(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && /^[A-Za-z0-9_-]+$/.test(e.name)).map((e) => e.name);
  }

  /** The paths of an artifact's files, sorted, `/`-separated; undefined when it is not stored or expired. */
  async files(runId: string, name: string): Promise<string[] | undefined> {
    const dir = (await this.find(runId, name))?.dir;
    if (!dir) return undefined;
    const out: string[] = [];
    for await (const rel of walkFiles(join(dir, FILES_DIR))) out.push(rel.split(sep).join("/"));
    return out.sort();
  }

  /**
   * An artifact's files as `/`-separated names and paths on disk (the newest attempt's copy, up to
   * `attempt` when given); undefined when not stored or expired.
   */
  async contents(
    runId: string,
    name: string,
    attempt?: number,
  ): Promise<{ info: ArtifactInfo; files: { name: string; path: string }[] } | undefined> {
    const found = await this.find(runId, name, attempt);
    if (!found) return undefined;
    const { dir, info } = found;
    const root = join(dir, FILES_DIR);
    const files: { name: string; path: string }[] = [];
    for await (const rel of walkFiles(root))
      files.push({ name: rel.split(sep).join("/"), path: join(root, rel) });
    return { info, files: files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
  }

  /**
   * Deletes an artifact, the newest attempt's copy (one rename takes it away, then its files go);
   * undefined when it was not there.
   */
  async remove(runId: string, name: string): Promise<ArtifactInfo | undefined> {
    const found = await this.find(runId, name);
    if (!found) return undefined;
    const { dir, info } = found;
    const trash = join(this.runDir(runId), `.trash-${randomUUID()}`);
    try {
      await rename(dir, trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    await rm(trash, { recursive: true, force: true });
    return info;
  }

  /** Removes every artifact of the run, expired or not, and the run's folder; the artifacts removed. */
  async removeRun(runId: string): Promise<ArtifactInfo[]> {
    const dir = this.runDir(runId);
    const removed: ArtifactInfo[] = [];
    for (const d of await artifactDirs(dir)) {
      const info = await readInfo(d);
      if (info && (await removeDir(dir, d))) removed.push(info);
    }
    await removeIfEmpty(dir);
    return removed;
  }

  /** Removes every artifact past its retention (and runs left without any); the artifacts removed. */
  async prune(): Promise<ArtifactInfo[]> {
    const removed: ArtifactInfo[] = [];
    for (const runId of await this.runs()) {
      const dir = this.runDir(runId);
      for (const d of await artifactDirs(dir)) {
        const info = await readInfo(d);
        if (info && Date.parse(info.expiresAt) <= this.clock() && (await removeDir(dir, d)))
          removed.push(info);
      }
      await removeIfEmpty(dir);
    }
    return removed;
  }

  async download(runId: string, name: string, destination: string): Promise<ArtifactInfo> {
    const found = await this.find(runId, name);
    if (!found) throw new ArtifactError("artifact-not-found", `Artifact '${name}' not found`);
    const { dir, info } = found;
    const files = join(dir, FILES_DIR);
    await mkdir(destination, { recursive: true });
    for await (const rel of walkFiles(files)) {
      const to = join(destination, rel);
      await mkdir(dirname(to), { recursive: true });
      await rm(to, { force: true });
      await copyFile(join(files, rel), to);
    }
    return info;
  }
}
