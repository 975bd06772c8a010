// Read-only looks into a started server's store, whichever it uses: SQLite (DATA/gantry.db) or the
// PostgreSQL database the harness gave it (GANTRY_TEST_POSTGRES=1, or a test's own --database). For
// what the API does not show (the poller's trigger state, a run's token permissions) and for scans
// that a secret is nowhere in the database in clear text.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import type { Database } from "../src/store/schema.js";

/** A started server's store: its data directory, and its PostgreSQL URL when it has one. */
export interface ServerStore {
  data: string;
  database?: string;
}

/** Runs `query` on the server's store through a read-only connection of its own. */
export async function queryStore<T>(s: ServerStore, query: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const db = s.database
    ? new Kysely<Database>({
        dialect: new PostgresDialect({
          pool: new pg.Pool({
            connectionString: s.database,
            max: 1,
            options: "-c default_transaction_read_only=on",
          }),
        }),
      })
    : new Kysely<Database>({
        dialect: new SqliteDialect({
          database: new SQLite(join(s.data, "gantry.db"), { readonly: true, fileMustExist: true }),
        }),
      });
  try {
    return await query(db);
  } finally {
    await db.destroy();
  }
}

/** Every value of every row of every table of the store, as text (what any reader of it sees). */
async function rowsText(db: Kysely<Database>, postgres: boolean): Promise<string> {
  const tables = postgres
    ? await sql<{ name: string }>`select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
    : await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db);
  let out = "";
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    for (const row of rows.rows) out += `${Object.values(row).map(String).join("\n")}\n`;
  }
  return out;
}

function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) files.push(...filesUnder(path));
    else if (st?.isFile()) files.push(path);
  }
  return files;
}

/**
 * What the store holds, for a scan that a value is not in it in clear text: every row's values, and
 * the bytes of its files, where rows deleted or overwritten may linger. SQLite: gantry.db and its
 * WAL. PostgreSQL: after a checkpoint (so that what is in shared memory is on disk), the files of
 * the server's database (not the cluster's WAL, which other tests' databases share).
 */
export async function storeContents(
  s: ServerStore,
): Promise<{ rows: string; files: Record<string, Buffer> }> {
  return queryStore(s, async (db) => {
    const rows = await rowsText(db, s.database !== undefined);
    const files: Record<string, Buffer> = {};
    if (s.database) {
      await sql`checkpoint`.execute(db);
      const where = await sql<{ root: string; oid: number }>`select current_setting('data_directory') as root,
          (select oid from pg_database where datname = current_database()) as oid`.execute(db);
      const { root, oid } = where.rows[0];
      for (const file of filesUnder(join(root, "base", String(oid)))) files[file] = readFileSync(file);
    } else {
      for (const name of ["gantry.db", "gantry.db-wal"]) {
        const file = join(s.data, name);
        if (name === "gantry.db" || existsSync(file)) files[file] = readFileSync(file);
      }
    }
    return { rows, files };
  });
}

/** Which of `values` the store holds in clear text, in a row or in its files (none, for a pass). */
export async function clearTextInStore(s: ServerStore, values: string[]): Promise<string[]> {
  const { rows, files } = await storeContents(s);
  const found: string[] = [];
  for (const v of values) {
    if (rows.includes(v)) found.push(`${v} in a row`);
    for (const [file, bytes] of Object.entries(files))
      if (bytes.includes(Buffer.from(v))) found.push(`${v} in ${file}`);
  }
  return found;
}

/** Whether the server's poller has looked at the refs once (its `seen` trigger state is kept). */
export async function polledOnce(s: ServerStore): Promise<boolean> {
  const seen = await queryStore(s, (db) =>
    db
      .selectFrom("trigger_state")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("kind", "=", "seen")
      .executeTakeFirstOrThrow(),
  );
  // A count is a number on SQLite, a numeric string (bigint) on PostgreSQL.
  return Number(seen.n) > 0;
}
