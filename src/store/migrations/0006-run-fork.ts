import type { Kysely, Migration } from "kysely";

/**
 * Whether a run is a fork's pull request (1: untrusted input, started with no secrets and no
 * variables, as on GitHub) and its GITHUB_TOKEN's permissions (`read` for a fork's run, else
 * `write`). Kept on the run so that each re-run attempt is started the same way.
 */
export const runFork: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable("runs")
      .addColumn("fork", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable("runs")
      .addColumn("token_permissions", "varchar(10)", (c) => c.notNull().defaultTo("write"))
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("runs").dropColumn("token_permissions").execute();
    await db.schema.alterTable("runs").dropColumn("fork").execute();
  },
};
