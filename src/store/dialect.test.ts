import {
  DummyDriver,
  Kysely,
  type RootOperationNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from "kysely";
import { describe, expect, it } from "vitest";
import { holdsNul, NoNulPlugin } from "./dialect.js";

interface Db {
  t: { id: number; name: string; note: string | null };
}

/** A Kysely that compiles SQLite's SQL and runs nothing. */
const db = new Kysely<Db>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new SqliteIntrospector(k),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

const transform = (node: RootOperationNode) =>
  new NoNulPlugin().transformQuery({ node, queryId: { queryId: "q" } });

describe("NoNulPlugin", () => {
  it("finds a NUL wherever a query holds a value: a where, an insert's rows, an in-list, raw SQL", () => {
    const nul = "a\0b";
    expect(holdsNul(db.selectFrom("t").selectAll().where("name", "=", nul).toOperationNode())).toBe(true);
    expect(
      holdsNul(
        db
          .insertInto("t")
          .values([
            { id: 1, name: "x", note: null },
            { id: 2, name: "y", note: nul },
          ])
          .toOperationNode(),
      ),
    ).toBe(true);
    expect(holdsNul(db.selectFrom("t").selectAll().where("name", "in", ["x", nul]).toOperationNode())).toBe(
      true,
    );
    expect(holdsNul(sql`select ${nul}`.toOperationNode())).toBe(true);
    expect(holdsNul(db.updateTable("t").set({ note: nul }).where("id", "=", 1).toOperationNode())).toBe(true);
    // A NUL in a name is not a value: the plugin never changed those.
    expect(holdsNul(db.selectFrom("t").selectAll().where("name", "=", "x").toOperationNode())).toBe(false);
  });

  it("hands a query without a NUL on as it is, and replaces a NUL in a value with U+FFFD", () => {
    const plain = db
      .updateTable("t")
      .set({ name: "x", note: null })
      .where("id", "in", [1, 2])
      .toOperationNode();
    // The same tree, not a copy of it: most queries hold no NUL, and copying each cost the store.
    expect(transform(plain)).toBe(plain);
    const withNul = db.updateTable("t").set({ name: "a\0b" }).where("id", "=", 1).toOperationNode();
    const compiled = new SqliteQueryCompiler().compileQuery(transform(withNul), { queryId: "q" });
    expect(compiled.parameters).toEqual(["a\uFFFDb", 1]);
  });
});
