// node:zlib, loaded at the first call rather than with the artifact modules: `gantry run` loads
// this folder before its first step (the Actions services' stores) and needs zlib only when a job
// writes or reads an artifact. Its binding's start is not free (a few milliseconds).
import type * as Zlib from "node:zlib";

const zlib = (): typeof Zlib => process.getBuiltinModule("node:zlib");

/** zlib.crc32: `data`'s CRC-32, continuing from `value`. */
export function crc32(data: Parameters<typeof Zlib.crc32>[0], value?: number): number {
  return zlib().crc32(data, value);
}

/** zlib.createInflateRaw. */
export function createInflateRaw(options?: Zlib.ZlibOptions): Zlib.InflateRaw {
  return zlib().createInflateRaw(options);
}
