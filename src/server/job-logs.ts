import { randomUUID } from "node:crypto";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ZipSource } from "../artifacts/index.js";
import type { BlobStore } from "../blobs/index.js";

/** How many logs go to the blob store at once. */
const PARALLEL_UPLOADS = 4;

/** A closed log waiting for its upload: `<log>.<time>-<n>.up` beside where it was written. */
const UPLOADING = /^(.*\.log)\.(\d{13}-\d+)\.up$/;

/** Opens a log to append to; its folder is made when it is missing (once per attempt, not per job). */
function openLog(path: string): number {
  try {
    return openSync(path, "a");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, "a");
  }
}

/**
 * One log file per job under DIR/logs/<run>/<attempt>/, written line by line as the runner
 * produces it (already masked), each line stamped as GitHub stamps its logs. A line is in the
 * file (the kernel's page cache) the moment it is written, so a crash of the server loses none.
 *
 * With a blob store (`gantry serve --blobs URL`) the file is only where a running job's log grows:
 * when the job's log is closed it goes to the store as `logs/<run>/<attempt>/<job>.log` (appended
 * to what the store held, for a log written again, e.g. "the runner was lost"), and the local file
 * goes. Reads take the local file while it is there, else the store's copy. A log the server had
 * not sent when it stopped is sent at the next start (uploadLeftovers).
 */
export class JobLogs {
  private open = new Map<string, number>();
  /** Per log path: its uploads, one after another. */
  private uploads = new Map<string, Promise<void>>();
  private counter = 0;
  /** Uploads under way, and those waiting for a turn. */
  private busy = 0;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly root: string,
    private readonly blobs?: BlobStore,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** Where the log of a job of a run attempt lives. */
  pathOf(runId: number, attempt: number, jobKey: string, workflowFile: string): string {
    const rest = jobKey.startsWith(`${workflowFile}/`) ? jobKey.slice(workflowFile.length + 1) : jobKey;
    const name = rest.replace(/\//g, "__").replace(/[^\w.,() -]+/g, "_") || "job";
    return join(this.root, String(runId), String(attempt), `${name}.log`);
  }

  /**
   * The blob key of a log path: `logs/<run>/<attempt>/<file>`, from the path's last three parts (a
   * path another server recorded, under its own data directory, names the same blob).
   */
  private keyOf(path: string): string | undefined {
    const parts = path.split("/").slice(-3);
    if (parts.length !== 3 || !/^\d+$/.test(parts[0]) || !/^\d+$/.test(parts[1])) return undefined;
    if (!parts[2].endsWith(".log") || parts[2].startsWith(".")) return undefined;
    return `logs/${parts.join("/")}`;
  }

  /** Removes every attempt's logs of a run (its repository was removed). */
  async removeRun(runId: number): Promise<void> {
    for (const [path, fd] of this.open) {
      if (path.startsWith(join(this.root, String(runId), "/"))) {
        closeSync(fd);
        this.open.delete(path);
      }
    }
    await Promise.all([...this.uploads.values()]);
    rmSync(join(this.root, String(runId)), { recursive: true, force: true });
    await this.blobs?.removePrefix(`logs/${runId}/`);
  }

  /** The folder of one attempt's logs (on this server's disk). */
  dirOf(runId: number, attempt: number): string {
    return join(this.root, String(runId), String(attempt));
  }

  /** Appends a line, stamped; returns it as written (without the newline). */
  append(path: string, line: string, at = new Date()): string {
    let fd = this.open.get(path);
    if (fd === undefined) {
      fd = openLog(path);
      this.open.set(path, fd);
    }
    const stamped = `${at.toISOString()} ${line}`;
    writeSync(fd, `${stamped}\n`);
    return stamped;
  }

  close(path: string): void {
    const fd = this.open.get(path);
    if (fd !== undefined) closeSync(fd);
    this.open.delete(path);
    if (this.blobs && fd !== undefined) this.send(path);
  }

  /**
   * Moves the closed log aside (new lines for the same job start a new file) and queues its upload
   * behind the log's earlier ones.
   */
  private send(path: string, aside?: string): void {
    const blobs = this.blobs;
    const key = this.keyOf(path);
    if (!blobs || !key) return;
    let moved = aside;
    if (!moved) {
      moved = `${path}.${String(Date.now()).padStart(13, "0")}-${this.counter++}.up`;
      try {
        renameSync(path, moved);
      } catch {
        return; // nothing was written
      }
    }
    const file = moved;
    const before = this.uploads.get(path) ?? Promise.resolve();
    const next = before
      .then(() => this.upload(blobs, key, file))
      .catch((err: Error) =>
        this.log(`could not send the log ${key} to the blob store (kept at ${file}): ${err.message}`),
      )
      .finally(() => {
        if (this.uploads.get(path) === next) this.uploads.delete(path);
      });
    this.uploads.set(path, next);
  }

  /** Puts `file` as `key`, after what the store holds there already; then the file goes. */
  private async upload(blobs: BlobStore, key: string, file: string): Promise<void> {
    if (this.busy >= PARALLEL_UPLOADS) await new Promise<void>((turn) => this.waiting.push(turn));
    this.busy++;
    try {
      await this.uploadNow(blobs, key, file);
    } finally {
      this.busy--;
      this.waiting.shift()?.();
    }
  }

  private async uploadNow(blobs: BlobStore, key: string, file: string): Promise<void> {
    const held = await blobs.get(key);
    if (!held) {
      await blobs.put(key, { file });
    } else {
      const joined = `${file}.${randomUUID()}.joined`;
      try {
        await pipeline(held, createWriteStream(joined));
        await pipeline(createReadStream(file), createWriteStream(joined, { flags: "a" }));
        await blobs.put(key, { file: joined });
      } finally {
        await rm(joined, { force: true });
      }
    }
    await rm(file, { force: true });
  }

  /**
   * Sends what a stopped server left on its disk: logs it had not sent (its jobs were failed as
   * lost on this start, or finished as it stopped). Call before any job starts.
   */
  uploadLeftovers(): void {
    if (!this.blobs) return;
    const found: { path: string; aside?: string; order: string }[] = [];
    const walk = (dir: string) => {
      for (const e of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
        const full = join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.name.endsWith(".log") && !this.open.has(full)) found.push({ path: full, order: "9" });
        else {
          const m = UPLOADING.exec(full);
          if (m) found.push({ path: m[1], aside: full, order: m[2] });
        }
      }
    };
    walk(this.root);
    found.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    for (const f of found) this.send(f.path, f.aside);
  }

  /** Waits for every log closed so far to be in the blob store. */
  async flush(): Promise<void> {
    while (this.uploads.size > 0) await Promise.all([...this.uploads.values()]);
  }

  exists(path: string): boolean {
    return existsSync(path);
  }

  /** What a log holds now, when it is on this server's disk (a running job's); read at once. */
  readNow(path: string): string | undefined {
    return existsSync(path) ? readFileSync(path, "utf8") : undefined;
  }

  /** A log's bytes: the local file while it is there, else the blob store's copy; undefined when neither. */
  async read(path: string): Promise<Readable | undefined> {
    await this.uploads.get(path);
    if (existsSync(path)) return createReadStream(path);
    const key = this.keyOf(path);
    return key && this.blobs ? this.blobs.get(key) : undefined;
  }

  /** A log's text (see read). */
  async text(path: string): Promise<string | undefined> {
    const stream = await this.read(path);
    if (!stream) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks).toString("utf8");
  }

  /** A log as a file of a zip; undefined when it was never written. */
  async zipSource(name: string, path: string): Promise<ZipSource | undefined> {
    await this.uploads.get(path);
    if (existsSync(path)) return { name, path };
    const key = this.keyOf(path);
    const info = key && this.blobs ? await this.blobs.head(key) : undefined;
    if (!key || !info || !this.blobs) return undefined;
    const blobs = this.blobs;
    return {
      name,
      size: info.size,
      mtime: new Date(info.modifiedAt),
      open: async () => {
        const stream = await blobs.get(key);
        if (!stream) throw new Error(`the log ${key} is no longer stored`);
        return stream;
      },
    };
  }

  /** Whether a log is on this server's disk now (a running job's, or one not sent yet). */
  isLocal(path: string): boolean {
    return existsSync(path) && statSync(path).isFile();
  }

  closeAll(): void {
    for (const [path, fd] of this.open) {
      closeSync(fd);
      if (this.blobs) this.send(path);
    }
    this.open.clear();
  }
}
