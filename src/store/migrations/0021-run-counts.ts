import type { Kysely, Migration } from "kysely";

/**
 * How many runs each repository has, kept as runs are made (runs.ts) so that the runs list's
 * total_count without a filter is one row read, not a count over every run of the repository
 * (3 ms at 100,000 runs on SQLite, growing with them). Filled from the runs already stored.
 */
export const runCounts: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("run_counts")
      .addColumn("repo_id", "integer", (c) => c.primaryKey())
      .addColumn("runs", "integer", (c) => c.notNull())
      .execute();
    await db
      .insertInto("run_counts")
      .columns(["repo_id", "runs"])
      .expression(
        db
          .selectFrom("runs")
          .select((eb) => ["repo_id", eb.fn.countAll().as("runs")])
          .groupBy("repo_id"),
      )
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("run_counts").execute();
  },
};
