import { createHook } from "node:async_hooks";
import SQLite from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { QueuedSqliteDialect } from "./sqlite-dialect.js";

let db: Kysely<Record<string, never>> | undefined;
afterEach(async () => {
  await db?.destroy();
  db = undefined;
});

function open(): Kysely<Record<string, never>> {
  db = new Kysely<Record<string, never>>({
    dialect: new QueuedSqliteDialect({ database: new SQLite(":memory:") }),
  });
  return db;
}

/** How many promises `work` makes (async_hooks sees every one). */
async function promisesOf(work: () => Promise<unknown>): Promise<number> {
  let made = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === "PROMISE") made++;
    },
  });
  hook.enable();
  try {
    await work();
  } finally {
    hook.disable();
  }
  return made;
}

describe("QueuedSqliteDialect", () => {
  it("hands the connection to waiting queries in turn: their work grows with their number, not its square", async () => {
    const k = open();
    await sql`select 1`.execute(k); // the driver's start is not counted
    const queries = (n: number) => () =>
      Promise.all(Array.from({ length: n }, (_, i) => sql`select ${i} as i`.execute(k)));
    const few = await promisesOf(queries(100));
    const many = await promisesOf(queries(800));
    // 8× the queries: 8× the promises (Kysely's own lock made 47× as many: each release woke every waiter).
    expect(many / few).toBeLessThan(12);
  });

  it("answers each query, in the order they asked", async () => {
    const k = open();
    await sql`create table t (i integer)`.execute(k);
    await Promise.all(Array.from({ length: 200 }, (_, i) => sql`insert into t values (${i})`.execute(k)));
    const { rows } = await sql<{ i: number }>`select i from t order by rowid`.execute(k);
    expect(rows.map((r) => r.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it("keeps a transaction's connection its own until it ends", async () => {
    const k = open();
    await sql`create table t (i integer)`.execute(k);
    const seen: number[] = [];
    let inside!: () => void;
    const entered = new Promise<void>((r) => {
      inside = r;
    });
    let finish!: () => void;
    const hold = new Promise<void>((r) => {
      finish = r;
    });
    const tx = k.transaction().execute(async (t) => {
      await sql`insert into t values (1)`.execute(t);
      inside();
      await hold;
      await sql`insert into t values (2)`.execute(t);
    });
    await entered;
    const outside = sql<{ n: number }>`select count(*) as n from t`
      .execute(k)
      .then((r) => seen.push(r.rows[0].n));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]); // waiting for the transaction
    finish();
    await Promise.all([tx, outside]);
    expect(seen).toEqual([2]);
  });
});
