// A push to a repository on this host, brought into the server's clone without a git process. A
// fetch from a local path is six processes (fetch, sh, upload-pack, pack-objects, unpack-objects and
// the connectivity check's rev-list), and even a `rev-list` and an `update-ref` cost more than all
// the rest of the way from a push to its run on a loaded machine. When the pushed objects lie loose
// in origin (git unpacks a push of fewer than 100 objects), they are found by a walk from the pushed
// tips that stops at what the clone has (git-object-files.ts: its loose files and its packs'
// indexes), read and checked against their ids, written as files (each after the objects it names,
// so that the clone never holds an object without what it names), and the refs set as git sets a
// ref file (a lock file made exclusively, the old value checked, renamed into place).
// Nothing of the hook's word is taken on trust: each pushed ref must be in origin's own files at the
// value the hook told, every other branch and tag the same in origin and the clone (else a fetch
// catches up on all of it), and the objects come from origin alone. Anything else (a deletion, a
// packed object, a large push, refs or packs this cannot read) answers undefined: the caller fetches.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { isWatchedRef, type RefUpdate, readRefFiles } from "../triggers/index.js";
import {
  type LooseObject,
  looseObjectPath,
  type ObjectType,
  objectLinks,
  PackedObjects,
  readLooseObject,
} from "./git-object-files.js";
import { readStoredRef } from "./local-refs.js";
import { refProblem } from "./validate.js";

/** More objects than this (to copy, or looked at): a fetch (one pack) does better than files one by one. */
const MAX_OBJECTS = 500;

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface LocalPushCopy {
  /** The server's clone (bare). */
  clone: string;
  /** Origin's git folder on this host (localGitDir). */
  origin: string;
  /** The refs the hook says were pushed. */
  updates: readonly RefUpdate[];
  /** Given the objects copied (each checked against its id), once the refs are set. */
  copied?: (objects: Array<{ oid: string; type: ObjectType; content: Buffer }>) => void;
}

/**
 * The objects the pushed tips have that the clone has not, each after the objects it names (a
 * depth-first walk's post-order); undefined when one of them is not a loose object of origin, when
 * there are too many, or when something cannot be read with certainty.
 */
function missingObjects(
  clone: string,
  origin: string,
  tips: readonly string[],
): Array<{ oid: string; object: LooseObject }> | undefined {
  const oidLength = tips[0].length;
  const packed = new PackedObjects(clone, oidLength);
  try {
    const order: Array<{ oid: string; object: LooseObject }> = [];
    const seen = new Set<string>();
    // [object, the objects it names (undefined: not read yet), the object as read]
    const stack: Array<[string, string[] | undefined, LooseObject | undefined]> = [];
    const visit = (oid: string): boolean => {
      if (seen.has(oid)) return true;
      seen.add(oid);
      if (seen.size > MAX_OBJECTS * 4) return false;
      if (existsSync(looseObjectPath(clone, oid))) return true;
      const inPack = packed.has(oid);
      if (inPack === "unknown") return false;
      if (inPack) return true;
      stack.push([oid, undefined, undefined]);
      return true;
    };
    for (const tip of tips) if (!visit(tip)) return undefined;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top[1] === undefined) {
        const object = readLooseObject(origin, top[0]);
        if (object === undefined || object === "unknown") return undefined;
        const links = objectLinks(object, oidLength);
        if (links === "unknown") return undefined;
        top[1] = links;
        top[2] = object;
      }
      const next = top[1].pop();
      if (next === undefined) {
        stack.pop();
        order.push({ oid: top[0], object: top[2] as LooseObject });
        if (order.length > MAX_OBJECTS) return undefined;
      } else if (!visit(next)) return undefined;
    }
    return order;
  } finally {
    packed.close();
  }
}

/**
 * Writes a loose object of origin into the clone, as git writes one: a temporary file renamed into
 * place. The bytes are the ones read and checked (not the file again, which may have changed since).
 */
function writeObject(clone: string, oid: string, file: Buffer): void {
  const target = looseObjectPath(clone, oid);
  const temporary = join(dirname(target), `tmp_obj_gantry_${process.pid}_${oid}`);
  const write = () => writeFileSync(temporary, file, { flag: "wx", mode: 0o444 });
  try {
    try {
      write();
    } catch (err) {
      // The object's folder (objects/xx) made only when it is not there yet: most are.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      mkdirSync(dirname(target), { recursive: true });
      write();
    }
    renameSync(temporary, target);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}

/**
 * Sets the clone's refs from the values they have (`here`) to the pushed ones, as git's files
 * backend does: every ref's lock file made exclusively (one that exists: another writer, refused),
 * each ref's value checked under its lock, the new values written and renamed into place.
 */
function setRefs(clone: string, updates: readonly RefUpdate[], here: Record<string, string>): void {
  const locks: Array<{ ref: string; lock: string; fd: number }> = [];
  try {
    for (const u of updates) {
      if (refProblem(u.ref)) throw new Error(`${u.ref}: not a ref name`);
      const path = join(clone, u.ref);
      mkdirSync(dirname(path), { recursive: true });
      const lock = `${path}.lock`;
      locks.push({ ref: u.ref, lock, fd: openSync(lock, "wx") });
      const now = readStoredRef(clone, u.ref);
      if (now !== (here[u.ref] ?? null)) throw new Error(`${u.ref} moved in the clone`);
    }
    for (const [i, u] of updates.entries()) {
      writeSync(locks[i].fd, `${u.after}\n`);
      closeSync(locks[i].fd);
      locks[i].fd = -1;
    }
    for (const { ref, lock } of locks) renameSync(lock, join(clone, ref));
    locks.length = 0;
  } finally {
    for (const { lock, fd } of locks) {
      if (fd >= 0) closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}

/**
 * Brings the push into the clone (see the top of this file): the clone's branches and tags now
 * (origin's, as its files were read and checked: every other ref the same on both sides, the
 * pushed ones set), or undefined when the clone is as it was: fetch.
 */
export function copyLocalPush(input: LocalPushCopy): Record<string, string> | undefined {
  const updates = input.updates.filter((u) => isWatchedRef(u.ref));
  if (updates.length === 0 || updates.some((u) => !OID.test(u.after) || /^0+$/.test(u.after)))
    return undefined;
  if (new Set(updates.map((u) => u.ref)).size !== updates.length) return undefined;
  if (updates.some((u) => u.after.length !== updates[0].after.length)) return undefined;
  const there = readRefFiles(input.origin);
  const here = readRefFiles(input.clone);
  if (!there || !here) return undefined;
  const pushed = new Set(updates.map((u) => u.ref));
  if (updates.some((u) => there[u.ref] !== u.after)) return undefined;
  for (const ref of new Set([...Object.keys(there), ...Object.keys(here)])) {
    if (!pushed.has(ref) && there[ref] !== here[ref]) return undefined;
  }
  const missing = missingObjects(input.clone, input.origin, [...new Set(updates.map((u) => u.after))]);
  if (!missing) return undefined;
  for (const { oid, object } of missing) writeObject(input.clone, oid, object.file);
  setRefs(input.clone, updates, here);
  input.copied?.(missing.map(({ oid, object }) => ({ oid, type: object.type, content: object.content })));
  return there;
}
