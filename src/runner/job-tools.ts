import { mkdirSync, symlinkSync } from "node:fs";
import { delimiter, join } from "node:path";
import { findOnPath } from "./find-on-path.js";

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
  const corepack = findOnPath("corepack", path);
  if (corepack) symlinkSync(corepack, join(bin, "corepack"));
  return jobToolsEnv(dir, path);
}

/** The variables of a job's tools folder made already (see prepareJobTools). */
export function jobToolsEnv(dir: string, path: string): { NPM_CONFIG_PREFIX: string; PATH: string } {
  const bin = join(dir, "bin");
  return { NPM_CONFIG_PREFIX: dir, PATH: path ? `${bin}${delimiter}${path}` : bin };
}
