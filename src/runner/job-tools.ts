import { accessSync, constants, mkdirSync, statSync, symlinkSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The first executable named `name` on a PATH value. */
function onPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * A job's own folder for the tools it installs: npm's global prefix (`npm i -g` puts packages in
 * `lib/node_modules` and commands in `bin`), first on PATH. Its `bin` holds a link to the
 * `corepack` on PATH, so that `corepack enable` (which writes its shims beside the `corepack` it
 * finds first) writes them here rather than into the host's /usr/bin or the shared tool cache.
 * Every job starts from the same tools: what one installs is gone with it.
 * Returns the variables it sets: NPM_CONFIG_PREFIX and PATH.
 */
export function prepareJobTools(dir: string, path: string): { NPM_CONFIG_PREFIX: string; PATH: string } {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const corepack = onPath("corepack", path);
  if (corepack) symlinkSync(corepack, join(bin, "corepack"));
  return { NPM_CONFIG_PREFIX: dir, PATH: path ? `${bin}${delimiter}${path}` : bin };
}
