import { existsSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import type { ActionStepRequest } from "../../runner/index.js";
import { findOnPath } from "../../runner/index.js";
import { restoreEntry, saveEntry } from "../cache-action.js";
import { homeOf } from "../inputs.js";
import { inputLines } from "../path-patterns.js";
import type { CacheStore } from "../stores.js";
import type { StepEffects } from "./file-commands.js";
import { probe } from "./tool-cache.js";

/** What a setup-* action caches: under which key, and which folders. */
export interface DependencyCache {
  /** As the action's messages name it: npm, pip, go modules … */
  packageManager: string;
  primaryKey: string;
  restoreKeys: string[];
  /** Absolute folders (or `!` exclusions), as the action hands them to @actions/cache. */
  paths: string[];
}

/** How the action sets cache-hit: on any restored entry (setup-node, setup-go) or only on the primary key. */
export type HitRule = "restored" | "exact";

/** The cache store a setup-* action's `cache` input needs. */
export function needStore(req: ActionStepRequest, store: CacheStore | undefined, what: string): CacheStore {
  if (!store) throw new Error(`${req.uses} needs a cache store for '${what}', and none was configured`);
  return store;
}

/** An input's patterns (one a line) relative to the workspace, as hashFiles takes them. */
export function dependencyPatterns(workspace: string, value: string): string[] {
  return inputLines(value).map((p) => {
    const neg = p.startsWith("!") ? "!" : "";
    const path = neg ? p.slice(1) : p;
    return isAbsolute(path) ? neg + relative(workspace, path) : neg + path;
  });
}

/** Runs a package manager's command (`npm config get cache`) and returns its trimmed output. */
export async function askTool(
  fx: StepEffects,
  action: string,
  command: string,
  args: string[],
  cwd: string,
): Promise<string> {
  const exe = findOnPath(process.platform === "win32" ? `${command}.cmd` : command, fx.env.PATH);
  const shown = [command, ...args].join(" ");
  if (!exe) {
    throw new Error(
      `${action} caches with '${shown}', but ${command} was not found on PATH: install ${command}, or drop the cache input`,
    );
  }
  const out = await probe(exe, args, fx.env, cwd);
  const text = out.stdout.trim();
  if (!out.ok) {
    // A tool that is on PATH but cannot run (corepack's shim offline, a broken install): say which, how, and why.
    const why = firstLine(out.stderr) || firstLine(out.stdout);
    throw new Error(
      `${action} caches with '${shown}', but ${exe} ${out.failure ?? "failed"}${why ? `: ${why}` : ""}`,
    );
  }
  if (!text) throw new Error(`'${shown}' printed nothing: the cache folder is unknown`);
  return text;
}

/** The first line of a tool's output with text on it, trimmed. */
function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== "") ?? ""
  );
}

/**
 * The cache's folders with the job's HOME written `~` (`~/.npm`), as the entry's version is made
 * from them: every job has a HOME of its own, at its own path, and its entries still match.
 */
function homeRelative(req: ActionStepRequest, paths: string[]): string[] {
  const home = homeOf(req);
  return paths.map((line) => {
    const neg = line.startsWith("!") ? "!" : "";
    const rel = relative(home, neg ? line.slice(1) : line);
    if (rel === "") return `${neg}~`;
    return rel.startsWith("..") || isAbsolute(rel) ? line : `${neg}~/${rel}`;
  });
}

/**
 * Restores the cache in the main step and registers its save as the post step (when the job
 * succeeded, skipped on an exact hit), as the setup-* actions do; returns the cache-hit output.
 */
export async function restoreDependencies(
  req: ActionStepRequest,
  store: CacheStore,
  cache: DependencyCache,
  hitRule: HitRule,
): Promise<string> {
  req.log(`Primary key: ${cache.primaryKey}`);
  const entry = await restoreEntry(req, store, {
    key: cache.primaryKey,
    restoreKeys: cache.restoreKeys,
    paths: homeRelative(req, cache.paths),
  });
  if (entry) req.log(`Cache restored from key: ${entry.key}`);
  else req.log(`${cache.packageManager} cache is not found`);
  req.addPost({
    condition: "success()",
    run: async (post) => {
      await saveDependencies(post, store, cache, entry?.key);
      return { ok: true };
    },
  });
  return String(hitRule === "restored" ? entry !== undefined : entry?.key === cache.primaryKey);
}

async function saveDependencies(
  req: ActionStepRequest,
  store: CacheStore,
  cache: DependencyCache,
  matchedKey: string | undefined,
): Promise<void> {
  if (matchedKey === cache.primaryKey) {
    req.log(`Cache hit occurred on the primary key ${cache.primaryKey}, not saving cache.`);
    return;
  }
  if (!cache.paths.some((p) => !p.startsWith("!") && existsSync(p))) {
    req.warn(`There are no cache folders on the disk (${cache.paths.join(", ")}): nothing to save.`);
    return;
  }
  try {
    const saved = await saveEntry(req, store, {
      key: cache.primaryKey,
      paths: homeRelative(req, cache.paths),
    });
    req.log(
      saved
        ? `Cache saved with the key: ${cache.primaryKey}`
        : `Cache with the key ${cache.primaryKey} already exists (another job saved it first); not saving.`,
    );
  } catch (err) {
    req.warn((err as Error).message);
  }
}
