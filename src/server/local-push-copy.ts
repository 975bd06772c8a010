// A push to a repository on this host, brought into the server's clone without `git fetch`. A fetch
// from a local path is six processes (fetch, sh, upload-pack, pack-objects, unpack-objects and the
// connectivity check's rev-list), the longest part of the way from a push to its run. When the
// pushed objects lie loose in origin (git unpacks a push of fewer than 100 objects), they are found
// by one `rev-list --objects` in origin, copied as files, and the refs set by one `update-ref`.
// Nothing of the hook's word is taken on trust: each pushed ref must be in origin's own files at the
// value the hook told, every other branch and tag the same in origin and the clone (else a fetch
// catches up on all of it), and the objects come from origin alone. Anything else (a deletion, a
// packed object, a large push, refs this cannot read) answers false: the caller fetches.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isWatchedRef, type RefUpdate, readRefFiles } from "../triggers/index.js";

/** More objects than this: a fetch (one pack) does better than files one by one. */
const MAX_OBJECTS = 500;

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface LocalPushCopy {
  /** The server's clone (bare). */
  clone: string;
  /** Origin's git folder on this host (localGitDir). */
  origin: string;
  /** The refs the hook says were pushed. */
  updates: readonly RefUpdate[];
  /** Runs git in a folder, with `input` on its standard input; rejects when git fails. */
  git(cwd: string, args: string[], input?: string): Promise<string>;
}

/** Whether the push was brought into the clone (see the top of this file); false: fetch. */
export async function copyLocalPush(input: LocalPushCopy): Promise<boolean> {
  const updates = input.updates.filter((u) => isWatchedRef(u.ref));
  if (updates.length === 0 || updates.some((u) => !OID.test(u.after) || /^0+$/.test(u.after))) return false;
  const there = readRefFiles(input.origin);
  const here = readRefFiles(input.clone);
  if (!there || !here) return false;
  const pushed = new Set(updates.map((u) => u.ref));
  if (updates.some((u) => there[u.ref] !== u.after)) return false;
  for (const ref of new Set([...Object.keys(there), ...Object.keys(here)])) {
    if (!pushed.has(ref) && there[ref] !== here[ref]) return false;
  }
  // What the pushed tips have that the clone's refs (whose history the clone holds) have not.
  const tips = [...new Set(Object.values(here))];
  const listing = await input.git(
    input.origin,
    ["rev-list", "--objects", "--stdin"],
    `${[...updates.map((u) => u.after), ...tips.map((t) => `^${t}`)].join("\n")}\n`,
  );
  const objects = listing
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.slice(0, l.indexOf(" ") < 0 ? l.length : l.indexOf(" ")));
  if (objects.length > MAX_OBJECTS || objects.some((o) => !OID.test(o))) return false;
  const path = (root: string, oid: string) => join(root, "objects", oid.slice(0, 2), oid.slice(2));
  const missing = objects.filter((oid) => !existsSync(path(input.clone, oid)));
  if (missing.some((oid) => !existsSync(path(input.origin, oid)))) return false;
  for (const oid of missing) {
    // As git writes an object: a temporary file in its folder, renamed into place.
    const target = path(input.clone, oid);
    mkdirSync(join(input.clone, "objects", oid.slice(0, 2)), { recursive: true });
    const temporary = join(input.clone, "objects", oid.slice(0, 2), `tmp_obj_gantry_${process.pid}_${oid}`);
    try {
      copyFileSync(path(input.origin, oid), temporary);
      renameSync(temporary, target);
    } catch (err) {
      rmSync(temporary, { force: true });
      throw err;
    }
  }
  // Every pushed ref at once, each from the value the clone had (git refuses when one moved since).
  const zero = "0".repeat(updates[0].after.length);
  await input.git(
    input.clone,
    ["update-ref", "--stdin"],
    updates.map((u) => `update ${u.ref} ${u.after} ${here[u.ref] ?? zero}\n`).join(""),
  );
  return true;
}
