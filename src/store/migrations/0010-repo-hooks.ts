import type { Kysely, Migration } from "kysely";

/**
 * A repository's outgoing webhooks (GitHub's repository hooks: a URL, a sealed secret, the events)
 * and the log of their deliveries: each payload kept until it is delivered or given up, so a
 * restart goes on with the pending ones.
 */
export const repoHooks: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("repo_hooks")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("repo_id", "integer", (c) => c.notNull())
      .addColumn("url", "text", (c) => c.notNull())
      .addColumn("content_type", "varchar(10)", (c) => c.notNull())
      .addColumn("secret_sealed", "text")
      .addColumn("events_json", "text", (c) => c.notNull())
      .addColumn("active", "integer", (c) => c.notNull())
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(30)", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("repo_hooks_repo").on("repo_hooks").column("repo_id").execute();
    await db.schema
      .createTable("hook_deliveries")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("hook_id", "integer", (c) => c.notNull())
      .addColumn("guid", "varchar(40)", (c) => c.notNull())
      .addColumn("event", "varchar(40)", (c) => c.notNull())
      .addColumn("action", "varchar(40)")
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("status", "varchar(10)", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull())
      .addColumn("next_attempt_at", "varchar(30)")
      .addColumn("status_code", "integer")
      .addColumn("error", "text")
      .addColumn("duration_ms", "integer")
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("delivered_at", "varchar(30)")
      .execute();
    await db.schema.createIndex("hook_deliveries_hook").on("hook_deliveries").column("hook_id").execute();
    await db.schema
      .createIndex("hook_deliveries_due")
      .on("hook_deliveries")
      .columns(["status", "next_attempt_at"])
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("hook_deliveries").execute();
    await db.schema.dropTable("repo_hooks").execute();
  },
};
