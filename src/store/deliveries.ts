import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * Remembers a webhook delivery: true when it is new, false when the forge sent this id before.
 * One insert that does nothing on conflict, so of two concurrent deliveries with the same id
 * exactly one is new (SQLite and PostgreSQL both count the rows it inserted).
 */
export async function rememberDelivery(
  db: Kysely<Database>,
  forge: string,
  deliveryId: string,
  receivedAt: string,
): Promise<boolean> {
  const result = await db
    .insertInto("webhook_deliveries")
    .values({ forge, delivery_id: deliveryId, received_at: receivedAt })
    .onConflict((oc) => oc.columns(["forge", "delivery_id"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Forgets the deliveries received before the given time; how many were forgotten. */
export async function pruneDeliveries(db: Kysely<Database>, before: string): Promise<number> {
  const result = await db
    .deleteFrom("webhook_deliveries")
    .where("received_at", "<", before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
