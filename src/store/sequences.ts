import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/** The next value of a named counter: one upsert, atomic on SQLite and PostgreSQL alike. */
export async function nextValue(db: Kysely<Database>, name: string): Promise<number> {
  const row = await db
    .insertInto("sequences")
    .values({ name, value: 1 })
    .onConflict((oc) => oc.column("name").doUpdateSet({ value: sql<number>`sequences.value + 1` }))
    .returning("value")
    .executeTakeFirstOrThrow();
  return Number(row.value);
}
