import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";
import { crc32 } from "./zlib-on-use.js";

/**
 * One file to put in a zip: its name in the zip (`/`-separated) and where it is on disk, or (a
 * blob) its size, time and how to read it, with its CRC-32 when known beforehand (else it is
 * read once for it). A file on disk that may be moved away meanwhile (a log sent to the blob
 * store as it closes) names where it went with `moved`.
 */
export type ZipSource =
  | { name: string; path: string; moved?: () => Promise<ZipSource | undefined> }
  | { name: string; size: number; crc?: number; mtime: Date; open: () => Promise<Readable> };

interface Described {
  size: number;
  crc: number;
  mtime: Date;
  open: () => Promise<Readable>;
  close: () => Promise<void>;
}

/**
 * A source's size, CRC-32, time and bytes. A file on disk is opened once: its size is what it held
 * then, and its CRC and its bytes are read from that descriptor up to that size (a log that grows,
 * or is moved, meanwhile still gives the bytes its header describes).
 */
async function describe(file: ZipSource): Promise<Described> {
  if (!("path" in file)) {
    let crc = file.crc;
    if (crc === undefined) {
      crc = 0;
      for await (const chunk of await file.open()) crc = crc32(chunk as Buffer, crc);
      crc >>>= 0;
    }
    return { ...file, crc, close: async () => {} };
  }
  let handle: FileHandle;
  try {
    handle = await open(file.path, "r");
  } catch (err) {
    const elsewhere = (err as NodeJS.ErrnoException).code === "ENOENT" ? await file.moved?.() : undefined;
    if (elsewhere) return describe(elsewhere);
    throw err;
  }
  const fh = handle;
  try {
    const info = await fh.stat();
    const size = info.size;
    const bytes = (autoClose: boolean) =>
      size === 0 ? Readable.from([]) : fh.createReadStream({ start: 0, end: size - 1, autoClose });
    let crc = 0;
    for await (const chunk of bytes(false)) crc = crc32(chunk as Buffer, crc);
    return {
      size,
      crc: crc >>> 0,
      mtime: info.mtime,
      open: async () => bytes(true),
      close: () => fh.close(),
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

const MAX_32 = 0xffffffff;

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getFullYear());
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

/**
 * A zip of the files, stored (no compression: the bytes only cross loopback), produced as it is
 * read: each file is read once for its CRC-32 and once into the stream, so the local headers
 * carry sizes and CRCs (no data descriptors) and any unzipper reads it. Files and offsets past
 * 4 GiB get zip64 extra fields.
 */
export async function* zipFiles(files: ZipSource[]): AsyncGenerator<Uint8Array> {
  const central: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const source = await describe(file);
    try {
      const { size, crc } = source;
      const name = Buffer.from(file.name, "utf8");
      const { time, date } = dosDateTime(source.mtime);
      const big = size >= MAX_32 || offset >= MAX_32;
      // zip64 extra for the local header: uncompressed and compressed sizes.
      const localExtra = Buffer.alloc(big ? 20 : 0);
      if (big) {
        localExtra.writeUInt16LE(0x0001, 0);
        localExtra.writeUInt16LE(16, 2);
        localExtra.writeBigUInt64LE(BigInt(size), 4);
        localExtra.writeBigUInt64LE(BigInt(size), 12);
      }
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(big ? 45 : 20, 4);
      local.writeUInt16LE(0x0800, 6); // UTF-8 names
      local.writeUInt16LE(0, 8); // stored
      local.writeUInt16LE(time, 10);
      local.writeUInt16LE(date, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(big ? MAX_32 : size, 18);
      local.writeUInt32LE(big ? MAX_32 : size, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(localExtra.length, 28);
      yield Buffer.concat([local, name, localExtra]);
      if (size > 0) {
        let sent = 0;
        for await (const chunk of await source.open()) {
          sent += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
        if (sent !== size) throw new Error(`${file.name} changed while it was zipped`);
      }

      const centralExtra = Buffer.alloc(big ? 28 : 0);
      if (big) {
        centralExtra.writeUInt16LE(0x0001, 0);
        centralExtra.writeUInt16LE(24, 2);
        centralExtra.writeBigUInt64LE(BigInt(size), 4);
        centralExtra.writeBigUInt64LE(BigInt(size), 12);
        centralExtra.writeBigUInt64LE(BigInt(offset), 20);
      }
      const entry = Buffer.alloc(46);
      entry.writeUInt32LE(0x02014b50, 0);
      entry.writeUInt16LE((3 << 8) | (big ? 45 : 20), 4); // made by Unix
      entry.writeUInt16LE(big ? 45 : 20, 6);
      entry.writeUInt16LE(0x0800, 8);
      entry.writeUInt16LE(0, 10);
      entry.writeUInt16LE(time, 12);
      entry.writeUInt16LE(date, 14);
      entry.writeUInt32LE(crc, 16);
      entry.writeUInt32LE(big ? MAX_32 : size, 20);
      entry.writeUInt32LE(big ? MAX_32 : size, 24);
      entry.writeUInt16LE(name.length, 28);
      entry.writeUInt16LE(centralExtra.length, 30);
      entry.writeUInt32LE(((0o100644 << 16) >>> 0) as number, 38);
      entry.writeUInt32LE(big ? MAX_32 : offset, 42);
      central.push(Buffer.concat([entry, name, centralExtra]));
      offset += local.length + name.length + localExtra.length + size;
    } finally {
      await source.close();
    }
  }

  const cd = Buffer.concat(central);
  yield cd;
  const count = files.length;
  const zip64 = count >= 0xffff || offset >= MAX_32 || cd.length >= MAX_32;
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(cd.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    yield Buffer.concat([record, locator]);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : count, 8);
  end.writeUInt16LE(zip64 ? 0xffff : count, 10);
  end.writeUInt32LE(zip64 ? MAX_32 : cd.length, 12);
  end.writeUInt32LE(zip64 ? MAX_32 : offset, 16);
  yield end;
}
