import type { Database as SqliteDatabase, Statement } from "better-sqlite3";

/** How many distinct statements stay prepared: the store's queries are far fewer. */
const CACHED_STATEMENTS = 500;

/**
 * The database as Kysely's SQLite dialect drives it, with each statement prepared once and kept
 * (least recently used out past `size`): Kysely asks to prepare the SQL of every query it runs,
 * and compiling it again was the store's largest cost per job. A statement still being iterated
 * (busy) is never handed out again; that query gets one of its own.
 */
export function cachingStatements(database: SqliteDatabase, size = CACHED_STATEMENTS) {
  const cache = new Map<string, Statement>();
  return {
    close: () => {
      cache.clear();
      database.close();
    },
    prepare(sql: string): Statement {
      const kept = cache.get(sql);
      if (kept && !kept.busy) {
        // Most recently used last.
        cache.delete(sql);
        cache.set(sql, kept);
        return kept;
      }
      const statement = database.prepare(sql);
      if (kept) return statement;
      cache.set(sql, statement);
      if (cache.size > size) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return statement;
    },
  };
}
