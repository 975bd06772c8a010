import type { Kysely, Migration } from "kysely";

/**
 * Several `gantry serve` processes on one database.
 *
 * servers: one row per running server process (id new at each start), with the host and data
 * directory it runs from and a heartbeat it moves every second or so. A server whose heartbeat is
 * a few seconds old is dead: its unfinished runs are adopted by another.
 *
 * runs.server_id: the server driving the run through the engine (null before this migration: a
 * run of a server of before, taken by whichever server starts first).
 */
export const servers: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("servers")
      .addColumn("id", "varchar(64)", (c) => c.primaryKey())
      .addColumn("host", "varchar(255)", (c) => c.notNull())
      .addColumn("data_dir", "varchar(1024)", (c) => c.notNull())
      .addColumn("pid", "integer", (c) => c.notNull())
      .addColumn("url", "varchar(1024)", (c) => c.notNull())
      .addColumn("started_at", "varchar(30)", (c) => c.notNull())
      .addColumn("heartbeat_at", "varchar(30)", (c) => c.notNull())
      .execute();
    await db.schema.alterTable("runs").addColumn("server_id", "varchar(64)").execute();
    await db.schema.createIndex("runs_server").on("runs").column("server_id").execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex("runs_server").execute();
    await db.schema.alterTable("runs").dropColumn("server_id").execute();
    await db.schema.dropTable("servers").execute();
  },
};
