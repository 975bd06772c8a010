import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/** The next value of a named counter: one upsert, atomic on SQLite and PostgreSQL alike. */
export async function nextValue(db: Kysely<Database>, name: string): Promise<number> {
  const [value] = await nextValues(db, [name]);
  return value;
}

/**
 * The next values of several named counters (distinct names), in their order: one upsert, one
 * round trip to the database however many they are.
 */
export async function nextValues(db: Kysely<Database>, names: string[]): Promise<number[]> {
  const rows = await db
    .insertInto("sequences")
    .values(names.map((name) => ({ name, value: 1 })))
    .onConflict((oc) => oc.column("name").doUpdateSet({ value: sql<number>`sequences.value + 1` }))
    .returning(["name", "value"])
    .execute();
  // RETURNING gives no order: each value by its name.
  const byName = new Map(rows.map((r) => [r.name, Number(r.value)]));
  return names.map((name) => {
    const value = byName.get(name);
    if (value === undefined) throw new Error(`the counter ${name} was not advanced`);
    return value;
  });
}

/**
 * Advances a named counter by `n` in one upsert and returns its new value: the values from
 * `value - n + 1` to `value` are the caller's (a fresh counter's first are 1 to n).
 */
export async function advanceValue(db: Kysely<Database>, name: string, n: number): Promise<number> {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`advancing ${name} by ${n}`);
  const row = await db
    .insertInto("sequences")
    .values({ name, value: n })
    .onConflict((oc) => oc.column("name").doUpdateSet({ value: sql<number>`sequences.value + ${n}` }))
    .returning("value")
    .executeTakeFirstOrThrow();
  return Number(row.value);
}
