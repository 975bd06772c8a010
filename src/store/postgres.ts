import { Kysely, PostgresDialect } from "kysely";
import { NoNulPlugin } from "./dialect.js";
import { KyselyStore, migrateToLatest } from "./kysely-store.js";
import type { Database } from "./schema.js";

/** How long a session may sit idle inside a transaction before PostgreSQL ends it. */
const IDLE_IN_TRANSACTION_MS = 15_000;

/** A postgres:// or postgresql:// URL (what `--database` takes for PostgreSQL). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL with its password replaced by `***`, for messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(an unreadable database URL)";
  }
}

/**
 * The store on PostgreSQL: a pool of connections through the `pg` driver, migrated to the latest
 * schema (Kysely takes an advisory lock, so servers starting together migrate once).
 */
export async function openPostgresStore(
  url: string,
  opts: { maxConnections?: number } = {},
): Promise<KyselyStore> {
  // Loaded here, not at start: an embedded server never loads the driver.
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    // A server paused (or cut off) inside a transaction holds its row locks: the servers that
    // adopt its runs would wait on them for good. PostgreSQL ends such a session after this long
    // idle in its transaction (gantry's transactions never wait on anything but the database).
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
  });
  // A connection that breaks while idle must not crash the server: the next query reconnects.
  pool.on("error", () => {});
  // Nor one that breaks while checked out between queries (a transaction ended by the timeout
  // above): its next query fails, and with it that transaction.
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new NoNulPlugin()] });
  try {
    await db.selectNoFrom((eb) => eb.lit(1).as("one")).execute();
  } catch (err) {
    await db.destroy();
    throw new Error(`cannot reach PostgreSQL at ${redactDatabaseUrl(url)}: ${(err as Error).message}`);
  }
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return new KyselyStore(db);
}
