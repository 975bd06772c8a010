import type { Kysely, Migration } from "kysely";

/** Pull requests opened through the API, and each repository's required checks. */
export const pullRequests: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable("repos").addColumn("required_checks_json", "text").execute();
    await db.schema
      .createTable("pull_requests")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("repo_id", "integer", (c) => c.notNull().references("repos.id"))
      .addColumn("number", "integer", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("body", "text", (c) => c.notNull())
      .addColumn("state", "varchar(20)", (c) => c.notNull())
      .addColumn("head_ref", "varchar(255)", (c) => c.notNull())
      .addColumn("base_ref", "varchar(255)", (c) => c.notNull())
      .addColumn("head_sha", "varchar(64)", (c) => c.notNull())
      .addColumn("base_sha", "varchar(64)", (c) => c.notNull())
      .addColumn("merge_commit_sha", "varchar(64)")
      .addColumn("mergeable", "integer", (c) => c.notNull())
      .addColumn("created_at", "varchar(40)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(40)", (c) => c.notNull())
      .addColumn("closed_at", "varchar(40)")
      .addUniqueConstraint("pull_requests_repo_number", ["repo_id", "number"])
      .execute();
    await db.schema
      .createIndex("pull_requests_head")
      .on("pull_requests")
      .columns(["repo_id", "head_ref", "state"])
      .execute();
    await db.schema
      .createIndex("pull_requests_head_sha")
      .on("pull_requests")
      .columns(["repo_id", "head_sha"])
      .execute();
    await db.schema
      .createIndex("pull_requests_merge_sha")
      .on("pull_requests")
      .columns(["repo_id", "merge_commit_sha"])
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("pull_requests").execute();
    await db.schema.alterTable("repos").dropColumn("required_checks_json").execute();
  },
};
