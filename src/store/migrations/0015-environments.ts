import type { Kysely, Migration } from "kysely";

/**
 * Environments (GitHub's deployment environments) of a repository with their protection rules
 * (settings_json: wait timer, reviewers, admins' bypass, deployment branch policy; rule_ids_json:
 * the ids GitHub's protection_rules carry), and their deployment branch and tag policies.
 * name_key is the name in lower case: names match without regard to case, as on GitHub.
 */
export const environments: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("environments")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("repo_id", "integer", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("name_key", "varchar(255)", (c) => c.notNull())
      .addColumn("settings_json", "text", (c) => c.notNull())
      .addColumn("rule_ids_json", "text", (c) => c.notNull())
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(30)", (c) => c.notNull())
      .addUniqueConstraint("environments_repo_name", ["repo_id", "name_key"])
      .execute();
    await db.schema
      .createTable("environment_ref_policies")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("environment_id", "integer", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("type", "varchar(10)", (c) => c.notNull())
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addUniqueConstraint("environment_ref_policies_unique", ["environment_id", "type", "name"])
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("environment_ref_policies").execute();
    await db.schema.dropTable("environments").execute();
  },
};
