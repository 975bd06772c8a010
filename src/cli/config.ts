import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { badMirrorTemplate } from "../actions/index.js";
import { DEFAULT_EVICTION, type EvictionPolicy, parseSize } from "../cache/index.js";
import { type Problem, UsageError } from "../workflow/index.js";

/** $GANTRY_HOME/config.yml: settings of this machine's gantry. */
export interface GantryConfig {
  /** Mirror URL template for remote actions, for example file:///srv/mirrors/{owner}/{repo}.git. */
  actionMirror?: string;
  /** cache: { max_size, max_unused_days }: when cache entries are evicted. */
  cache?: Partial<EvictionPolicy>;
}

export function configFile(home: string): string {
  return join(home, "config.yml");
}

/** Reads $GANTRY_HOME/config.yml (absent: no settings). Throws UsageError with file:line:col when broken. */
export function readGantryConfig(home: string): GantryConfig {
  const file = configFile(home);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number | undefined, message: string): Problem => {
    const pos = lines.linePos(offset ?? 0);
    return { file, line: pos.line, col: pos.col, message, severity: "error" };
  };
  const problems: Problem[] = doc.errors.map((e) => at(e.pos[0], e.message.split("\n")[0]));
  if (problems.length === 0 && doc.contents !== null && !isMap(doc.contents)) {
    problems.push(at(doc.contents.range?.[0], "the configuration must be a mapping (key: value)"));
  }
  const config: GantryConfig = {};
  if (problems.length === 0 && isMap(doc.contents)) {
    const node = doc.contents.get("action_mirror", true);
    const value: unknown = isScalar(node) ? node.value : node;
    if (value !== undefined && value !== null) {
      const problem = typeof value === "string" ? badMirrorTemplate(value) : "must be a string";
      const pos = lines.linePos((node as { range?: [number] } | undefined)?.range?.[0] ?? 0);
      if (problem) problems.push({ file, ...pos, message: `action_mirror ${problem}`, severity: "error" });
      else config.actionMirror = value as string;
    }
  }
  if (problems.length === 0 && isMap(doc.contents)) {
    const cache = readCacheSection(doc.contents.get("cache", true), file, lines, problems);
    if (cache) config.cache = cache;
  }
  if (problems.length > 0) throw new UsageError(`invalid configuration file ${file}`, problems);
  return config;
}

/** The action mirror template: --action-mirror, else GANTRY_ACTION_MIRROR, else config.yml's action_mirror. */
export function actionMirrorFor(home: string, flag: string | undefined): string | undefined {
  const fromFlag = flag !== undefined ? { value: flag, where: "--action-mirror" } : undefined;
  const env = process.env.GANTRY_ACTION_MIRROR;
  const fromEnv = env ? { value: env, where: "GANTRY_ACTION_MIRROR" } : undefined;
  const chosen = fromFlag ?? fromEnv;
  if (!chosen) return readGantryConfig(home).actionMirror;
  const problem = badMirrorTemplate(chosen.value);
  if (problem) throw new UsageError(`${chosen.where}: the action mirror template ${problem}`);
  return chosen.value;
}

type Node = { range?: [number, ...number[]] } | null | undefined;

/** The `cache:` mapping of config.yml: max_size (a size such as 10GB) and max_unused_days (days). */
function readCacheSection(
  node: unknown,
  file: string,
  lines: LineCounter,
  problems: Problem[],
): Partial<EvictionPolicy> | undefined {
  const at = (n: unknown, message: string) => {
    const pos = lines.linePos((n as Node)?.range?.[0] ?? 0);
    problems.push({ file, ...pos, message, severity: "error" });
  };
  if (node === undefined || (isScalar(node) && node.value === null)) return undefined;
  if (!isMap(node)) {
    at(node, "cache must be a mapping with max_size and max_unused_days");
    return undefined;
  }
  const out: Partial<EvictionPolicy> = {};
  for (const pair of node.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : "";
    const value: unknown = isScalar(pair.value) ? pair.value.value : pair.value;
    if (name === "max_size") {
      const size =
        typeof value === "string" || typeof value === "number" ? parseSize(String(value)) : undefined;
      if (size === undefined)
        at(pair.value, `cache.max_size must be a size such as 10GB or 500MB, not '${String(value)}'`);
      else out.maxSize = size;
    } else if (name === "max_unused_days") {
      const days = badDays(value);
      if (days === undefined) out.maxUnusedDays = value as number;
      else at(pair.value, `cache.max_unused_days ${days}`);
    } else {
      at(pair.key, `unknown key cache.${name} (expected max_size, max_unused_days)`);
    }
  }
  return out;
}

/** Why `value` is not a number of days, or undefined when it is one. */
function badDays(value: unknown): string | undefined {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    return `must be a number of days (0 or more), not '${String(value)}'`;
  }
  return undefined;
}

/**
 * When cache entries are evicted: GANTRY_CACHE_MAX_SIZE and GANTRY_CACHE_MAX_UNUSED_DAYS, else
 * config.yml's cache: section, else 10 GB and 7 days.
 */
export function cachePolicyFor(home: string): EvictionPolicy {
  const fromFile = readGantryConfig(home).cache ?? {};
  const policy = { ...DEFAULT_EVICTION, ...fromFile };
  const size = process.env.GANTRY_CACHE_MAX_SIZE;
  if (size) {
    const bytes = parseSize(size);
    if (bytes === undefined)
      throw new UsageError(`GANTRY_CACHE_MAX_SIZE must be a size such as 10GB, not '${size}'`);
    policy.maxSize = bytes;
  }
  const days = process.env.GANTRY_CACHE_MAX_UNUSED_DAYS;
  if (days) policy.maxUnusedDays = parseDays(days, "GANTRY_CACHE_MAX_UNUSED_DAYS");
  return policy;
}

/** A number of days given as text (an option or variable named `where`). */
export function parseDays(text: string, where: string): number {
  const value = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  const problem = badDays(value);
  if (problem) throw new UsageError(`${where} must be a number of days (0 or more), not '${text}'`);
  return value;
}
