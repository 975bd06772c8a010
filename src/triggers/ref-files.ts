// A repository's branches and tags read from the files git keeps them in (loose refs under refs/,
// then packed-refs), without a git process: the server reads its own clone's refs after each fetch,
// on the way from a push to its run. Anything this does not read with certainty (a symbolic ref, a
// file that is not an object id, a reftable repository) answers undefined, and the caller asks git.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Why a folder could not be read: undefined when it is simply not there. */
function listDir(dir: string): import("node:fs").Dirent[] | "unreadable" | undefined {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? undefined : "unreadable";
  }
}

/**
 * Full ref name → object id (not peeled) of refs/heads/* and refs/tags/*, as `git for-each-ref`
 * lists them; undefined when the files cannot be read with certainty. Loose refs are read before
 * packed-refs: git's pack-refs writes packed-refs before it deletes the loose files it packed, so a
 * ref packed meanwhile is found in one or the other.
 */
export function readRefFiles(gitDir: string): Record<string, string> | undefined {
  if (listDir(join(gitDir, "reftable")) !== undefined) return undefined;
  const loose: Record<string, string> = {};
  const walk = (ref: string): boolean => {
    const entries = listDir(join(gitDir, ref));
    if (entries === "unreadable") return false;
    for (const entry of entries ?? []) {
      const name = `${ref}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!walk(name)) return false;
        continue;
      }
      // A ref being written (name.lock) is not a ref yet.
      if (entry.name.endsWith(".lock")) continue;
      if (!entry.isFile()) return false;
      let content: string;
      try {
        content = readFileSync(join(gitDir, name), "utf8").trim();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // packed meanwhile
        return false;
      }
      if (!OID.test(content)) return false; // symbolic, or not a ref git would list
      loose[name] = content;
    }
    return true;
  };
  if (!walk("refs/heads") || !walk("refs/tags")) return undefined;
  let packed = "";
  try {
    packed = readFileSync(join(gitDir, "packed-refs"), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") return undefined;
  }
  const refs: Record<string, string> = {};
  for (const line of packed.split("\n")) {
    if (line === "" || line.startsWith("#") || line.startsWith("^")) continue;
    const space = line.indexOf(" ");
    const id = line.slice(0, space);
    const ref = line.slice(space + 1);
    if (!OID.test(id)) return undefined;
    if (ref.startsWith("refs/heads/") || ref.startsWith("refs/tags/")) refs[ref] = id;
  }
  // Loose refs win over packed ones; for-each-ref lists them in name order.
  Object.assign(refs, loose);
  return Object.fromEntries(Object.entries(refs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
