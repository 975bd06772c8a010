import { createHash, randomUUID } from "node:crypto";
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
  writeFileSync,
  writeSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ZipSource } from "../artifacts/index.js";
import type { BlobStore } from "../blobs/index.js";

/** How many logs go to the blob store at once. */
const PARALLEL_UPLOADS = 4;

/** A closed log waiting for its upload: `<log>.<tag>.up` beside where it was written. */
const UPLOADING = /^(.*\.log)\.(\d{13}-\d+)\.up$/;
/**
 * Beside an open log that is sent as it grows: `<tag> <bytes sent>`, then ` <offset>:<mark>` for
 * each lease whose lines begin at that offset of the file (LiveLog).
 */
const SENT = ".sent";
/** The least time between two parts of one log sent as it grows: a chatty job sends a few a second. */
const PART_GAP_MS = 100;

/**
 * An open log sent to the blob store as it grows (several servers on one database: another may
 * adopt the job if this one dies). Its file's tag (`<time>-<n>`, when it was opened) names its parts
 * `<key>.live/<tag>/<offset>[.<mark>]`; `pending` is written and not yet sent. A runner machine's
 * job marks the lines of each of its leases (markLease): the parts of the lease a server adopting the
 * job replays from the runner's reports are the ones it drops (takeOver).
 */
interface LiveLog {
  tag: string;
  sent: number;
  /** Bytes written to the file so far (sent and pending). */
  written: number;
  pending: { text: string; mark: string }[];
  /** The mark of the lines written from now on ("": none). */
  mark: string;
  /** Where each mark's lines begin in the file. */
  bounds: { from: number; mark: string }[];
  sending?: Promise<void>;
  closed: boolean;
  failed: boolean;
}

/** A lease's mark in part names: not the lease id itself (it stays between the store and its runner). */
const leaseMark = (leaseId: string) => createHash("sha256").update(leaseId).digest("hex").slice(0, 16);
const PART = /\/(\d{15})(?:\.([0-9a-f]{16}))?$/;

const partName = (offset: number, mark: string) =>
  `${String(offset).padStart(15, "0")}${mark ? `.${mark}` : ""}`;

/** A file opened for reading, undefined when it is not there. */
function openIfThere(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

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
 *
 * With `live` (several servers on one database) an open log is also sent as it grows, in parts
 * beside the store's copy, at most PART_GAP_MS after a line is written: a server that dies mid-job
 * loses no line of it, since the server that adopts the job puts the parts in the store's copy
 * (takeOver) before it writes on, and a peer reading the log meanwhile reads them too. A runner
 * machine's job marks each lease's lines (markLease): the adopter drops the parts of the lease it
 * writes again from the runner's reports, and keeps those of the earlier attempts.
 */
export class JobLogs {
  private open = new Map<string, number>();
  /** Per log path: its uploads, one after another. */
  private uploads = new Map<string, Promise<void>>();
  private counter = 0;
  /** Uploads under way, and those waiting for a turn. */
  private busy = 0;
  private waiting: (() => void)[] = [];
  /** The open logs sent as they grow (`live`), by path. */
  private lives = new Map<string, LiveLog>();

  constructor(
    private readonly root: string,
    private readonly blobs?: BlobStore,
    private readonly log: (message: string) => void = () => {},
    /**
     * Several servers on one database: open logs are sent as they grow, and every write of this
     * server to a log's blobs waits for `live.check` first (the write fence: a server judged dead,
     * whose jobs another adopted, writes nothing of theirs, as it writes nothing to the store).
     */
    private readonly live?: { check: () => Promise<void> },
  ) {}

  /**
   * A new tag for a log file: when it was opened, then a counter for the files of one millisecond,
   * padded so that tags sort as text in the order they were made (uploadLeftovers, the live parts).
   */
  private newTag(): string {
    return `${String(Date.now()).padStart(13, "0")}-${String(this.counter++).padStart(9, "0")}`;
  }

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
        const live = this.lives.get(path);
        if (live) live.closed = true;
        this.lives.delete(path);
        await live?.sending;
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
    this.grow(path, `${stamped}\n`);
    return stamped;
  }

  close(path: string): void {
    const fd = this.open.get(path);
    if (fd !== undefined) closeSync(fd);
    this.open.delete(path);
    const live = this.lives.get(path);
    this.lives.delete(path);
    if (live) live.closed = true;
    if (this.blobs && fd !== undefined) this.send(path, undefined, live);
  }

  /** A line written to an open log: sent as a part soon (`live`). */
  private grow(path: string, text: string): void {
    const live = this.liveOf(path);
    if (!live) return;
    live.pending.push({ text, mark: live.mark });
    live.written += Buffer.byteLength(text, "utf8");
    live.sending ??= this.sendParts(path, live);
  }

  /** The open log at `path` as it is sent while it grows; undefined when it is not (`live`). */
  private liveOf(path: string): LiveLog | undefined {
    if (!this.live || !this.blobs || !this.keyOf(path)) return undefined;
    let live = this.lives.get(path);
    if (!live) {
      live = {
        tag: this.newTag(),
        sent: 0,
        written: 0,
        pending: [],
        mark: "",
        bounds: [],
        closed: false,
        failed: false,
      };
      this.lives.set(path, live);
    }
    return live;
  }

  /**
   * The lines written from now on to the log at `path` are those of a runner machine's lease
   * `leaseId` (its job was claimed): a server adopting the job if this one dies drops them, as it
   * writes them again from that runner's reports (takeOver's `replay`), and keeps the earlier ones.
   */
  markLease(path: string, leaseId: string): void {
    const live = this.liveOf(path);
    if (!live) return;
    live.mark = leaseMark(leaseId);
    live.bounds.push({ from: live.written, mark: live.mark });
    // Known to a restart of this server too (sendRest), before any of the lease's lines is written.
    if (existsSync(path)) this.writeSent(path, live);
  }

  private writeSent(path: string, live: LiveLog): void {
    const bounds = live.bounds.map((b) => ` ${b.from}:${b.mark}`).join("");
    writeFileSync(`${path}${SENT}`, `${live.tag} ${live.sent}${bounds}`);
  }

  /** Sends what `live` has pending as parts, one at a time, PART_GAP_MS apart, until none is left. */
  private async sendParts(path: string, live: LiveLog): Promise<void> {
    const blobs = this.blobs;
    const key = this.keyOf(path);
    // After grow has recorded this loop as the one under way; it stops being so in the same step
    // that finds nothing pending (the finally below): a line written after that starts the next.
    await Promise.resolve();
    try {
      if (!blobs || !key) return;
      for (let first = true; live.pending.length > 0 && !live.closed; first = false) {
        if (!first) await new Promise((r) => setTimeout(r, PART_GAP_MS));
        if (live.closed) return;
        // One part holds the lines of one mark.
        const mark = live.pending[0].mark;
        const same = live.pending.findIndex((p) => p.mark !== mark);
        const taken = live.pending.splice(0, same < 0 ? live.pending.length : same);
        const text = taken.map((p) => p.text).join("");
        try {
          await this.live?.check();
          await blobs.put(`${key}.live/${live.tag}/${partName(live.sent, mark)}`, { bytes: text });
        } catch (err) {
          // Sent with the next line, or with the whole log when it closes.
          live.pending.unshift({ text, mark });
          if (!live.failed)
            this.log(`could not send the running log ${key} to the blob store: ${(err as Error).message}`);
          live.failed = true;
          return;
        }
        live.sent += Buffer.byteLength(text, "utf8");
        live.failed = false;
        // What is sent, for the next start if this server dies (uploadLeftovers sends the rest).
        if (this.lives.get(path) === live) this.writeSent(path, live);
      }
    } finally {
      live.sending = undefined;
    }
  }

  /**
   * Before the server that adopted a job writes on its log: the parts a dead server sent of it go
   * into the store's copy, in the order they were written (its next lines follow them). With
   * `replay`, a runner machine holds the job under that lease still, and the adopter writes that
   * lease's lines again from the runner's reports: the parts of that lease (markLease) and after
   * it are dropped, the earlier ones (earlier attempts, the notes between them) joined. Each line
   * is then in the log once.
   */
  takeOver(path: string, replay?: { leaseId: string }): Promise<void> {
    const blobs = this.blobs;
    const key = this.keyOf(path);
    if (!this.live || !blobs || !key) return Promise.resolve();
    const mark = replay ? leaseMark(replay.leaseId) : undefined;
    return this.queue(path, async () => {
      try {
        await this.live?.check();
        const parts = (await blobs.list(`${key}.live/`)).map((p) => p.key);
        if (parts.length === 0) return;
        const replayed = parts.findIndex((k) => mark !== undefined && PART.exec(k)?.[2] === mark);
        const kept = replayed < 0 ? parts : parts.slice(0, replayed);
        if (kept.length > 0) await this.joinInto(blobs, key, kept);
        await blobs.removePrefix(`${key}.live/`);
      } catch (err) {
        // The parts stay beside the log, read with it, and put into it at the next take-over.
        this.log(`could not put the sent parts of the log ${key} into it: ${(err as Error).message}`);
      }
    });
  }

  /**
   * Moves the closed log aside (new lines for the same job start a new file) and queues its upload
   * behind the log's earlier ones.
   */
  private send(path: string, aside?: string, live?: LiveLog): void {
    const blobs = this.blobs;
    const key = this.keyOf(path);
    if (!blobs || !key) return;
    let moved = aside;
    if (!moved) {
      // Named for the file's tag when it was sent as it grew: its parts go once it is in the store.
      moved = `${path}.${live?.tag ?? this.newTag()}.up`;
      try {
        renameSync(path, moved);
      } catch {
        return; // nothing was written
      }
      rmSync(`${path}${SENT}`, { force: true });
    }
    const file = moved;
    const tag = UPLOADING.exec(file)?.[2];
    this.queue(path, async () => {
      try {
        await live?.sending;
        await this.live?.check();
        await this.upload(blobs, key, file);
        // The parts of this file, if it was sent as it grew, are in the store's copy now.
        if (this.live && tag) await blobs.removePrefix(`${key}.live/${tag}/`);
      } catch (err) {
        this.log(
          `could not send the log ${key} to the blob store (kept at ${file}): ${(err as Error).message}`,
        );
      }
    });
  }

  /** Runs `fn` after the uploads of the log at `path` queued before it. */
  private queue(path: string, fn: () => Promise<void>): Promise<void> {
    const before = this.uploads.get(path) ?? Promise.resolve();
    // Each step says its own failure: one failing never keeps the next from running.
    const next = before
      .then(fn)
      .catch(() => undefined)
      .finally(() => {
        if (this.uploads.get(path) === next) this.uploads.delete(path);
      });
    this.uploads.set(path, next);
    return next;
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

  /** Puts the store's copy of `key` followed by the blobs `parts`, in order, as its new copy. */
  private async joinInto(blobs: BlobStore, key: string, parts: string[]): Promise<void> {
    mkdirSync(this.root, { recursive: true });
    const joined = join(this.root, `.${randomUUID()}.joined`);
    try {
      writeFileSync(joined, "");
      for (const k of [key, ...parts]) {
        const stream = await blobs.get(k);
        if (stream) await pipeline(stream, createWriteStream(joined, { flags: "a" }));
      }
      await blobs.put(key, { file: joined });
    } finally {
      await rm(joined, { force: true });
    }
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
        else if (e.name.endsWith(".log") && !this.open.has(full)) {
          if (this.sendRest(full)) continue;
          found.push({ path: full, order: "9" });
        } else {
          const m = UPLOADING.exec(full);
          if (m) found.push({ path: m[1], aside: full, order: m[2] });
        }
      }
    };
    walk(this.root);
    found.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    for (const f of found) this.send(f.path, f.aside);
  }

  /**
   * A log left open by a server that died, which it sent as it grew (its `.sent` file): the lines
   * it had not sent go as its last part, for the server that adopts its job (or has) to find. False
   * when it was not sent as it grew.
   */
  private sendRest(path: string): boolean {
    const blobs = this.blobs;
    const key = this.keyOf(path);
    const [tag, sent, ...marks] = existsSync(`${path}${SENT}`)
      ? readFileSync(`${path}${SENT}`, "utf8").split(" ")
      : [];
    if (!blobs || !key || !tag || !/^\d{13}-\d+$/.test(tag) || !/^\d+$/.test(sent ?? "")) return false;
    const bounds = marks
      .map((m) => /^(\d+):([0-9a-f]{16})$/.exec(m))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ from: Number(m[1]), mark: m[2] }));
    const file = readFileSync(path);
    // The rest, cut where a lease's lines begin: each piece a part of its mark.
    const pieces: { from: number; mark: string }[] = [
      { from: Number(sent), mark: bounds.filter((b) => b.from <= Number(sent)).at(-1)?.mark ?? "" },
      ...bounds.filter((b) => b.from > Number(sent) && b.from < file.length),
    ];
    this.queue(path, async () => {
      try {
        for (const [i, p] of pieces.entries()) {
          const rest = file.subarray(p.from, pieces[i + 1]?.from ?? file.length);
          if (rest.length > 0)
            await blobs.put(`${key}.live/${tag}/${partName(p.from, p.mark)}`, { bytes: rest });
        }
        rmSync(path, { force: true });
        rmSync(`${path}${SENT}`, { force: true });
      } catch (err) {
        this.log(
          `could not send the log ${key} to the blob store (kept at ${path}): ${(err as Error).message}`,
        );
      }
    });
    return true;
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
    // Opened now: a log that closes meanwhile is moved aside for its upload, and a stream that
    // opened by name a moment later would find nothing there.
    const fd = openIfThere(path);
    if (fd !== undefined) return createReadStream(path, { fd });
    // Moved aside since the look above: its upload is queued, and the store's copy has it after.
    await this.uploads.get(path);
    const key = this.keyOf(path);
    if (!key || !this.blobs) return undefined;
    // A job running on another server (or whose server died): the parts it sent so far follow.
    const parts = this.live ? await this.blobs.list(`${key}.live/`) : [];
    if (parts.length === 0) return this.blobs.get(key);
    const blobs = this.blobs;
    const keys = [key, ...parts.map((p) => p.key)];
    return Readable.from(
      (async function* () {
        for (const k of keys) {
          const stream = await blobs.get(k);
          if (stream) yield* stream;
        }
      })(),
    );
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
    // A log that closes before the zip reads it is moved aside for its upload: the store's copy then.
    if (existsSync(path)) return { name, path, moved: () => this.storedZipSource(name, path) };
    return this.storedZipSource(name, path);
  }

  /** The store's copy of a log as a file of a zip, once its uploads under way are done. */
  private async storedZipSource(name: string, path: string): Promise<ZipSource | undefined> {
    await this.uploads.get(path);
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
    for (const path of [...this.open.keys()]) this.close(path);
  }
}
