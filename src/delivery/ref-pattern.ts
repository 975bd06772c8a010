/**
 * GitHub's deployment branch and tag patterns: Ruby's File.fnmatch with FNM_PATHNAME, as GitHub's
 * docs say ("Wildcard characters will not match `/`"). `*` is any run of characters but `/`, `?`
 * one character but `/`, `[...]` a class (`[!...]` or `[^...]` its complement, never `/`), `**`
 * followed by `/` any number of whole path components (so `release/**` + `/*` takes `release/a`
 * and `release/a/b`), `\x` the character x. A `**` not followed by `/` is a `*`, as in Ruby.
 * Braces are literal (no FNM_EXTGLOB).
 */
export function refPatternRegExp(pattern: string): RegExp {
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === "*") {
      if (pattern[i + 1] === "*" && pattern[i + 2] === "/" && (i === 0 || pattern[i - 1] === "/")) {
        out += "(?:[^/]*/)*";
        i += 3;
        continue;
      }
      while (pattern[i] === "*") i++;
      out += "[^/]*";
      continue;
    }
    if (ch === "?") {
      out += "[^/]";
      i++;
      continue;
    }
    if (ch === "\\" && i + 1 < pattern.length) {
      out += escapeChar(pattern[i + 1]);
      i += 2;
      continue;
    }
    if (ch === "[") {
      const cls = bracket(pattern, i);
      if (cls) {
        out += cls.source;
        i = cls.end;
        continue;
      }
    }
    out += escapeChar(ch);
    i++;
  }
  return new RegExp(`^${out}$`);
}

function escapeChar(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** A `[...]` class starting at `start`, or undefined when it is not closed (then `[` is literal). */
function bracket(pattern: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === "!" || pattern[i] === "^") {
    negate = true;
    i++;
  }
  let body = "";
  let first = true;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === "]" && !first) {
      // Never `/`, as FNM_PATHNAME has it: a class is within one component.
      const source = negate ? `(?!/)[^${body}]` : `(?!/)[${body}]`;
      return { source, end: i + 1 };
    }
    first = false;
    if (ch === "\\" && i + 1 < pattern.length) {
      body += escapeChar(pattern[i + 1]);
      i += 2;
      continue;
    }
    if (pattern[i + 1] === "-" && pattern[i + 2] !== undefined && pattern[i + 2] !== "]") {
      const from = pattern[i];
      const to = pattern[i + 2];
      if (from > to) return undefined;
      body += `${escapeChar(from)}-${escapeChar(to)}`;
      i += 3;
      continue;
    }
    body += escapeChar(ch);
    i++;
  }
  return undefined;
}

/** Whether a branch's or tag's name (without refs/heads/ or refs/tags/) matches the pattern. */
export function refPatternMatches(pattern: string, name: string): boolean {
  return refPatternRegExp(pattern).test(name);
}
