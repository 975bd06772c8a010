import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { refProblem } from "./validate.js";

/** A ref's object id as stored (not peeled); null: no such ref; "unknown": it cannot be told here. */
export type StoredRef = string | null | "unknown";

const OID = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The git folder of a repository on this host that git stores its refs in as files (loose refs and
 * packed-refs), for a URL or path as a repository is configured; undefined for a remote URL, or a
 * repository this cannot read (a worktree's, a reftable one, a `.git` file pointing elsewhere).
 */
export function localGitDir(source: string): string | undefined {
  let path: string;
  if (source.startsWith("file://")) {
    try {
      path = fileURLToPath(source);
    } catch {
      return undefined;
    }
  } else if (/^[\w+.-]+:\/\//.test(source) || /^[^/]+@[^:]+:/.test(source) || !source.startsWith("/")) {
    return undefined;
  } else {
    path = source;
  }
  const stat = (p: string) => {
    try {
      return statSync(p);
    } catch {
      return undefined;
    }
  };
  const isDir = (p: string) => stat(p)?.isDirectory() === true;
  const isFile = (p: string) => stat(p)?.isFile() === true;
  const candidates = [path, join(path, ".git")];
  const gitDir = candidates.find(
    (d) => isFile(join(d, "HEAD")) && isDir(join(d, "objects")) && isDir(join(d, "refs")),
  );
  if (!gitDir) return undefined;
  if (isFile(join(gitDir, "commondir")) || isDir(join(gitDir, "reftable"))) return undefined;
  return gitDir;
}

/**
 * A full ref's stored id in a git folder that keeps its refs as files (localGitDir): its loose
 * file, else its line in packed-refs; a symbolic ref or anything unexpected is "unknown". The name
 * must be a valid ref name (so it never leaves the refs' folder).
 */
export function readStoredRef(gitDir: string, ref: string): StoredRef {
  if (!ref.startsWith("refs/") || refProblem(ref)) return "unknown";
  let loose: string | undefined;
  try {
    loose = readFileSync(join(gitDir, ref), "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A folder of that name (refs/heads/a when refs/heads/a/b exists) is no ref either.
    if (code !== "ENOENT" && code !== "EISDIR" && code !== "ENOTDIR") return "unknown";
  }
  if (loose !== undefined) {
    const id = loose.trim();
    return OID.test(id) ? id : "unknown";
  }
  let packed: string;
  try {
    packed = readFileSync(join(gitDir, "packed-refs"), "utf8");
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? null : "unknown";
  }
  const suffix = ` ${ref}`;
  for (const line of packed.split("\n")) {
    if (!line.endsWith(suffix) || line.startsWith("#") || line.startsWith("^")) continue;
    const id = line.slice(0, -suffix.length);
    return OID.test(id) ? id : "unknown";
  }
  return null;
}
