import SQLite from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { cachingStatements } from "./statement-cache.js";

describe("cachingStatements", () => {
  const database = new SQLite(":memory:");
  afterEach(() => database.exec("DROP TABLE IF EXISTS t"));

  it("prepares a query's SQL once and hands the same statement back", () => {
    const db = cachingStatements(database);
    db.prepare("CREATE TABLE t (x INTEGER)").run();
    const insert = db.prepare("INSERT INTO t (x) VALUES (?)");
    insert.run(1);
    expect(db.prepare("INSERT INTO t (x) VALUES (?)")).toBe(insert);
    db.prepare("INSERT INTO t (x) VALUES (?)").run(2);
    expect(db.prepare("SELECT x FROM t ORDER BY x").all()).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it("keeps the most recently used within its size", () => {
    const db = cachingStatements(database, 2);
    const one = db.prepare("SELECT 1");
    const two = db.prepare("SELECT 2");
    expect(db.prepare("SELECT 1")).toBe(one);
    db.prepare("SELECT 3");
    expect(db.prepare("SELECT 1")).toBe(one);
    expect(db.prepare("SELECT 2")).not.toBe(two);
  });

  it("gives a query of its own while the kept statement is still being iterated", () => {
    const db = cachingStatements(database);
    db.prepare("CREATE TABLE t (x INTEGER)").run();
    for (const x of [1, 2, 3]) db.prepare("INSERT INTO t (x) VALUES (?)").run(x);
    const outer = db.prepare("SELECT x FROM t ORDER BY x");
    const seen: number[] = [];
    for (const row of outer.iterate() as IterableIterator<{ x: number }>) {
      const inner = db.prepare("SELECT x FROM t ORDER BY x");
      expect(inner).not.toBe(outer);
      seen.push(row.x, (inner.all() as Array<{ x: number }>).length);
    }
    expect(seen).toEqual([1, 3, 2, 3, 3, 3]);
  });
});
