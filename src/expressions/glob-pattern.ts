import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import picomatch from "picomatch";

/**
 * One hashFiles pattern as @actions/glob reads it (the library the runner's hashFiles script
 * uses): `!` negates (repeatable), a leading `~` is the home directory, a relative pattern is
 * rooted at the workspace, a trailing `/` matches directories only. Braces, extglobs and
 * comments inside a pattern are literal; `.` (except first) and `..` segments are refused.
 */
export interface GlobPattern {
  negate: boolean;
  /** The literal directory before the first wildcard segment: where the search starts. */
  searchPath: string;
  /** The segments after searchPath (wildcards), [] for a literal pattern. */
  rest: string[];
  /** Matches only directories (the pattern ended with `/`). */
  dirOnly: boolean;
  /** Whole-path matcher for the part after searchPath. */
  matchRest: (rel: string) => boolean;
  /** Per-segment matchers for rest (null for `**`), for partial matching. */
  segmentMatchers: (((s: string) => boolean) | null)[];
}

export const MATCH_DIRECTORY = 1;
export const MATCH_FILE = 2;

const PICO = { dot: true, nobrace: true, noextglob: true, nonegate: true, posix: true, strictSlashes: true };

/** A segment's literal text, or null when it holds a wildcard (as @actions/glob's getLiteral). */
function literal(segment: string): string | null {
  let out = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === "\\" && i + 1 < segment.length) {
      out += segment[++i];
      continue;
    }
    if (c === "*" || c === "?") return null;
    if (c === "[" && i + 1 < segment.length) {
      const close = segment.indexOf("]", i + 1);
      if (close >= 0) {
        const set = segment.slice(i + 1, close).replace(/\\(.)/g, "$1");
        if (set.length > 1) return null;
        if (set.length === 1) {
          out += set;
          i = close;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

/** Splits hashFiles' arguments into patterns the way the runner and @actions/glob do. */
export function parsePatterns(args: string[], workspace: string): GlobPattern[] {
  const out: GlobPattern[] = [];
  for (const line of args.join("\n").split("\n")) {
    let p = line.trim();
    if (!p || p.startsWith("#")) continue;
    let negate = false;
    while (p.startsWith("!")) {
      negate = !negate;
      p = p.slice(1).trim();
    }
    if (!p) throw new Error(`hashFiles: the pattern '${line.trim()}' is empty after '!'`);
    out.push(...compile(p, negate, workspace));
  }
  return out;
}

/** The pattern, plus `pattern/**` (the implicit descendants @actions/glob adds) unless it ends in `**`. */
function compile(pattern: string, negate: boolean, workspace: string): GlobPattern[] {
  const dirOnly = pattern.endsWith("/");
  const raw = pattern.split("/").filter((s, i) => s !== "" || i === 0);
  raw.forEach((s, i) => {
    const lit = literal(s);
    if ((lit === "." && i > 0) || lit === "..") {
      throw new Error(
        `hashFiles: invalid pattern '${pattern}': relative pathing '.' and '..' is not allowed`,
      );
    }
  });
  // Root: '/…' stays, '~' is home, '.' and anything else are under the workspace.
  let base: string;
  let segs: string[];
  if (isAbsolute(pattern)) {
    base = "/";
    segs = raw.slice(1);
  } else if (raw[0] === "~") {
    base = homedir();
    segs = raw.slice(1);
  } else if (raw[0] === ".") {
    base = resolve(workspace);
    segs = raw.slice(1);
  } else {
    base = resolve(workspace);
    segs = raw;
  }
  const result = [build(negate, base, segs, dirOnly)];
  if (dirOnly || segs[segs.length - 1] !== "**") result.push(build(negate, base, [...segs, "**"], false));
  return result;
}

function build(negate: boolean, base: string, segs: string[], dirOnly: boolean): GlobPattern {
  let searchPath = base;
  let i = 0;
  for (; i < segs.length; i++) {
    const lit = literal(segs[i]);
    if (lit === null) break;
    searchPath = join(searchPath, lit);
  }
  const rest = segs.slice(i);
  const whole = rest.length ? picomatch(rest.join("/"), PICO) : (s: string) => s === "";
  // @actions/glob appends '/' to the path for a pattern ending in `**`, so `a/**` matches `a` itself.
  const matchRest = rest[rest.length - 1] === "**" ? (s: string) => s === "" || whole(s) : whole;
  return {
    negate,
    searchPath,
    rest,
    dirOnly,
    matchRest,
    segmentMatchers: rest.map((s) => (s === "**" ? null : picomatch(s, PICO))),
  };
}

/** The part of `path` below the pattern's search path ('' for the search path itself), or null. */
function below(p: GlobPattern, path: string): string | null {
  if (path === p.searchPath) return "";
  const sp = p.searchPath === "/" ? "" : p.searchPath;
  return path.startsWith(`${sp}/`) ? path.slice(sp.length + 1) : null;
}

/** MATCH_* bits for `path`: later patterns override earlier ones, a negation clears. */
export function matchKind(patterns: GlobPattern[], path: string): number {
  let kind = 0;
  for (const p of patterns) {
    const rel = below(p, path);
    const hit =
      rel !== null && p.matchRest(rel) ? (p.dirOnly ? MATCH_DIRECTORY : MATCH_DIRECTORY | MATCH_FILE) : 0;
    kind = p.negate ? kind & ~hit : kind | hit;
  }
  return kind;
}

/** Whether something below the directory `path` may match a (non-negated) pattern. */
export function partialMatch(patterns: GlobPattern[], path: string): boolean {
  return patterns.some((p) => {
    if (p.negate) return false;
    const rel = below(p, path);
    if (rel === null) return p.searchPath.startsWith(path === "/" ? "/" : `${path}/`);
    if (rel === "") return true;
    const parts = rel.split("/");
    for (let i = 0; i < parts.length; i++) {
      if (i >= p.segmentMatchers.length) return false;
      const m = p.segmentMatchers[i];
      if (m === null) return true;
      if (!m(parts[i])) return false;
    }
    return true;
  });
}

/**
 * A test for directories whose every descendant is excluded for good: a negated `…/**` pattern
 * covers the directory and no include pattern comes after that negation. Walking such a
 * directory cannot change the result, so the walk skips it (GitHub walks it and drops each
 * file; the digest is the same).
 */
export function prunableTest(patterns: GlobPattern[]): (dir: string) => boolean {
  const lastInclude = patterns.map((p) => !p.negate).lastIndexOf(true);
  const covers: { p: GlobPattern; head: ((rel: string) => boolean) | null }[] = [];
  patterns.forEach((p, i) => {
    if (!p.negate || i < lastInclude || p.rest[p.rest.length - 1] !== "**") return;
    const head = p.rest.slice(0, -1);
    covers.push({ p, head: head.length ? picomatch(head.join("/"), PICO) : null });
  });
  if (covers.length === 0) return () => false;
  return (dir) =>
    covers.some(({ p, head }) => {
      const rel = below(p, dir);
      return rel !== null && (head === null || (rel !== "" && head(rel)));
    });
}
