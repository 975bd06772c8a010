import type { Kysely, Migration } from "kysely";

/**
 * What the triggers remember per repository (the refs last seen, each schedule's last tick), and
 * indexes for the runs list's filters so a filtered page stays an index range scan.
 */
export const triggerState: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("trigger_state")
      .addColumn("repo_id", "integer", (c) => c.notNull().references("repos.id"))
      .addColumn("kind", "varchar(10)", (c) => c.notNull())
      .addColumn("name", "varchar(1000)", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("trigger_state_pk", ["repo_id", "kind", "name"])
      .execute();
    for (const column of ["head_branch", "event", "status", "conclusion", "workflow_file", "actor"]) {
      await db.schema
        .createIndex(`runs_repo_${column}`)
        .on("runs")
        .columns(["repo_id", column, "id"])
        .execute();
    }
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    for (const column of ["head_branch", "event", "status", "conclusion", "workflow_file", "actor"]) {
      await db.schema.dropIndex(`runs_repo_${column}`).execute();
    }
    await db.schema.dropTable("trigger_state").execute();
  },
};
