import { PayloadError } from "./errors.js";
import { gitOut, isZeroSha, lines, ZERO_SHA } from "./git.js";
import { readRefFiles } from "./ref-files.js";

/** Full ref name → the object it points at (refs/heads/* and refs/tags/* only). */
export type RefMap = Record<string, string>;

/** One ref's change, as git's post-receive hook reads it: "old new ref". */
export interface RefUpdate {
  ref: string;
  /** The old value, zeros when the ref was created. */
  before: string;
  /** The new value, zeros when the ref was deleted. */
  after: string;
}

/** Branches and tags are what workflows react to; other refs (notes, pull heads, …) are ignored. */
export function isWatchedRef(ref: string): boolean {
  return ref.startsWith("refs/heads/") || ref.startsWith("refs/tags/");
}

/**
 * The repository's branches and tags as they are now: from git's files when they can be read with
 * certainty (ref-files.ts, no git process), else from `git for-each-ref`.
 */
export function readRefs(gitDir: string): RefMap {
  const files = readRefFiles(gitDir);
  if (files) return files;
  const refs: RefMap = {};
  const out = gitOut(gitDir, [
    "for-each-ref",
    "--format=%(objectname) %(refname)",
    "refs/heads",
    "refs/tags",
  ]);
  for (const line of lines(out)) {
    const space = line.indexOf(" ");
    refs[line.slice(space + 1)] = line.slice(0, space);
  }
  return refs;
}

/** The updates that turn `before` into `after`: created, moved and deleted refs, in ref order. */
export function diffRefs(before: RefMap, after: RefMap): RefUpdate[] {
  const updates: RefUpdate[] = [];
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(isWatchedRef).sort();
  for (const ref of names) {
    const old = before[ref] ?? ZERO_SHA;
    const now = after[ref] ?? ZERO_SHA;
    if (old !== now) updates.push({ ref, before: old, after: now });
  }
  return updates;
}

/** The refs after the updates were applied. */
export function applyUpdates(refs: RefMap, updates: readonly RefUpdate[]): RefMap {
  const next: RefMap = { ...refs };
  for (const u of updates) {
    if (isZeroSha(u.after)) delete next[u.ref];
    else next[u.ref] = u.after;
  }
  return next;
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Parses post-receive's stdin ("old new ref" per line). Throws PayloadError naming the first bad
 * line: a notification the server cannot trust is rejected whole.
 */
export function parseRefUpdates(text: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  const all = text.split("\n");
  all.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const parts = line.split(/\s+/);
    if (parts.length !== 3) {
      throw new PayloadError(`line ${i + 1}: expected "<old> <new> <ref>", got ${JSON.stringify(line)}`);
    }
    const [before, after, ref] = parts;
    for (const [what, sha] of [
      ["old", before],
      ["new", after],
    ]) {
      if (!SHA.test(sha)) throw new PayloadError(`line ${i + 1}: ${what} value '${sha}' is not an object id`);
    }
    if (!ref.startsWith("refs/") || ref.includes("..") || /[\s~^:?*[\\]/.test(ref)) {
      throw new PayloadError(`line ${i + 1}: '${ref}' is not a full ref name`);
    }
    updates.push({ ref, before, after });
  });
  return updates;
}
