import type { Kysely, Migration } from "kysely";

/**
 * The deployment protection rules a run attempt waits on, and the reviews that decided them.
 * deployment_gates: one row per run attempt and environment (the first job of the attempt that
 * enters the environment adds it; every later job of the attempt that deploys there shares it):
 * the rules it waits on as they stood then (wait_timer in minutes, needs_review 1 when the
 * environment had required reviewers), when it began waiting (the wait timer's start, by the
 * gate's clock), and its state: waiting, approved, rejected or expired (30 days without a
 * decision). bypass 1 when an admin bypassed the rules. deployment_reviews: each decision (one
 * POST …/pending_deployments, for one or more environments) with its reviewer and comment.
 */
export const approvals: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("deployment_gates")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("repo_id", "integer", (c) => c.notNull())
      .addColumn("run_id", "integer", (c) => c.notNull())
      .addColumn("run_attempt", "integer", (c) => c.notNull())
      .addColumn("environment_id", "integer", (c) => c.notNull())
      .addColumn("environment", "varchar(255)", (c) => c.notNull())
      .addColumn("wait_timer", "integer", (c) => c.notNull())
      .addColumn("needs_review", "integer", (c) => c.notNull())
      .addColumn("state", "varchar(20)", (c) => c.notNull())
      .addColumn("bypass", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("started_at", "varchar(30)", (c) => c.notNull())
      .addColumn("decided_at", "varchar(30)")
      .addUniqueConstraint("deployment_gates_attempt_env", ["run_id", "run_attempt", "environment_id"])
      .execute();
    await db.schema
      .createTable("deployment_reviews")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("repo_id", "integer", (c) => c.notNull())
      .addColumn("run_id", "integer", (c) => c.notNull())
      .addColumn("run_attempt", "integer", (c) => c.notNull())
      .addColumn("state", "varchar(20)", (c) => c.notNull())
      .addColumn("user_id", "integer", (c) => c.notNull())
      .addColumn("user_login", "varchar(255)", (c) => c.notNull())
      .addColumn("comment", "text", (c) => c.notNull())
      .addColumn("bypass", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("environments_json", "text", (c) => c.notNull())
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("deployment_reviews_run")
      .on("deployment_reviews")
      .columns(["run_id", "id"])
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("deployment_reviews").execute();
    await db.schema.dropTable("deployment_gates").execute();
  },
};
