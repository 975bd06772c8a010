import type { Kysely, Migration } from "kysely";

/**
 * The audit trail (src/audit): entries numbered from 1 by `seq`, each with the SHA-256 of the one
 * before (prev_hash) and its own (hash); and the signed checkpoints over the chain's head. The
 * primary key on seq is what keeps the chain from forking: of two servers appending the same seq,
 * one insert fails and that server appends again after the other's entry. Times are ISO-8601 text
 * with milliseconds, so they sort as text on SQLite and PostgreSQL alike.
 */
export const audit: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("audit_entries")
      .addColumn("seq", "integer", (c) => c.primaryKey())
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("action", "varchar(100)", (c) => c.notNull())
      .addColumn("actor", "varchar(100)")
      .addColumn("actor_id", "integer")
      .addColumn("repo", "varchar(210)")
      .addColumn("token_id", "integer")
      .addColumn("address", "varchar(64)")
      .addColumn("details_json", "text", (c) => c.notNull())
      .addColumn("prev_hash", "varchar(64)", (c) => c.notNull())
      .addColumn("hash", "varchar(64)", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("audit_entries_created_at")
      .on("audit_entries")
      .column("created_at")
      .execute();
    await db.schema.createIndex("audit_entries_action").on("audit_entries").column("action").execute();
    await db.schema.createIndex("audit_entries_actor").on("audit_entries").column("actor").execute();
    await db.schema.createIndex("audit_entries_repo").on("audit_entries").column("repo").execute();
    await db.schema
      .createTable("audit_checkpoints")
      .addColumn("seq", "integer", (c) => c.primaryKey())
      .addColumn("hash", "varchar(64)", (c) => c.notNull())
      .addColumn("prev_seq", "integer", (c) => c.notNull())
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("key_id", "varchar(64)", (c) => c.notNull())
      .addColumn("signature", "text", (c) => c.notNull())
      .execute();
    // Checkpoints chain too (each names the one before): one successor per checkpoint.
    await db.schema
      .createIndex("audit_checkpoints_prev_seq")
      .on("audit_checkpoints")
      .column("prev_seq")
      .unique()
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("audit_checkpoints").execute();
    await db.schema.dropTable("audit_entries").execute();
  },
};
