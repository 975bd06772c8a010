import type { Kysely, Migration } from "kysely";

/**
 * jobs.report_base: the seq at which the current lease's reports begin in job_events. A runner
 * numbers its reports from 0 for each lease; they are stored from this base, so a lease given up
 * (released, or run out) keeps its reports until its follower has read them, even when another
 * runner claims the job at once (the claim used to delete them).
 */
export const reportBase: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable("jobs")
      .addColumn("report_base", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("jobs").dropColumn("report_base").execute();
  },
};
