import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where version managers keep their toolchains under a user's home, found through HOME when their
 * variable is unset (rustup's proxies in ~/.cargo/bin, pyenv's shims …): with a HOME of the job's
 * own they would find none, so the host's folder is named when it exists.
 */
const TOOLCHAIN_HOMES: [string, string][] = [
  ["RUSTUP_HOME", ".rustup"],
  ["PYENV_ROOT", ".pyenv"],
  ["ASDF_DATA_DIR", ".asdf"],
  ["VOLTA_HOME", ".volta"],
];

/**
 * Host variables that would send a job's tools to the user's own configuration instead of the
 * job's HOME: the XDG folders, git's global config, and npm's settings (npm and npx hand
 * `npm_config_userconfig=~/.npmrc`, `npm_config_cache=~/.npm` … to what they start, gantry too).
 */
function pointsAtUserConfig(name: string): boolean {
  return (
    name === "XDG_CACHE_HOME" ||
    name === "XDG_DATA_HOME" ||
    name === "XDG_STATE_HOME" ||
    name === "GIT_CONFIG_GLOBAL" ||
    name.startsWith("npm_") ||
    name.toUpperCase().startsWith("NPM_CONFIG_")
  );
}

/**
 * The environment a job starts from: the host's, with a HOME of the job's own (empty at the
 * start, as on a fresh runner) and nothing that still points at the user's own configuration,
 * so that `git config --global`, `~/.npmrc`, `~/.npm` and the like are the job's alone.
 * XDG_CONFIG_HOME is `$HOME/.config`, as GitHub's runner sets it.
 */
export function jobHomeEnv(host: Record<string, string>, home: string): Record<string, string> {
  const userHome = host.HOME || homedir();
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(host)) if (!pointsAtUserConfig(name)) env[name] = value;
  for (const [name, dir] of TOOLCHAIN_HOMES) {
    if (env[name] === undefined && existsSync(join(userHome, dir))) env[name] = join(userHome, dir);
  }
  env.HOME = home;
  env.XDG_CONFIG_HOME = join(home, ".config");
  return env;
}
