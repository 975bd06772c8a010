import { delimiter, join } from "node:path";

/**
 * A job's own folder for the tools it installs: npm's global prefix (`npm i -g` puts packages in
 * `lib/node_modules` and commands in `bin`), first on PATH. Its `bin` holds a link to the
 * `corepack` on PATH, so that `corepack enable` (which writes its shims beside the `corepack` it
 * finds first) writes them here rather than into the host's /usr/bin or the shared tool cache.
 * Every job starts from the same tools: what one installs is gone with it.
 * The folders and the link are made with the job's (makeJobFolders); these are the variables
 * that go with them: NPM_CONFIG_PREFIX and PATH.
 */
export function jobToolsEnv(dir: string, path: string): { NPM_CONFIG_PREFIX: string; PATH: string } {
  const bin = join(dir, "bin");
  return { NPM_CONFIG_PREFIX: dir, PATH: path ? `${bin}${delimiter}${path}` : bin };
}
