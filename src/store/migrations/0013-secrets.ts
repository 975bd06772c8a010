import type { Kysely, Migration } from "kysely";

/**
 * Actions secrets and configuration variables (server-wide: repo_id 0; a repository's: environment
 * ''; an environment's), and the keypair secrets are sealed to in transit. Secret values and the
 * private key are kept only as ciphertext under the server's master key (src/secrets).
 */
export const secrets: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("actions_secrets")
      .addColumn("repo_id", "integer", (c) => c.notNull())
      .addColumn("environment", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("encrypted_value", "text", (c) => c.notNull())
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(30)", (c) => c.notNull())
      .addPrimaryKeyConstraint("actions_secrets_pk", ["repo_id", "environment", "name"])
      .execute();
    await db.schema
      .createTable("actions_variables")
      .addColumn("repo_id", "integer", (c) => c.notNull())
      .addColumn("environment", "varchar(255)", (c) => c.notNull())
      .addColumn("name", "varchar(255)", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(30)", (c) => c.notNull())
      .addPrimaryKeyConstraint("actions_variables_pk", ["repo_id", "environment", "name"])
      .execute();
    await db.schema
      .createTable("actions_box_keys")
      .addColumn("key_id", "varchar(40)", (c) => c.primaryKey())
      .addColumn("public_key", "text", (c) => c.notNull())
      .addColumn("encrypted_private_key", "text", (c) => c.notNull())
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .execute();
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("actions_box_keys").execute();
    await db.schema.dropTable("actions_variables").execute();
    await db.schema.dropTable("actions_secrets").execute();
  },
};
