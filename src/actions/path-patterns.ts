import { type Dirent, lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import picomatch from "picomatch";

/**
 * `path:` inputs of actions/cache and upload-artifact, resolved as @actions/glob resolves them:
 * one pattern a line, `#` comments, `!` to exclude (later lines override earlier ones), `~` for
 * the home directory, relative to the workspace, `*`, `?`, `[…]` and `**` (dot files match, no
 * braces), a trailing `/` for directories only.
 */
export interface PatternOptions {
  workspace: string;
  home: string;
  /** A matched directory brings everything beneath it (as both actions ask @actions/glob). */
  implicitDescendants: boolean;
  /** Skip every file or folder whose name starts with `.`, the search root included (upload-artifact). */
  excludeHidden?: boolean;
  /** Follow symbolic links (upload-artifact); else a link is an entry of its own (actions/cache). */
  followSymlinks?: boolean;
  /**
   * Where an absolute path the job names is on this host (Sandbox.toHost: a sandboxed job's /tmp is
   * a folder of its own): each pattern is looked up there, and the matches are host paths.
   */
  toHost?: (path: string) => string;
}

export interface ResolvedPaths {
  /** Absolute paths of everything matched (files, folders, links), sorted. */
  matches: string[];
  /** Where each include pattern starts searching, without those beneath another (for the artifact root). */
  searchPaths: string[];
}

interface Pattern {
  negate: boolean;
  /** Absolute, without a trailing separator. */
  path: string;
  directoriesOnly: boolean;
  searchPath: string;
  depth: number;
  globstar: boolean;
  test: (path: string) => boolean;
}

const GLOB_CHARS = /[*?[]/;

/** The lines of a multi-line input as @actions/cache reads them (`! x` is `!x`). */
export function inputLines(value: string | undefined): string[] {
  return (value ?? "")
    .split("\n")
    .map((s) => s.replace(/^!\s+/, "!").trim())
    .filter((s) => s !== "");
}

function parsePattern(line: string, opts: PatternOptions): Pattern | undefined {
  let text = line.trim();
  if (text === "" || text.startsWith("#")) return undefined;
  let negate = false;
  while (text.startsWith("!")) {
    negate = !negate;
    text = text.slice(1).trim();
  }
  if (text === "~" || text.startsWith("~/")) text = opts.home + text.slice(1);
  const directoriesOnly = text.endsWith("/") && text.length > 1;
  const named = resolve(isAbsolute(text) ? text : join(opts.workspace, text));
  const absolute = opts.toHost ? resolve(opts.toHost(named)) : named;
  const segments = absolute.split(sep);
  const literal: string[] = [];
  for (const s of segments) {
    if (GLOB_CHARS.test(s)) break;
    literal.push(s);
  }
  const searchPath = literal.join(sep) || sep;
  const hasGlob = literal.length < segments.length;
  const matcher = hasGlob
    ? picomatch(absolute, { dot: true, nobrace: true, noextglob: true, posix: true })
    : (p: string) => p === absolute;
  return {
    negate,
    path: absolute,
    directoriesOnly,
    searchPath,
    depth: segments.length,
    globstar: segments.includes("**"),
    test: matcher,
  };
}

function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  let cur = dirname(path);
  while (cur !== dirname(cur)) {
    out.push(cur);
    cur = dirname(cur);
  }
  return out;
}

function depthOf(path: string): number {
  return path === sep ? 1 : path.split(sep).length;
}

/** Resolves the patterns of a `path:` input to the entries they match. */
export function resolvePaths(lines: string[], opts: PatternOptions): ResolvedPaths {
  const patterns = lines.map((l) => parsePattern(l, opts)).filter((p): p is Pattern => p !== undefined);
  const includes = patterns.filter((p) => !p.negate);

  // `under[i]`: pattern i matched a folder above the path (with implicit descendants, it matches too).
  const isMatch = (path: string, isDir: boolean, under: boolean[], self: boolean[]): boolean => {
    let result = false;
    patterns.forEach((p, i) => {
      if (p.negate ? !result : result) return;
      const hit = (self[i] && (isDir || !p.directoriesOnly)) || (opts.implicitDescendants && under[i]);
      if (hit) result = !p.negate;
    });
    return result;
  };
  // Whether something beneath this folder could still match an include pattern.
  const mayDescend = (dir: string, under: boolean[], self: boolean[]): boolean =>
    patterns.some(
      (p, i) =>
        !p.negate &&
        (dir === p.searchPath || dir.startsWith(p.searchPath === sep ? sep : p.searchPath + sep)) &&
        (p.globstar || depthOf(dir) < p.depth || (opts.implicitDescendants && (under[i] || self[i]))),
    );

  const searchPaths = prunedSearchPaths(includes.map((p) => p.searchPath));
  const found = new Set<string>();
  /** Whether `path` is a folder (following links when asked); undefined when it is gone or a broken link. */
  const folderOrNot = (path: string, entry?: Dirent): boolean | undefined => {
    // The folder listing already says what an entry is, unless it is a link to follow.
    if (entry && !(opts.followSymlinks && entry.isSymbolicLink())) return entry.isDirectory();
    try {
      return (opts.followSymlinks ? statSync(path) : lstatSync(path)).isDirectory();
    } catch {
      return undefined;
    }
  };
  const visit = (path: string, chain: Set<string>, under: boolean[], entry?: Dirent) => {
    if (opts.excludeHidden && basename(path).startsWith(".")) return;
    const isDir = folderOrNot(path, entry);
    if (isDir === undefined) return;
    const self = patterns.map((p) => p.test(path));
    if (isMatch(path, isDir, under, self)) found.add(path);
    if (!isDir || !mayDescend(path, under, self)) return;
    let real = path;
    if (opts.followSymlinks) {
      real = realpathSync(path);
      if (chain.has(real)) return; // a link back up the tree
    }
    let entries: Dirent[];
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    const next = new Set(chain).add(real);
    const below = under.map((u, i) => u || self[i]);
    for (const e of entries) visit(join(path, e.name), next, below, e);
  };
  for (const root of searchPaths) {
    const above = ancestorsOf(root);
    visit(
      root,
      new Set(),
      patterns.map((p) => above.some((a) => p.test(a))),
    );
  }
  return { matches: [...found].sort(), searchPaths };
}

/** Search paths without duplicates and without those beneath another one, in order. */
function prunedSearchPaths(paths: string[]): string[] {
  const all = new Set(paths);
  const out: string[] = [];
  for (const p of paths) {
    if (out.includes(p)) continue;
    if (ancestorsOf(p).some((a) => all.has(a))) continue;
    out.push(p);
  }
  return out;
}

/** The deepest folder holding every search path (upload-artifact's root for several paths). */
export function commonAncestor(paths: string[]): string {
  const split = paths.map((p) => p.split(sep));
  const common: string[] = [];
  for (let i = 0; i < Math.min(...split.map((s) => s.length)); i++) {
    const part = split[0][i];
    if (split.some((s) => s[i] !== part)) break;
    common.push(part);
  }
  return common.join(sep) || sep;
}
