import type { Kysely, Migration } from "kysely";

/**
 * GitHub's deployments of a repository and their statuses. A deployment made by a job of a run
 * (a job with an `environment:`) names the run, its attempt and the job's key; one made through
 * the API names none. full_ref is the branch or tag the ref named (refs/heads/…, refs/tags/…; "" for
 * a sha), the github.ref of the workflows its events start. environment_key is the environment's name in lower case (names match without
 * regard to case, as environments do); state is the deployment's latest status (null before its
 * first), kept with it so that the auto-inactive and delete rules read one row.
 */
export const deployments: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("deployments")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("repo_id", "integer", (c) => c.notNull())
      .addColumn("sha", "varchar(64)", (c) => c.notNull())
      .addColumn("ref", "varchar(255)", (c) => c.notNull())
      .addColumn("full_ref", "varchar(255)", (c) => c.notNull())
      .addColumn("task", "varchar(255)", (c) => c.notNull())
      .addColumn("payload_json", "text", (c) => c.notNull())
      .addColumn("environment", "varchar(255)", (c) => c.notNull())
      .addColumn("environment_key", "varchar(255)", (c) => c.notNull())
      .addColumn("original_environment", "varchar(255)", (c) => c.notNull())
      .addColumn("description", "text")
      .addColumn("creator_login", "varchar(255)", (c) => c.notNull())
      .addColumn("creator_id", "integer")
      .addColumn("transient_environment", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("production_environment", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("state", "varchar(20)")
      .addColumn("run_id", "integer")
      .addColumn("run_attempt", "integer")
      .addColumn("job_key", "varchar(1000)")
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(30)", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("deployments_repo_environment")
      .on("deployments")
      .columns(["repo_id", "environment_key"])
      .execute();
    await db.schema
      .createTable("deployment_statuses")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("deployment_id", "integer", (c) => c.notNull())
      .addColumn("state", "varchar(20)", (c) => c.notNull())
      .addColumn("description", "varchar(140)", (c) => c.notNull())
      .addColumn("environment", "varchar(255)", (c) => c.notNull())
      .addColumn("environment_url", "text", (c) => c.notNull())
      .addColumn("log_url", "text", (c) => c.notNull())
      .addColumn("creator_login", "varchar(255)", (c) => c.notNull())
      .addColumn("creator_id", "integer")
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(30)", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("deployment_statuses_deployment")
      .on("deployment_statuses")
      .column("deployment_id")
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("deployment_statuses").execute();
    await db.schema.dropTable("deployments").execute();
  },
};
