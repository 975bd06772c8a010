import { homedir } from "node:os";
import { join } from "node:path";

/** $GANTRY_HOME, else $XDG_DATA_HOME/gantry, else ~/.local/share/gantry. */
export function gantryHome(): string {
  if (process.env.GANTRY_HOME) return process.env.GANTRY_HOME;
  return join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "gantry");
}

/** $GANTRY_HOME/cache, else $XDG_CACHE_HOME/gantry, else ~/.cache/gantry. */
export function cacheHome(): string {
  if (process.env.GANTRY_HOME) return join(process.env.GANTRY_HOME, "cache");
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "gantry");
}
