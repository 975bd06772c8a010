import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely } from "kysely";
import { NoNulPlugin } from "./dialect.js";
import { KyselyStore, migrateToLatest } from "./kysely-store.js";
import type { Database } from "./schema.js";
import { QueuedSqliteDialect } from "./sqlite-dialect.js";
import { cachingStatements } from "./statement-cache.js";

/**
 * The embedded store: one SQLite file (":memory:" for tests) in WAL mode, waiting up to 5 s for a
 * lock rather than failing, migrated to the latest schema.
 */
export async function openSqliteStore(file: string): Promise<KyselyStore> {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  // Loaded here, not at start: commands other than `gantry serve` never load the native module.
  const { default: SQLite } = await import("better-sqlite3");
  const database = new SQLite(file);
  database.pragma("journal_mode = WAL");
  database.pragma("busy_timeout = 5000");
  database.pragma("foreign_keys = ON");
  // WAL with NORMAL sync survives a crash of the process (not of the machine) without losing commits.
  database.pragma("synchronous = NORMAL");
  const db = new Kysely<Database>({
    dialect: new QueuedSqliteDialect({ database: cachingStatements(database) }),
    plugins: [new NoNulPlugin()],
  });
  await migrateToLatest(db);
  return new KyselyStore(db);
}
