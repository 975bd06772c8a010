import type { Kysely, Migration } from "kysely";

/**
 * Runner machines (`gantry runner`) and the jobs they run.
 *
 * runners: one row per registered runner; repo_id null for a server-wide one. token_hash is the
 * sha256 of the runner's own credential (shown to it once, at registration). last_seen_at moves
 * with each request the runner makes; it is online while that is recent.
 *
 * runner_registration_tokens: what `gantry runner --token` registers with (an hour's validity, as
 * on GitHub), hashed.
 *
 * jobs gain what a job handed to a runner machine needs: spec_box (the job's request, sealed with
 * the server's secret key because it carries the job's secrets; set while the job may be claimed
 * or runs, cleared when it ends), the runner it went to, the lease (an id new at each claim, and
 * when it expires unless renewed) and whether a cancel was asked for.
 *
 * job_events: what a runner reported of a job (log lines, steps, its outcome), in the order it
 * sent them: (job_id, seq) is unique, so a retried upload never adds a line twice.
 */
export const runners: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("runners")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("repo_id", "integer")
      .addColumn("labels_json", "text", (c) => c.notNull())
      .addColumn("slots", "integer", (c) => c.notNull())
      .addColumn("os", "varchar(40)", (c) => c.notNull())
      .addColumn("arch", "varchar(40)", (c) => c.notNull())
      .addColumn("version", "varchar(40)", (c) => c.notNull())
      .addColumn("token_hash", "varchar(128)", (c) => c.notNull())
      .addColumn("ephemeral", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("draining", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("last_seen_at", "varchar(30)", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("runners_name").on("runners").column("name").unique().execute();
    await db.schema.createIndex("runners_token").on("runners").column("token_hash").unique().execute();
    await db.schema
      .createTable("runner_registration_tokens")
      .addColumn("token_hash", "varchar(128)", (c) => c.primaryKey())
      .addColumn("repo_id", "integer")
      .addColumn("created_by", "varchar(255)", (c) => c.notNull())
      .addColumn("expires_at", "varchar(30)", (c) => c.notNull())
      .execute();
    await db.schema.alterTable("jobs").addColumn("spec_box", "text").execute();
    await db.schema.alterTable("jobs").addColumn("runner_id", "integer").execute();
    await db.schema.alterTable("jobs").addColumn("lease_id", "varchar(64)").execute();
    await db.schema.alterTable("jobs").addColumn("lease_expires_at", "varchar(30)").execute();
    await db.schema
      .alterTable("jobs")
      .addColumn("cancel_requested", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex("jobs_lease").on("jobs").column("lease_expires_at").execute();
    await db.schema
      .createTable("job_events")
      .addColumn("job_id", "integer", (c) => c.notNull())
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("body_json", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("job_events_pk", ["job_id", "seq"])
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("job_events").execute();
    await db.schema.dropIndex("jobs_lease").execute();
    for (const c of ["spec_box", "runner_id", "lease_id", "lease_expires_at", "cancel_requested"]) {
      await db.schema.alterTable("jobs").dropColumn(c).execute();
    }
    await db.schema.dropTable("runner_registration_tokens").execute();
    await db.schema.dropTable("runners").execute();
  },
};
