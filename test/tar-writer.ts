import { gzipSync } from "node:zlib";

/** One member of a tar archive written by a test (to build archives real tools would not make). */
export interface TarEntry {
  name: string;
  type?: "file" | "dir" | "symlink" | "hardlink";
  content?: Buffer | string;
  mode?: number;
  /** The target of a link, as written into the archive. */
  linkname?: string;
}

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => {
    const b = Buffer.from(text);
    if (b.length > length) throw new Error(`tar field too long: ${text}`);
    b.copy(h, offset);
  };
  const num = (n: number, offset: number, length: number) =>
    put(`${n.toString(8).padStart(length - 1, "0")}\0`, offset, length);
  const type = e.type ?? "file";
  put(e.name, 0, 100);
  num(e.mode ?? (type === "dir" ? 0o755 : 0o644), 100, 8);
  num(0, 108, 8);
  num(0, 116, 8);
  num(size, 124, 12);
  num(Math.floor(Date.now() / 1000), 136, 12);
  put("        ", 148, 8);
  put({ file: "0", hardlink: "1", symlink: "2", dir: "5" }[type], 156, 1);
  put(e.linkname ?? "", 157, 100);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return h;
}

/** A gzipped ustar archive of `entries`, in order. */
export function tarGz(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = e.type === undefined || e.type === "file" ? Buffer.from(e.content ?? "") : Buffer.alloc(0);
    parts.push(header(e, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts), { level: 1 });
}
