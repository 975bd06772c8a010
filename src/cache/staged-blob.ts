import { createHash } from "node:crypto";
import { constants, createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { formatSize } from "./size.js";

/** A refused upload request: its HTTP status, an Azure-style error code and the reason. */
export class UploadError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 413,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "UploadError";
  }
}

/** How an upload request's body arrives: the web stream and the Content-Length it declared. */
export interface UploadBody {
  stream: ReadableStream<Uint8Array> | null;
  declaredLength?: number;
}

function tooLarge(limit: number, what: string): UploadError {
  return new UploadError(
    413,
    "RequestBodyTooLarge",
    `The upload is larger than the ${formatSize(limit)} (${limit} bytes) limit of ${what}`,
  );
}

/**
 * The bytes of one upload in progress, in its own staging folder: written whole (Azure Put Blob),
 * as blocks committed by a block list (Put Block, Put Block List), or as ranges at offsets (the
 * cache v1 PATCH). Every write counts bytes against `limit` as they arrive and stops past it,
 * and a body shorter than its Content-Length is refused, so `path` only ever holds what the
 * client sent in full.
 */
export class StagedBlob {
  /** The assembled blob. */
  readonly path: string;
  private readonly blocks = new Map<string, number>();
  private blockBytes = 0;
  /** Byte ranges written at offsets [start, end), merged. */
  private ranges: [number, number][] = [];
  /** A Put Blob or Put Block List completed: `path` holds the whole blob. */
  committed = false;

  constructor(
    readonly dir: string,
    private readonly limit: number,
    private readonly limitName: string,
  ) {
    this.path = join(dir, "blob");
  }

  private async write(file: string, body: UploadBody, flags: number, position: number, room: number) {
    if (body.declaredLength !== undefined && body.declaredLength > room)
      throw tooLarge(this.limit, this.limitName);
    await mkdir(this.dir, { recursive: true });
    const handle = await open(file, flags, 0o600);
    let written = 0;
    try {
      if (body.stream) {
        for await (const chunk of Readable.fromWeb(body.stream as WebReadableStream<Uint8Array>)) {
          const bytes = chunk as Uint8Array;
          written += bytes.length;
          if (written > room) throw tooLarge(this.limit, this.limitName);
          await handle.write(bytes, 0, bytes.length, position + written - bytes.length);
        }
      }
    } catch (err) {
      // A failed write to disk is the server's problem; anything else cut the request body short.
      if (err instanceof UploadError || (err as NodeJS.ErrnoException).syscall) throw err;
      throw new UploadError(400, "IncompleteBody", `The upload was cut off: ${(err as Error).message}`);
    } finally {
      await handle.close();
    }
    if (body.declaredLength !== undefined && written !== body.declaredLength) {
      throw new UploadError(
        400,
        "IncompleteBody",
        `The upload was cut off: ${written} of the ${body.declaredLength} bytes its Content-Length declared arrived`,
      );
    }
    return written;
  }

  /** Azure Put Blob: the whole blob in one request, replacing what was there. */
  async putBlob(body: UploadBody): Promise<number> {
    const tmp = join(this.dir, "put");
    try {
      const n = await this.write(
        tmp,
        body,
        constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
        0,
        this.limit,
      );
      await rm(this.path, { force: true });
      await rename(tmp, this.path);
      this.committed = true;
      return n;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private blockFile(id: string): string {
    return join(this.dir, `block-${createHash("sha256").update(id).digest("hex")}`);
  }

  /** Azure Put Block: one block, by its base64 id, staged until a block list names it. */
  async putBlock(id: string, body: UploadBody): Promise<number> {
    if (!id || Buffer.from(id, "base64").length === 0 || Buffer.from(id, "base64").length > 64) {
      throw new UploadError(
        400,
        "InvalidQueryParameterValue",
        `Invalid blockid '${id}': a base64 value of at most 64 bytes`,
      );
    }
    const previous = this.blocks.get(id) ?? 0;
    this.blocks.delete(id);
    this.blockBytes -= previous;
    const room = this.limit - this.blockBytes;
    // Counted before the write ends, so blocks sent at once cannot pass the limit together.
    const file = this.blockFile(id);
    const n = await this.write(
      file,
      body,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
      0,
      room,
    ).catch(async (err) => {
      await rm(file, { force: true });
      throw err;
    });
    if (this.blockBytes + n > this.limit) {
      await rm(file, { force: true });
      throw tooLarge(this.limit, this.limitName);
    }
    this.blocks.set(id, n);
    this.blockBytes += n;
    return n;
  }

  /** Azure Put Block List: the blob becomes the named blocks in order. */
  async putBlockList(xml: string): Promise<number> {
    const ids = [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2].trim());
    if (!/<BlockList>/.test(xml)) {
      throw new UploadError(400, "InvalidXmlDocument", "The block list is not a <BlockList> XML document");
    }
    let total = 0;
    for (const id of ids) {
      const size = this.blocks.get(id);
      if (size === undefined) {
        throw new UploadError(
          400,
          "InvalidBlockList",
          `The block list names block '${id}', which was never uploaded`,
        );
      }
      total += size;
    }
    if (total > this.limit) throw tooLarge(this.limit, this.limitName);
    const tmp = join(this.dir, "assembled");
    const out = createWriteStream(tmp, { mode: 0o600 });
    try {
      for (const id of ids) {
        await pipeline(createReadStream(this.blockFile(id)), out, { end: false });
      }
      await new Promise<void>((resolvePromise, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolvePromise())),
      );
      await rename(tmp, this.path);
    } finally {
      out.destroy();
      await rm(tmp, { force: true });
    }
    for (const id of this.blocks.keys()) await rm(this.blockFile(id), { force: true });
    this.blocks.clear();
    this.blockBytes = 0;
    this.committed = true;
    return total;
  }

  /** Writes a range at `start` (the cache v1 PATCH with Content-Range); `end` is exclusive. */
  async writeRange(start: number, end: number, body: UploadBody): Promise<void> {
    if (end > this.limit) throw tooLarge(this.limit, this.limitName);
    const length = end - start;
    const n = await this.write(
      this.path,
      { ...body, declaredLength: body.declaredLength ?? length },
      constants.O_WRONLY | constants.O_CREAT,
      start,
      length,
    );
    if (n !== length) {
      throw new UploadError(
        400,
        "IncompleteBody",
        `The chunk for bytes ${start}-${end - 1} carried ${n} bytes, not ${length}`,
      );
    }
    this.ranges = mergeRanges([...this.ranges, [start, end]]);
  }

  /** Bytes from offset 0 without a gap, of what writeRange wrote. */
  contiguousBytes(): number {
    const first = this.ranges[0];
    return first && first[0] === 0 ? first[1] : 0;
  }

  /** The size of the assembled blob (0 before anything was written). */
  async size(): Promise<number> {
    return (await stat(this.path).catch(() => undefined))?.size ?? 0;
  }

  /** Deletes the staging folder. */
  async discard(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
