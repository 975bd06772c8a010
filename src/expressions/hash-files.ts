import { createHash } from "node:crypto";
import { type Dirent, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { data } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import picomatch from "picomatch";

/** The fixed part of a glob before its first wildcard, e.g. `src/lib` for `src/lib/**\/*.ts`. */
function basePath(pattern: string): string {
  const parts: string[] = [];
  for (const part of pattern.split("/")) {
    if (/[*?[\]{}!]/.test(part)) break;
    parts.push(part);
  }
  return parts.join("/");
}

function* walk(dir: string): Generator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    // A fixed base that names a file (hashFiles('package-lock.json')) is that file.
    if ((err as NodeJS.ErrnoException).code === "ENOTDIR") yield dir;
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) yield* walk(full);
    else if (e.isFile()) yield full;
  }
}

/**
 * hashFiles(...patterns) as GitHub computes it: the sha256 of the concatenated sha256 digests
 * of every matched file under the workspace, in path order; '' when nothing matches.
 * Patterns starting with `!` exclude.
 */
export function hashFiles(workspace: string, patterns: string[]): string {
  const include = patterns.filter((p) => !p.startsWith("!")).map((p) => p.replace(/^\.\//, ""));
  const exclude = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1).replace(/^\.\//, ""));
  const isIncluded = picomatch(include, { dot: true });
  const isExcluded = exclude.length ? picomatch(exclude, { dot: true }) : () => false;
  const roots = [...new Set(include.map(basePath))].sort();
  // Walk each fixed base once; a base inside another base is covered by the outer walk.
  const walkRoots = roots.filter((r) => !roots.some((o) => o !== r && (o === "" || r.startsWith(`${o}/`))));
  const seen = new Set<string>();
  const total = createHash("sha256");
  let matched = 0;
  for (const root of walkRoots) {
    for (const file of walk(join(workspace, root))) {
      const rel = relative(workspace, file);
      if (seen.has(rel) || !isIncluded(rel) || isExcluded(rel)) continue;
      seen.add(rel);
      total.update(createHash("sha256").update(readFileSync(file)).digest());
      matched++;
    }
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
