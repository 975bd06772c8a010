// A git repository's objects read from its files, without a git process: a loose object (a file
// under objects/, zlib-deflated "<type> <size>\0<content>"), checked against its id; the objects it
// names (a commit's tree and parents, a tree's entries, a tag's object); and whether a pack holds an
// object, from the packs' index files (version 2: a fan-out table, then the sorted object ids),
// read a few bytes at a time. What this cannot read with certainty (an index of another version,
// alternates, a corrupt file) is "unknown": the caller asks git.
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";

export type ObjectType = "blob" | "tree" | "commit" | "tag";

export interface LooseObject {
  type: ObjectType;
  content: Buffer;
  /** The file as it was read (deflated): what a copy of the object writes. */
  file: Buffer;
}

const TYPES = new Set<string>(["blob", "tree", "commit", "tag"]);

/** An object larger than this (inflated) is not read here: "unknown". */
export const MAX_OBJECT_BYTES = 16 * 1024 * 1024;

/** A loose object's file. */
export function looseObjectPath(gitDir: string, oid: string): string {
  return join(gitDir, "objects", oid.slice(0, 2), oid.slice(2));
}

/**
 * A loose object, read and checked (its content hashes to its id); undefined when there is no such
 * file; "unknown" when the file is not an object git would take under that id, or is larger than
 * MAX_OBJECT_BYTES.
 */
export function readLooseObject(gitDir: string, oid: string): LooseObject | undefined | "unknown" {
  let raw: Buffer;
  try {
    raw = readFileSync(looseObjectPath(gitDir, oid));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? undefined : "unknown";
  }
  let data: Buffer;
  try {
    // A large object (or a small file that inflates to one) is git's to move, not this process's.
    data = inflateSync(raw, { maxOutputLength: MAX_OBJECT_BYTES });
  } catch {
    return "unknown";
  }
  const nul = data.indexOf(0);
  const header = nul < 0 ? "" : data.subarray(0, nul).toString("latin1");
  const m = /^(blob|tree|commit|tag) (\d+)$/.exec(header);
  if (!m || !TYPES.has(m[1]) || Number(m[2]) !== data.length - nul - 1) return "unknown";
  const hash = createHash(oid.length === 64 ? "sha256" : "sha1")
    .update(data)
    .digest("hex");
  if (hash !== oid) return "unknown";
  return { type: m[1] as ObjectType, content: data.subarray(nul + 1), file: raw };
}

const HEADER_ID = /^(tree|parent|object) ([0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The objects an object names, which a repository that has it must have too: a commit's tree and
 * parents, a tag's object, a tree's entries (not a submodule's commit). "unknown" when it cannot be
 * read as git would.
 */
export function objectLinks(object: LooseObject, oidLength: number): string[] | "unknown" {
  if (object.type === "blob") return [];
  if (object.type === "tree") {
    // "<mode> <name>\0<id>" after one another, to the last byte; a submodule (160000) names a
    // commit of another repository.
    const tree = object.content;
    const bytes = oidLength / 2;
    const links: string[] = [];
    let at = 0;
    while (at < tree.length) {
      const space = tree.indexOf(32, at);
      const nul = space < 0 ? -1 : tree.indexOf(0, space + 1);
      if (space <= at || nul < 0 || nul + 1 + bytes > tree.length) return "unknown";
      if (tree.subarray(at, space).toString("latin1") !== "160000")
        links.push(tree.subarray(nul + 1, nul + 1 + bytes).toString("hex"));
      at = nul + 1 + bytes;
    }
    return links;
  }
  const end = object.content.indexOf("\n\n");
  const headers = object.content.subarray(0, end < 0 ? object.content.length : end).toString("utf8");
  const links: string[] = [];
  for (const line of headers.split("\n")) {
    const m = HEADER_ID.exec(line);
    if (m) {
      if (m[2].length !== oidLength) return "unknown";
      links.push(m[2]);
    }
  }
  const wanted = object.type === "commit" ? "tree" : "object";
  if (!headers.startsWith(`${wanted} `) || links.length === 0) return "unknown";
  return links;
}

/** One pack's index, open: its fan-out table and where its ids start. */
interface PackIndex {
  fd: number;
  fanout: Buffer;
}

/**
 * Whether a repository's packs hold objects, from their index files, opened once; `close()` when
 * done. A repository with alternates, or a pack index this does not read, makes every answer
 * "unknown".
 */
export class PackedObjects {
  private indexes: PackIndex[] | "unknown" | undefined;

  constructor(
    private readonly gitDir: string,
    private readonly oidLength: number,
  ) {}

  private open(): PackIndex[] | "unknown" {
    if (this.indexes) return this.indexes;
    const objects = join(this.gitDir, "objects");
    if (existsSync(join(objects, "info", "alternates"))) return (this.indexes = "unknown" as const);
    let names: string[];
    try {
      names = readdirSync(join(objects, "pack"));
    } catch (err) {
      return (this.indexes = (err as NodeJS.ErrnoException).code === "ENOENT" ? [] : "unknown");
    }
    const indexes: PackIndex[] = [];
    const fail = () => {
      for (const { fd } of indexes) closeSync(fd);
      return (this.indexes = "unknown" as const);
    };
    for (const name of names) {
      // As git: an index counts when its pack is there.
      if (!name.endsWith(".idx") || !names.includes(`${name.slice(0, -4)}.pack`)) continue;
      let fd: number;
      try {
        fd = openSync(join(objects, "pack", name), "r");
      } catch {
        return fail();
      }
      const fanout = Buffer.alloc(8 + 256 * 4);
      indexes.push({ fd, fanout });
      if (
        readSync(fd, fanout, 0, fanout.length, 0) !== fanout.length ||
        fanout.readUInt32BE(0) !== 0xff744f63 ||
        fanout.readUInt32BE(4) !== 2
      )
        return fail();
    }
    this.indexes = indexes;
    return indexes;
  }

  /** Whether a pack holds the object; "unknown" when the packs cannot be read with certainty. */
  has(oid: string): boolean | "unknown" {
    const indexes = this.open();
    if (indexes === "unknown") return "unknown";
    const want = Buffer.from(oid, "hex");
    const bytes = this.oidLength / 2;
    const id = Buffer.alloc(bytes);
    for (const { fd, fanout } of indexes) {
      const first = want[0];
      let lo = first === 0 ? 0 : fanout.readUInt32BE(8 + (first - 1) * 4);
      let hi = fanout.readUInt32BE(8 + first * 4);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (readSync(fd, id, 0, bytes, 8 + 256 * 4 + mid * bytes) !== bytes) return "unknown";
        const order = id.compare(want);
        if (order === 0) return true;
        if (order < 0) lo = mid + 1;
        else hi = mid;
      }
    }
    return false;
  }

  close(): void {
    if (Array.isArray(this.indexes)) for (const { fd } of this.indexes) closeSync(fd);
    this.indexes = undefined;
  }
}
