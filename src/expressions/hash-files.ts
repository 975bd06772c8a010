import { createHash, hash } from "node:crypto";
import {
  closeSync,
  type Dirent,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { data } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import {
  type GlobPattern,
  MATCH_FILE,
  matchKind,
  parsePatterns,
  partialMatch,
  prunableTest,
} from "./glob-pattern.js";

const FOLLOW = "--follow-symbolic-links";

/** Where the walk starts: each include pattern's search path, in pattern order, minus those
 * below another one (as @actions/glob's getSearchPaths). */
function searchPaths(patterns: GlobPattern[]): string[] {
  const includes = patterns.filter((p) => !p.negate);
  const candidates = new Set(includes.map((p) => p.searchPath));
  const roots: string[] = [];
  for (const { searchPath } of includes) {
    if (roots.includes(searchPath)) continue;
    let child = searchPath;
    let parent = dirname(child);
    let covered = false;
    while (parent !== child && !covered) {
      covered = candidates.has(parent);
      child = parent;
      parent = dirname(child);
    }
    if (!covered) roots.push(searchPath);
  }
  return roots;
}

/**
 * Reads a file through one reusable buffer; a file that fits is hashed in one call. A read of
 * a regular file returns less than asked only at its end, so a file shorter than the buffer
 * takes three system calls (open, read, close): no stat, no read that returns 0.
 */
class FileHasher {
  private buf = Buffer.allocUnsafe(1 << 20);

  digest(path: string): Buffer {
    const fd = openSync(path, "r");
    try {
      let n = readSync(fd, this.buf, 0, this.buf.length, null);
      if (n < this.buf.length) return hash("sha256", this.buf.subarray(0, n), "buffer");
      const h = createHash("sha256");
      while (n > 0) {
        h.update(this.buf.subarray(0, n));
        n = readSync(fd, this.buf, 0, this.buf.length, null);
      }
      return h.digest();
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * hashFiles(...patterns) as GitHub's runner computes it (its hashFiles script over
 * @actions/glob): the sha256 of the concatenated sha256 digests of every matched file under
 * the workspace, in the glob's walk order (depth first, each directory's entries in byte
 * order, the search paths in pattern order); '' when nothing matches. Patterns are read in
 * order, a `!` pattern removing what earlier ones matched; a directory pattern matches the
 * files below it; directories and files outside the workspace are skipped. Symbolic links are
 * not followed while walking unless the first argument is `--follow-symbolic-links`; a matched
 * link to a file hashes the file it points to.
 *
 * Faster than the glob: one readdir per directory gives each entry's type (no stat per
 * file), entries no pattern can reach are never visited, directories excluded for good are
 * not walked, and files are read synchronously through one buffer.
 */
export function hashFiles(workspace: string, args: string[]): string {
  let follow = false;
  if (args[0]?.startsWith("--")) {
    if (args[0].toLowerCase() !== FOLLOW) {
      throw new Error(`hashFiles: invalid glob option '${args[0]}', the available option is '${FOLLOW}'`);
    }
    follow = true;
    args = args.slice(1);
  }
  const ws = resolve(workspace);
  const wsPrefix = ws === "/" ? "/" : `${ws}/`;
  const patterns = parsePatterns(args, ws);
  const prunable = prunableTest(patterns);
  const hasher = new FileHasher();
  const total = createHash("sha256");
  let matched = 0;

  const addFile = (path: string, maybeLink: boolean): void => {
    if (!path.startsWith(wsPrefix)) return;
    if (maybeLink && statSync(path).isDirectory()) return;
    total.update(hasher.digest(path));
    matched++;
  };

  /** Visits `path`; `entry` is its dirent (undefined for a search path), `chain` the real
   * paths of the directories above it (cycle detection when following links). */
  const visit = (path: string, entry: Dirent | undefined, chain: string[]): void => {
    const kind = matchKind(patterns, path);
    if (kind === 0 && !partialMatch(patterns, path)) return;
    const st = entry ?? lstatSync(path);
    const isLink = st.isSymbolicLink();
    let isDir = st.isDirectory();
    if (isLink && follow) {
      try {
        isDir = statSync(path).isDirectory();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // a broken link is left out
        throw err;
      }
    }
    if (!isDir) {
      if (kind & MATCH_FILE) addFile(path, isLink);
      return;
    }
    if (prunable(path)) return;
    let below = chain;
    if (follow) {
      const real = realpathSync(path);
      if (chain.includes(real)) return; // a link cycle
      below = [...chain, real];
    }
    for (const child of readdirSync(path, { withFileTypes: true }))
      visit(join(path, child.name), child, below);
  };

  for (const root of searchPaths(patterns)) {
    try {
      lstatSync(root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    visit(root, undefined, []);
  }
  return matched === 0 ? "" : total.digest("hex");
}

export function hashFilesFunction(workspace: string): FunctionDefinition {
  return {
    name: "hashFiles",
    minArgs: 1,
    maxArgs: 255,
    call: (...args) =>
      new data.StringData(
        hashFiles(
          workspace,
          args.map((a) => a.coerceString()),
        ),
      ),
  };
}
