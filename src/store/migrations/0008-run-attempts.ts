import type { Kysely, Migration } from "kysely";

/**
 * A run's earlier attempts as they ended (status, conclusion, times, problems): the runs row holds
 * the latest attempt only, and a re-run writes the one it replaces here, so `?attempt=N` and
 * GET …/runs/{id}/attempts/{n} show each attempt's own state.
 */
export const runAttempts: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("run_attempts")
      .addColumn("run_id", "integer", (c) => c.notNull())
      .addColumn("attempt", "integer", (c) => c.notNull())
      .addColumn("status", "varchar(20)", (c) => c.notNull())
      .addColumn("conclusion", "varchar(20)")
      .addColumn("actor", "varchar(200)", (c) => c.notNull())
      .addColumn("problems_json", "text", (c) => c.notNull())
      .addColumn("started_at", "varchar(30)")
      .addColumn("completed_at", "varchar(30)")
      .addColumn("updated_at", "varchar(30)", (c) => c.notNull())
      .addPrimaryKeyConstraint("run_attempts_pk", ["run_id", "attempt"])
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("run_attempts").execute();
  },
};
