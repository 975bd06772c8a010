import type { Kysely, Migration } from "kysely";

/**
 * A run's title as GitHub shows it (`display_title`): its workflow's `run-name` evaluated when the
 * run was queued, else the head commit's message, the pull request's title or the workflow's name.
 * Empty in rows from before: the API then reads it from the event.
 */
export const displayTitle: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable("runs")
      .addColumn("display_title", "text", (c) => c.notNull().defaultTo(""))
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("display_title").execute();
  },
};
