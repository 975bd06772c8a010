// GitHub Actions filter patterns for branches, tags and paths ("Filter pattern cheat sheet" in
// "Workflow syntax for GitHub Actions"). Each pattern is compiled once to an anchored RegExp:
//
//   *      zero or more characters except `/`        -> [^/]*
//   **     zero or more of any character             -> .*
//   **/    zero or more leading directories          -> (?:.*/)?   (so `**/README.md` matches `README.md`)
//   x?     zero or one of the preceding character    -> x?
//   x+     one or more of the preceding character    -> x+
//   [a-z0] one alphanumeric character from the list  -> [a-z0]     (ranges only within a-z, A-Z or 0-9)
//   \x     the character x, literally
//   !      negation, only at the start of a pattern in a list (see matchesAny)
//
// Everything else matches literally and matching is case-sensitive. Choices where the docs are silent:
//   - `?`/`+` with no preceding character (at the start, or right after `*`/`**`) is a no-op:
//     there is nothing to repeat, and the wildcard already matches any number of characters.
//   - `?`/`+` after a quantified character applies to that whole unit: `a?+` is `(?:a?)+`.
//   - `[]`, an unclosed `[`, a non-alphanumeric character inside brackets, a malformed range and a
//     trailing `\` make the pattern invalid; an invalid pattern matches nothing.

type Compiled = { readonly regex: RegExp } | { readonly error: string };

const cache = new Map<string, Compiled>();

const ALNUM = /^[A-Za-z0-9]$/;
const RANGE_CLASSES = [/^[a-z]$/, /^[A-Z]$/, /^[0-9]$/];

function escapeRegExp(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

function isRange(lo: string, hi: string): boolean {
  return lo <= hi && RANGE_CLASSES.some((cls) => cls.test(lo) && cls.test(hi));
}

/** Parses `[...]` starting at chars[start] === "["; returns the RegExp class and the index after `]`. */
function parseBracket(chars: readonly string[], start: number): { source: string; next: number } | string {
  const end = chars.indexOf("]", start + 1);
  if (end < 0) return `missing closing ']' for '[' at position ${start}`;
  if (end === start + 1) return `empty brackets '[]' at position ${start}`;
  let source = "";
  for (let i = start + 1; i < end; i++) {
    const ch = chars[i];
    if (!ALNUM.test(ch)) return `'${ch}' at position ${i}: brackets can only list a-z, A-Z and 0-9`;
    if (chars[i + 1] === "-") {
      const hi = chars[i + 2];
      if (i + 2 >= end || !isRange(ch, hi)) {
        return `invalid range at position ${i}: ranges can only be within a-z, A-Z or 0-9`;
      }
      source += `${ch}-${hi}`;
      i += 2;
    } else {
      source += ch;
    }
  }
  return { source: `[${source}]`, next: end + 1 };
}

function compilePattern(pattern: string): Compiled {
  const chars = Array.from(pattern); // code points, so `+` repeats a whole astral character
  const parts: string[] = [];
  // What a following `?`/`+` applies to: nothing, a single unit, or an already quantified unit.
  let last: "none" | "unit" | "quantified" = "none";
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i];
    if (ch === "*") {
      const double = chars[i + 1] === "*";
      const slash = double && chars[i + 2] === "/";
      parts.push(slash ? "(?:.*/)?" : double ? ".*" : "[^/]*");
      i += slash ? 3 : double ? 2 : 1;
      last = "none";
    } else if (ch === "?" || ch === "+") {
      if (last !== "none") {
        const unit = parts.pop() ?? "";
        parts.push(last === "quantified" ? `(?:${unit})${ch}` : `${unit}${ch}`);
        last = "quantified";
      }
      i++;
    } else if (ch === "[") {
      const bracket = parseBracket(chars, i);
      if (typeof bracket === "string") return { error: `Invalid pattern '${pattern}': ${bracket}` };
      parts.push(bracket.source);
      i = bracket.next;
      last = "unit";
    } else if (ch === "\\") {
      if (i + 1 >= chars.length) {
        return { error: `Invalid pattern '${pattern}': missing character after '\\' at position ${i}` };
      }
      parts.push(escapeRegExp(chars[i + 1]));
      i += 2;
      last = "unit";
    } else {
      parts.push(escapeRegExp(ch));
      i++;
      last = "unit";
    }
  }
  return { regex: new RegExp(`^${parts.join("")}$`, "su") };
}

function compiled(pattern: string): Compiled {
  let result = cache.get(pattern);
  if (result === undefined) {
    result = compilePattern(pattern);
    cache.set(pattern, result);
  }
  return result;
}

/** A message describing why `pattern` is invalid, or undefined when it is valid. */
export function patternError(pattern: string): string | undefined {
  const result = compiled(pattern);
  return "error" in result ? result.error : undefined;
}

/**
 * Whether a single pattern matches the whole of `value`. A leading `!` is not special here (it is
 * matched literally); an invalid pattern matches nothing.
 */
export function matchPattern(pattern: string, value: string): boolean {
  const result = compiled(pattern);
  return "regex" in result && result.regex.test(value);
}

/**
 * Ordered evaluation of a pattern list: the last pattern that matches `value` decides, and a
 * pattern starting with `!` excludes. A value that no pattern matches is excluded, so a list of
 * only negative patterns (or an empty list) matches nothing. Invalid patterns match nothing.
 */
export function matchesAny(patterns: readonly string[], value: string): boolean {
  for (let i = patterns.length - 1; i >= 0; i--) {
    const pattern = patterns[i];
    const negated = pattern.startsWith("!");
    if (matchPattern(negated ? pattern.slice(1) : pattern, value)) return !negated;
  }
  return false;
}

/**
 * `branches`/`branches-ignore` (and `tags`/`tags-ignore`) style filters. GitHub rejects a workflow
 * that sets both for one event; if both are given here, the value must pass both.
 */
export function filterAllows(
  include: readonly string[] | undefined,
  ignore: readonly string[] | undefined,
  value: string,
): boolean {
  if (include !== undefined && !matchesAny(include, value)) return false;
  if (ignore !== undefined && matchesAny(ignore, value)) return false;
  return true;
}

/**
 * `paths`/`paths-ignore` filters over the changed files. With `paths`, the workflow runs if at least
 * one changed file matches; with `paths-ignore`, it runs unless every changed file matches. If both
 * are given (GitHub rejects that), both must allow the run.
 *
 * An empty `changed` list: `paths` does not run (no file matches), while `paths-ignore` runs (not
 * every file was ignored, since there are none); with both, `paths` wins and it does not run.
 */
export function pathsAllow(
  paths: readonly string[] | undefined,
  pathsIgnore: readonly string[] | undefined,
  changed: readonly string[],
): boolean {
  if (paths !== undefined && !changed.some((file) => matchesAny(paths, file))) return false;
  if (
    pathsIgnore !== undefined &&
    changed.length > 0 &&
    changed.every((file) => matchesAny(pathsIgnore, file))
  ) {
    return false;
  }
  return true;
}
