import { dirname } from "node:path";
import type { Json } from "../expressions/index.js";
import type { ActionStepRequest, ActionStepResult } from "../runner/index.js";
import { cacheScopes, cacheVersion, scopeParts } from "./cache-scopes.js";
import { booleanInput, homeOf, InputError, input, requiredInput } from "./inputs.js";
import { inputLines, resolvePaths } from "./path-patterns.js";
import type { CacheEntry, CacheQuery, CacheStore } from "./stores.js";

export { cacheScopes, cacheVersion, scopeParts } from "./cache-scopes.js";

const MAX_KEY_LENGTH = 512;
const MAX_KEYS = 10;

/** As actions/cache compares keys: case-insensitively. */
export function isExactKeyMatch(key: string, matched: string | undefined): boolean {
  return matched !== undefined && matched.localeCompare(key, undefined, { sensitivity: "accent" }) === 0;
}

function validateKeys(keys: string[]): void {
  if (keys.length > MAX_KEYS)
    throw new InputError(`Key Validation Error: Keys are limited to a maximum of ${MAX_KEYS}.`);
  for (const key of keys) {
    if (key.length > MAX_KEY_LENGTH)
      throw new InputError(
        `Key Validation Error: ${key} cannot be larger than ${MAX_KEY_LENGTH} characters.`,
      );
    if (key.includes(",")) throw new InputError(`Key Validation Error: ${key} cannot contain commas.`);
  }
}

function failure(err: unknown): ActionStepResult {
  return { ok: false, error: (err as Error).message };
}

/** What one cache entry is made of, as @actions/cache's restoreCache/saveCache take it. */
export interface CacheSpec {
  key: string;
  /** The path lines (patterns, `~` for the step's HOME), part of the entry's version. */
  paths: string[];
  restoreKeys?: string[];
  crossOs?: boolean;
}

/**
 * @actions/cache restoreCache on the store: the entry found (extracted unless `lookupOnly`), or
 * undefined on a miss; a failed download or extraction is a warning and a miss, as there.
 */
export async function restoreEntry(
  req: ActionStepRequest,
  store: CacheStore,
  spec: CacheSpec,
  lookupOnly = false,
): Promise<CacheEntry | undefined> {
  const query: CacheQuery = {
    scopes: cacheScopes(req.github),
    key: spec.key,
    restoreKeys: spec.restoreKeys ?? [],
    version: cacheVersion(spec.paths, store.compression, spec.crossOs),
  };
  try {
    return lookupOnly ? await store.lookup(query) : await store.restore(query, req.workspace, req.sandbox);
  } catch (err) {
    // As @actions/cache: a failed download or extraction is a warning and a miss.
    req.warn(`Failed to restore: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * @actions/cache saveCache on the store, into the run's own scope: true when saved, false when
 * the key already exists there; an InputError when no path exists.
 */
export async function saveEntry(
  req: ActionStepRequest,
  store: CacheStore,
  spec: CacheSpec,
): Promise<boolean> {
  validateKeys([spec.key]);
  // Without `!` lines a matched folder brings everything beneath it: the archiver walks it, as
  // @actions/cache's tar does, instead of gantry listing each of its files first (the same entries).
  const recursive = !spec.paths.some((line) => line.startsWith("!"));
  // In a sandbox the paths are the job's: looked up where the job sees them (its /tmp is a folder
  // of its own, the server's data directory is not there), then named to the archiver, which runs
  // in the sandbox, as the job knows them.
  const sandbox = req.sandbox;
  const found = resolvePaths(spec.paths, {
    workspace: req.workspace,
    home: homeOf(req),
    implicitDescendants: !recursive,
    toHost: sandbox && ((path) => sandbox.toHost(path)),
  });
  if (found.matches.length === 0) {
    throw new InputError(
      "Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.",
    );
  }
  const scope = cacheScopes(req.github)[0] ?? "";
  const version = cacheVersion(spec.paths, store.compression, spec.crossOs);
  const matches = sandbox ? found.matches.map((path) => sandbox.toJob(path)) : found.matches;
  const result = await store.save(
    { scope, key: spec.key, version },
    {
      workspace: req.workspace,
      paths: recursive ? outermost(matches) : matches,
      recursive,
      sandbox: req.sandbox,
    },
  );
  return result.saved;
}

/** The paths without those beneath another one (which a recursive save brings already). */
export function outermost(paths: string[]): string[] {
  const all = new Set(paths);
  return paths.filter((p) => {
    for (let cur = p, up = dirname(p); up !== cur; cur = up, up = dirname(up)) {
      if (all.has(up)) return false;
    }
    return true;
  });
}

interface RestoreOutcome {
  primaryKey: string;
  matchedKey?: string;
  outputs: Record<string, string>;
}

/** The restore part of actions/cache and actions/cache/restore. */
async function restore(
  req: ActionStepRequest,
  store: CacheStore,
  withKeyOutputs: boolean,
): Promise<RestoreOutcome> {
  const primaryKey = requiredInput(req, "key");
  const paths = inputLines(input(req, "path"));
  if (paths.length === 0) throw new InputError("Input required and not supplied: path");
  const restoreKeys = inputLines(input(req, "restore-keys"));
  const crossOs = booleanInput(req, "enableCrossOsArchive");
  const failOnMiss = booleanInput(req, "fail-on-cache-miss");
  const lookupOnly = booleanInput(req, "lookup-only");
  validateKeys([primaryKey, ...restoreKeys]);
  const outputs: Record<string, string> = withKeyOutputs ? { "cache-primary-key": primaryKey } : {};
  const entry = await restoreEntry(req, store, { key: primaryKey, restoreKeys, paths, crossOs }, lookupOnly);
  if (!entry) {
    // actions/cache v4 leaves cache-hit unset on a miss (actions/cache#1466).
    if (failOnMiss) {
      throw new InputError(
        `Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${primaryKey}`,
      );
    }
    req.log(`Cache not found for input keys: ${[primaryKey, ...restoreKeys].join(", ")}`);
    return { primaryKey, outputs };
  }
  if (withKeyOutputs) outputs["cache-matched-key"] = entry.key;
  outputs["cache-hit"] = String(isExactKeyMatch(primaryKey, entry.key));
  req.log(
    lookupOnly
      ? `Cache found and can be restored from key: ${entry.key}`
      : `Cache restored from key: ${entry.key}`,
  );
  if (entry.scope !== cacheScopes(req.github)[0])
    req.log(`(from the cache of ${scopeParts(entry.scope).ref})`);
  return { primaryKey, matchedKey: entry.key, outputs };
}

/** The save part of actions/cache (its post step) and actions/cache/save: problems are warnings. */
async function save(req: ActionStepRequest, store: CacheStore, primaryKey: string, matchedKey?: string) {
  if (!primaryKey) {
    req.warn("Key is not specified.");
    return;
  }
  if (isExactKeyMatch(primaryKey, matchedKey)) {
    req.log(`Cache hit occurred on the primary key ${primaryKey}, not saving cache.`);
    return;
  }
  try {
    const paths = inputLines(input(req, "path"));
    if (paths.length === 0) throw new InputError("Input required and not supplied: path");
    validateKeys([primaryKey]);
    const crossOs = booleanInput(req, "enableCrossOsArchive");
    const saved = await saveEntry(req, store, { key: primaryKey, paths, crossOs });
    if (saved) {
      req.log(`Cache saved with key: ${primaryKey}`);
    } else {
      req.log(
        `Failed to save: Unable to reserve cache with key ${primaryKey}, another job may be creating this cache. More details: cache entry with the same key, version, and scope already exists`,
      );
    }
  } catch (err) {
    req.warn(`${(err as Error).message}`);
  }
}

/** actions/cache: restore now, save in the post step when the job succeeded and the key missed. */
export async function cacheAction(req: ActionStepRequest, store: CacheStore): Promise<ActionStepResult> {
  try {
    const saveAlways = booleanInput(req, "save-always");
    if (saveAlways) {
      req.warn(
        "save-always does not work as intended and will be removed in a future release. A separate `actions/cache/restore` step should be used instead. See https://github.com/actions/cache/tree/main/save#always-save-cache for more details.",
      );
    }
    const restored = await restore(req, store, false);
    req.addPost({
      condition: saveAlways ? "always()" : "success()",
      run: async (post) => {
        await save(post, store, restored.primaryKey, restored.matchedKey);
        return { ok: true };
      },
    });
    return { ok: true, outputs: restored.outputs };
  } catch (err) {
    return failure(err);
  }
}

/** actions/cache/restore: outputs cache-hit, cache-primary-key and cache-matched-key. */
export async function cacheRestoreAction(
  req: ActionStepRequest,
  store: CacheStore,
): Promise<ActionStepResult> {
  try {
    const restored = await restore(req, store, true);
    return { ok: true, outputs: restored.outputs };
  } catch (err) {
    return failure(err);
  }
}

/** actions/cache/save: saves under `key` now; like the real action it warns rather than fails. */
export async function cacheSaveAction(req: ActionStepRequest, store: CacheStore): Promise<ActionStepResult> {
  await save(req, store, input(req, "key"));
  return { ok: true };
}
