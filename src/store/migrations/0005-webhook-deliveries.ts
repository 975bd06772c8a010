import type { Kysely, Migration } from "kysely";

/**
 * The forge webhook deliveries the server has acted on (GitHub's X-GitHub-Delivery, Gitea's
 * X-Gitea-Delivery, GitLab's Idempotency-Key or X-Gitlab-Event-UUID), so that a replay starts
 * nothing. The primary key makes remembering one insert-if-absent; received_at is pruned by age.
 */
export const webhookDeliveries: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("webhook_deliveries")
      .addColumn("forge", "varchar(10)", (c) => c.notNull())
      .addColumn("delivery_id", "varchar(200)", (c) => c.notNull())
      .addColumn("received_at", "varchar(30)", (c) => c.notNull())
      .addPrimaryKeyConstraint("webhook_deliveries_pk", ["forge", "delivery_id"])
      .execute();
    await db.schema
      .createIndex("webhook_deliveries_received_at")
      .on("webhook_deliveries")
      .column("received_at")
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("webhook_deliveries").execute();
  },
};
