import type { Kysely, Migration } from "kysely";

/**
 * Each run's place in a workflow_run chain: 0 for a run another event started, its triggering
 * run's depth + 1 for a workflow_run. GitHub runs at most three workflow_run levels.
 */
export const chainDepth: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable("runs")
      .addColumn("chain_depth", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("chain_depth").execute();
  },
};
