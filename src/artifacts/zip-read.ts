import { createReadStream, createWriteStream } from "node:fs";
import { type FileHandle, mkdir, open, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, createInflateRaw } from "./zlib-on-use.js";

/** Why a zip upload was refused (bad structure, unsafe names, over the size limit). */
export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipError";
  }
}

/** One file of a zip's central directory. */
interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  isDirectory: boolean;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  if (bytesRead !== length) throw new ZipError("The zip is truncated");
  return buf;
}

/** Why a name in a zip is not a safe relative path, or undefined when it is. */
export function zipNameProblem(name: string): string | undefined {
  if (name === "" || name.includes("\0")) return "an empty name or a NUL byte";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name) || name.includes("\\")) {
    return "an absolute path or a backslash";
  }
  if (name.split("/").some((part) => part === "..")) return "a '..' component (path traversal)";
  return undefined;
}

/** The central directory of the zip open at `handle` of `size` bytes (zip64 included). */
async function readCentralDirectory(handle: FileHandle, size: number): Promise<ZipEntry[]> {
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let at = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipError("Not a zip archive (no end of central directory record)");
  let count = tail.readUInt16LE(at + 10);
  let cdSize = tail.readUInt32LE(at + 12);
  let cdOffset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locatorAt = size - tailLength + at - 20;
    const locator = locatorAt >= 0 ? await readAt(handle, locatorAt, 20) : undefined;
    if (!locator || locator.readUInt32LE(0) !== ZIP64_LOCATOR)
      throw new ZipError("The zip64 locator is missing");
    const eocd64 = await readAt(handle, Number(locator.readBigUInt64LE(8)), 56);
    if (eocd64.readUInt32LE(0) !== ZIP64_EOCD)
      throw new ZipError("The zip64 end of central directory is missing");
    count = Number(eocd64.readBigUInt64LE(32));
    cdSize = Number(eocd64.readBigUInt64LE(40));
    cdOffset = Number(eocd64.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > size) throw new ZipError("The zip's central directory lies beyond its end");
  const cd = await readAt(handle, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL)
      throw new ZipError("The zip's central directory is corrupt");
    const flags = cd.readUInt16LE(p + 8);
    if (flags & 1) throw new ZipError("Encrypted zip entries are not supported");
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    const name = cd.subarray(p + 46, p + 46 + nameLength).toString("utf8");
    const entry: ZipEntry = {
      name,
      method: cd.readUInt16LE(p + 10),
      crc: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      localOffset: cd.readUInt32LE(p + 42),
      isDirectory: name.endsWith("/"),
    };
    const mode = cd.readUInt32LE(p + 38) >>> 16;
    if ((mode & S_IFMT) === S_IFLNK)
      throw new ZipError(`Symbolic links are not supported in artifacts: ${name}`);
    // zip64: the sizes and offset that overflowed, in this order, in extra field 0x0001.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const length = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => {
          const v = Number(cd.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (entry.size === 0xffffffff) entry.size = next();
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
        if (entry.localOffset === 0xffffffff) entry.localOffset = next();
      }
      e += 4 + length;
    }
    entries.push(entry);
    p = extraEnd + commentLength;
  }
  return entries;
}

/** Counts bytes through a stream, updates a CRC-32, and stops past `limit`. */
function checked(limit: number, onPastLimit: () => Error): Transform & { crc: number; bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      t.bytes += chunk.length;
      if (t.bytes > limit) return done(onPastLimit());
      t.crc = crc32(chunk, t.crc);
      done(null, chunk);
    },
  }) as Transform & { crc: number; bytes: number };
  t.crc = 0;
  t.bytes = 0;
  return t;
}

/**
 * Extracts the zip at `zipPath` under `destination` and returns the files' relative paths. Names
 * that would leave `destination` (absolute, `..`, backslashes), duplicates, links, encryption and
 * methods other than stored and deflate are refused; each file's size and CRC-32 are checked, and
 * the total is held to `maxSize` as it inflates (a zip bomb stops there).
 */
export async function extractZip(zipPath: string, destination: string, maxSize: number): Promise<string[]> {
  const handle = await open(zipPath, "r");
  let entries: ZipEntry[];
  try {
    entries = await readCentralDirectory(handle, (await handle.stat()).size);
  } finally {
    await handle.close();
  }
  const seen = new Set<string>();
  let total = 0;
  for (const entry of entries) {
    const problem = zipNameProblem(entry.name);
    if (problem) throw new ZipError(`Refused the zip entry '${entry.name}': ${problem}`);
    const key = entry.name.replace(/\/+$/, "");
    if (seen.has(key)) throw new ZipError(`The zip holds '${entry.name}' twice`);
    seen.add(key);
    if (entry.method !== 0 && entry.method !== 8) {
      throw new ZipError(
        `Zip entry '${entry.name}' uses compression method ${entry.method}; only stored and deflate are supported`,
      );
    }
    total += entry.size;
  }
  const tooBig = () =>
    new ZipError(
      `The unzipped files are larger than the ${maxSize} bytes limit of an artifact (GANTRY_ARTIFACT_MAX_SIZE)`,
    );
  if (total > maxSize) throw tooBig();

  const files: string[] = [];
  let written = 0;
  const zip = await open(zipPath, "r");
  try {
    for (const entry of entries) {
      const target = join(destination, entry.name);
      if (entry.isDirectory) {
        await mkdir(target, { recursive: true });
        continue;
      }
      const local = await readAt(zip, entry.localOffset, 30);
      if (local.readUInt32LE(0) !== LOCAL)
        throw new ZipError(`The local header of '${entry.name}' is missing`);
      const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      await mkdir(dirname(target), { recursive: true });
      const check = checked(Math.min(entry.size, maxSize - written), tooBig);
      if (entry.compressedSize === 0) {
        await writeFile(target, "", { flag: "wx" });
      } else {
        const end = start + entry.compressedSize - 1;
        const source = createReadStream("", { fd: zip, autoClose: false, start, end });
        const out = createWriteStream(target, { flags: "wx" });
        if (entry.method === 8) await pipeline(source, createInflateRaw(), check, out);
        else await pipeline(source, check, out);
      }
      if (check.bytes !== entry.size || check.crc >>> 0 !== entry.crc) {
        throw new ZipError(`Zip entry '${entry.name}' is corrupt (its size or CRC-32 does not match)`);
      }
      written += check.bytes;
      files.push(entry.name);
    }
  } catch (err) {
    if (err instanceof ZipError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST")
      throw new ZipError("The zip holds a file twice, or a file inside another file's path");
    if (code?.startsWith("Z_") || code === "ERR_STREAM_PREMATURE_CLOSE") {
      throw new ZipError(`The zip is corrupt: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    await zip.close();
  }
  return files;
}
