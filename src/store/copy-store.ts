import { type Kysely, sql } from "kysely";
import { KyselyStore } from "./kysely-store.js";
import { openPostgresStore } from "./postgres.js";
import type { Database } from "./schema.js";
import { openSqliteStore } from "./sqlite.js";

/** What a copy moved: rows per table, in the order they were written. */
export interface CopyReport {
  tables: { name: string; rows: number }[];
}

/** The target already holds data: a copy never merges into it. */
export class TargetNotEmptyError extends Error {
  readonly code = "target_not_empty";
}

// any: tables are copied by name, whatever the schema holds (migrations do the same).
type AnyDb = Kysely<any>;

/** Rows per INSERT: PostgreSQL takes at most 65535 parameters in one statement. */
const MAX_PARAMETERS = 30_000;

/**
 * The target's tables in an order that satisfies its foreign keys: a table after every table it
 * references (PostgreSQL checks them row by row).
 */
async function tablesInForeignKeyOrder(target: AnyDb, tables: string[]): Promise<string[]> {
  const { rows } = await sql<{ child: string; parent: string }>`
    select c.relname as child, p.relname as parent
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_class p on p.oid = k.confrelid
    join pg_namespace n on n.oid = c.relnamespace
    where k.contype = 'f' and n.nspname = current_schema()`.execute(target);
  const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set()]));
  for (const { child, parent } of rows) if (child !== parent) parents.get(child)?.add(parent);
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const next = tables.filter(
      (t) => !placed.has(t) && [...(parents.get(t) ?? [])].every((p) => placed.has(p) || !parents.has(p)),
    );
    if (next.length === 0)
      throw new Error(
        `the tables' foreign keys form a cycle: ${tables.filter((t) => !placed.has(t)).join(", ")}`,
      );
    for (const t of next.sort()) {
      ordered.push(t);
      placed.add(t);
    }
  }
  return ordered;
}

/**
 * Copies every table of the SQLite store at `from` into the empty PostgreSQL database at `to`,
 * ids and all, in one transaction (all of it or nothing). Both are migrated to the latest schema
 * first. PostgreSQL sequences (serial columns, should a table have one) are advanced past the
 * copied ids, as is each gantry counter of the `sequences` table named for a table with an `id`.
 */
export async function copySqliteToPostgres(
  from: string,
  to: string,
  progress: (table: string, rows: number) => void = () => {},
): Promise<CopyReport> {
  const source = await openSqliteStore(from);
  let target: KyselyStore | undefined;
  try {
    target = await openPostgresStore(to);
    return await copyTables(source.db as AnyDb, target.db as AnyDb, progress);
  } finally {
    await source.close();
    await target?.close();
  }
}

async function copyTables(
  source: AnyDb,
  target: AnyDb,
  progress: (table: string, rows: number) => void,
): Promise<CopyReport> {
  const sourceTables = await source.introspection.getTables();
  const targetTables = new Map((await target.introspection.getTables()).map((t) => [t.name, t]));
  const missing = sourceTables.filter((t) => !targetTables.has(t.name)).map((t) => t.name);
  if (missing.length > 0) throw new Error(`the target has no table ${missing.join(", ")}`);
  const order = await tablesInForeignKeyOrder(
    target,
    sourceTables.map((t) => t.name),
  );
  return target.transaction().execute(async (tx) => {
    const full: string[] = [];
    for (const name of targetTables.keys()) {
      const row = await tx.selectFrom(name).select(sql`1`.as("one")).limit(1).executeTakeFirst();
      if (row) full.push(name);
    }
    if (full.length > 0)
      throw new TargetNotEmptyError(
        `the target database is not empty (${full.sort().join(", ")} hold rows): gantry migrate copies into an empty database only`,
      );
    const report: CopyReport = { tables: [] };
    for (const name of order) {
      const targetColumns = new Set(targetTables.get(name)?.columns.map((c) => c.name));
      const columns = (sourceTables.find((t) => t.name === name)?.columns ?? []).map((c) => c.name);
      const extra = columns.filter((c) => !targetColumns.has(c));
      if (extra.length > 0) throw new Error(`the target's table ${name} has no column ${extra.join(", ")}`);
      const batch = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, columns.length)));
      let copied = 0;
      for (let last: number | undefined; ; ) {
        // Keyset paging on SQLite's rowid: one pass over the table, whatever its key.
        let q = source
          .selectFrom(name)
          .select(sql<number>`rowid`.as("__rowid"))
          .select(columns)
          .orderBy(sql`rowid`)
          .limit(batch);
        if (last !== undefined) q = q.where(sql`rowid`, ">", last);
        const rows = await q.execute();
        if (rows.length === 0) break;
        last = Number(rows[rows.length - 1].__rowid);
        const values = rows.map(({ __rowid, ...row }) => row);
        await tx.insertInto(name).values(values).execute();
        copied += rows.length;
      }
      report.tables.push({ name, rows: copied });
      progress(name, copied);
    }
    await advanceSequences(tx, order);
    return report;
  });
}

/** Every counter past the ids copied: gantry's `sequences` rows and PostgreSQL's own sequences. */
async function advanceSequences(tx: AnyDb, tables: string[]): Promise<void> {
  const db = tx as Kysely<Database>;
  for (const table of tables) {
    const columns = await sql<{ column_name: string; seq: string | null }>`
      select column_name, pg_get_serial_sequence(quote_ident(${table}), column_name) as seq
      from information_schema.columns
      where table_schema = current_schema() and table_name = ${table}`.execute(tx);
    for (const { column_name, seq } of columns.rows) {
      if (seq)
        await sql`select setval(${seq}, coalesce((select max(${sql.ref(column_name)}) from ${sql.table(table)}), 0) + 1, false)`.execute(
          tx,
        );
    }
    if (!columns.rows.some((c) => c.column_name === "id") || table === "sequences") continue;
    const max = await tx
      .selectFrom(table)
      .select((eb) => eb.fn.max("id").as("max"))
      .executeTakeFirst();
    const top = Number(max?.max ?? 0);
    if (top === 0) continue;
    await db
      .insertInto("sequences")
      .values({ name: table, value: top })
      .onConflict((oc) =>
        oc.column("name").doUpdateSet({ value: sql<number>`greatest(sequences.value, excluded.value)` }),
      )
      .execute();
  }
}
