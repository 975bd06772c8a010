import type { Kysely, Migration } from "kysely";

/**
 * Each repository's rule for runs of a fork's pull request (GitHub's "approve and run"): `none`
 * (they run), `first_time_contributors` (a sender none of whose runs here has run waits for an
 * admin's approval) or `all` (every one waits).
 */
export const forkApproval: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable("repos")
      .addColumn("fork_approval", "varchar(30)", (c) => c.notNull().defaultTo("none"))
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("repos").dropColumn("fork_approval").execute();
  },
};
