import { parseArgs } from "node:util";
import { scopeParts } from "../actions/index.js";
import { FsCacheStore, formatSize, parseSize, type StoredEntry } from "../cache/index.js";
import { UsageError } from "../workflow/index.js";
import { cachePolicyFor, parseDays } from "./config.js";
import { cacheHome, gantryHome } from "./run-workflows.js";
import { textTable } from "./text-table.js";

export const CACHE_HELP = `Usage: gantry cache list [--key PREFIX] [--ref REF] [--json]
       gantry cache rm KEY [--ref REF] [--all-versions]
       gantry cache prune [--max-size SIZE] [--max-unused-days N] [--dry-run]

Manages the entries actions/cache saved ($GANTRY_HOME/cache).

  list    each entry: key, ref, version, size, when created and last used (restored or saved),
          most recently used first; --key keeps keys starting with PREFIX, --ref one ref's entries
  rm      removes the entries with exactly this key (of every ref, or of --ref); a key saved with
          several versions (other paths or compression) needs --all-versions
  prune   evicts entries unused for N days, then the least recently used until the rest fit SIZE;
          --dry-run only prints what would go

After every save, entries are evicted the same way. The limits: --max-size and --max-unused-days
(prune only), else GANTRY_CACHE_MAX_SIZE and GANTRY_CACHE_MAX_UNUSED_DAYS, else in
$GANTRY_HOME/config.yml
  cache:
    max_size: 10GB        # K, M, G, T are powers of 1024
    max_unused_days: 7
else 10GB and 7 days. REF is a full ref (refs/pull/7/merge) or a branch name (main).
`;

const COMMANDS = ["list", "rm", "prune"];
/** The options each command takes. */
const OPTIONS: Record<string, string[]> = {
  list: ["key", "ref", "json"],
  rm: ["ref", "all-versions"],
  prune: ["max-size", "max-unused-days", "dry-run"],
};

function refMatches(scope: string, wanted: string | undefined): boolean {
  const { ref } = scopeParts(scope);
  return wanted === undefined || ref === wanted || ref === `refs/heads/${wanted}`;
}

const time = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const shortVersion = (v: string) => v.slice(0, 12);

function describe(e: StoredEntry): string {
  return `${e.key} (${scopeParts(e.scope).ref}, version ${shortVersion(e.version)}, ${formatSize(e.size)}, last used ${time(e.lastUsedAt)})`;
}

export async function cacheCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      key: { type: "string" },
      ref: { type: "string" },
      json: { type: "boolean" },
      "all-versions": { type: "boolean" },
      "max-size": { type: "string" },
      "max-unused-days": { type: "string" },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || command === "help") {
    process.stdout.write(CACHE_HELP);
    return 0;
  }
  if (command === undefined)
    throw new UsageError(`gantry cache needs a command: list, rm or prune\n\n${CACHE_HELP}`);
  if (!COMMANDS.includes(command)) {
    throw new UsageError(`unknown command 'gantry cache ${command}' (expected list, rm or prune)`);
  }
  for (const name of Object.keys(values)) {
    if (name !== "help" && !OPTIONS[command].includes(name)) {
      throw new UsageError(`--${name} does not belong to gantry cache ${command} (see gantry cache --help)`);
    }
  }
  const wanted = command === "rm" ? 1 : 0;
  if (args.length > wanted) throw new UsageError(`cache ${command}: unexpected '${args[wanted]}'`);
  const store = new FsCacheStore({ root: cacheHome() });

  if (command === "list") {
    const entries = (await store.list())
      .filter((e) => e.key.startsWith(values.key ?? "") && refMatches(e.scope, values.ref))
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt || (a.key < b.key ? -1 : 1));
    if (values.json) {
      const out = entries.map((e) => ({
        key: e.key,
        ...scopeParts(e.scope),
        version: e.version,
        size: e.size,
        createdAt: new Date(e.createdAt).toISOString(),
        lastUsedAt: new Date(e.lastUsedAt).toISOString(),
      }));
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else if (entries.length === 0) {
      process.stderr.write(`no cache entries${values.key || values.ref ? " match" : ""} (${cacheHome()})\n`);
    } else {
      const rows = entries.map((e) => [
        e.key,
        scopeParts(e.scope).repository,
        scopeParts(e.scope).ref,
        shortVersion(e.version),
        formatSize(e.size),
        time(e.createdAt),
        time(e.lastUsedAt),
      ]);
      process.stdout.write(
        textTable([["KEY", "REPOSITORY", "REF", "VERSION", "SIZE", "CREATED", "LAST USED"], ...rows]),
      );
    }
    return 0;
  }

  if (command === "rm") {
    const key = args[0];
    if (key === undefined) throw new UsageError("cache rm needs the KEY of the entries to remove");
    const matches = (await store.list()).filter((e) => e.key === key && refMatches(e.scope, values.ref));
    if (matches.length === 0) {
      process.stderr.write(
        `gantry: no cache entry with key '${key}'${values.ref ? ` on ${values.ref}` : ""}\n`,
      );
      return 1;
    }
    const versions = [...new Set(matches.map((e) => e.version))];
    if (versions.length > 1 && !values["all-versions"]) {
      throw new UsageError(
        `key '${key}' has ${versions.length} versions (${versions.map(shortVersion).join(", ")}): pass --all-versions to remove them all`,
      );
    }
    let freed = 0;
    for (const e of matches) {
      if (await store.remove(e)) {
        freed += e.size;
        process.stdout.write(`removed ${describe(e)}\n`);
      }
    }
    process.stdout.write(`freed ${formatSize(freed)}\n`);
    return 0;
  }

  const policy = cachePolicyFor(gantryHome());
  if (values["max-size"] !== undefined) {
    const size = parseSize(values["max-size"]);
    if (size === undefined)
      throw new UsageError(`--max-size must be a size such as 10GB, not '${values["max-size"]}'`);
    policy.maxSize = size;
  }
  if (values["max-unused-days"] !== undefined) {
    policy.maxUnusedDays = parseDays(values["max-unused-days"], "--max-unused-days");
  }
  const dry = values["dry-run"] === true;
  const result = await store.prune(policy, { dryRun: dry });
  for (const e of result.removed)
    process.stdout.write(`${dry ? "would remove" : "removed"} ${describe(e)}\n`);
  const n = result.removed.length;
  process.stdout.write(
    `${dry ? "would free" : "freed"} ${formatSize(result.freed)} (${n} ${n === 1 ? "entry" : "entries"}; limits ${formatSize(policy.maxSize)}, ${policy.maxUnusedDays} days unused)\n`,
  );
  return 0;
}
