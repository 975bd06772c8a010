import type { Kysely, Migration } from "kysely";

/** Repositories, runs, jobs, steps, API tokens and the id sequences. */
export const initial: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("sequences")
      .addColumn("name", "varchar(200)", (c) => c.primaryKey())
      .addColumn("value", "integer", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("repos")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("owner", "varchar(200)", (c) => c.notNull())
      .addColumn("name", "varchar(200)", (c) => c.notNull())
      .addColumn("url", "text", (c) => c.notNull())
      .addColumn("default_branch", "varchar(255)", (c) => c.notNull())
      .addColumn("poll_interval_seconds", "integer", (c) => c.notNull())
      .addColumn("created_at", "varchar(40)", (c) => c.notNull())
      .addUniqueConstraint("repos_owner_name", ["owner", "name"])
      .execute();
    await db.schema
      .createTable("runs")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("repo_id", "integer", (c) => c.notNull().references("repos.id"))
      .addColumn("workflow_name", "text", (c) => c.notNull())
      .addColumn("workflow_file", "text", (c) => c.notNull())
      .addColumn("event", "varchar(100)", (c) => c.notNull())
      .addColumn("ref", "text", (c) => c.notNull())
      .addColumn("head_branch", "text", (c) => c.notNull())
      .addColumn("head_sha", "varchar(64)", (c) => c.notNull())
      .addColumn("status", "varchar(20)", (c) => c.notNull())
      .addColumn("conclusion", "varchar(20)")
      .addColumn("run_number", "integer", (c) => c.notNull())
      .addColumn("run_attempt", "integer", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("github_json", "text", (c) => c.notNull())
      .addColumn("inputs_json", "text", (c) => c.notNull())
      .addColumn("problems_json", "text", (c) => c.notNull())
      .addColumn("created_at", "varchar(40)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(40)", (c) => c.notNull())
      .addColumn("started_at", "varchar(40)")
      .addColumn("completed_at", "varchar(40)")
      .execute();
    await db.schema.createIndex("runs_repo_id").on("runs").columns(["repo_id", "id"]).execute();
    await db.schema.createIndex("runs_status").on("runs").column("status").execute();
    await db.schema.createIndex("runs_head_sha").on("runs").columns(["repo_id", "head_sha"]).execute();
    await db.schema
      .createTable("jobs")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("run_id", "integer", (c) => c.notNull().references("runs.id"))
      .addColumn("run_attempt", "integer", (c) => c.notNull())
      .addColumn("job_key", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("status", "varchar(20)", (c) => c.notNull())
      .addColumn("conclusion", "varchar(20)")
      .addColumn("matrix_json", "text")
      .addColumn("outputs_json", "text", (c) => c.notNull())
      .addColumn("labels_json", "text", (c) => c.notNull())
      .addColumn("runner_name", "text")
      .addColumn("failure_reason", "text")
      .addColumn("lost_count", "integer", (c) => c.notNull())
      .addColumn("log_path", "text")
      .addColumn("created_at", "varchar(40)", (c) => c.notNull())
      .addColumn("started_at", "varchar(40)")
      .addColumn("completed_at", "varchar(40)")
      .addUniqueConstraint("jobs_run_attempt_key", ["run_id", "run_attempt", "job_key"])
      .execute();
    await db.schema.createIndex("jobs_status").on("jobs").columns(["status", "id"]).execute();
    await db.schema
      .createTable("steps")
      .addColumn("job_id", "integer", (c) => c.notNull().references("jobs.id"))
      .addColumn("number", "integer", (c) => c.notNull())
      .addColumn("step_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("status", "varchar(20)", (c) => c.notNull())
      .addColumn("outcome", "varchar(20)")
      .addColumn("conclusion", "varchar(20)")
      .addColumn("outputs_json", "text", (c) => c.notNull())
      .addColumn("started_at", "varchar(40)")
      .addColumn("completed_at", "varchar(40)")
      .addPrimaryKeyConstraint("steps_pk", ["job_id", "number"])
      .execute();
    await db.schema
      .createTable("tokens")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("name", "varchar(200)", (c) => c.notNull())
      .addColumn("hash", "varchar(64)", (c) => c.notNull().unique())
      .addColumn("created_at", "varchar(40)", (c) => c.notNull())
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    for (const table of ["steps", "jobs", "runs", "repos", "tokens", "sequences"]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
