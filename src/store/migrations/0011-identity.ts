import { type Kysely, type Migration, sql } from "kysely";

/**
 * People: users (the site admin `admin` owns the bootstrap token), their tokens (personal access
 * tokens, and each job's GITHUB_TOKEN while it runs: only hashes), and the repositories' collaborators
 * with their role. The tokens of before (the admin token) become the `admin` user's.
 */
export const identity: Migration = {
  // any: a migration runs against the schema as it was then, not the current Database type.
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable("users")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("login", "varchar(39)", (c) => c.notNull())
      // The login in lower case: logins are unique without regard to case, as on GitHub.
      .addColumn("login_key", "varchar(39)", (c) => c.notNull().unique())
      .addColumn("email", "varchar(320)")
      .addColumn("site_admin", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("suspended_at", "varchar(30)")
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(30)", (c) => c.notNull())
      .execute();
    await db.schema
      .alterTable("tokens")
      .addColumn("kind", "varchar(10)", (c) => c.notNull().defaultTo("personal"))
      .execute();
    await db.schema.alterTable("tokens").addColumn("user_id", "integer").execute();
    await db.schema
      .alterTable("tokens")
      .addColumn("scopes_json", "text", (c) => c.notNull().defaultTo("[]"))
      .execute();
    await db.schema.alterTable("tokens").addColumn("expires_at", "varchar(30)").execute();
    await db.schema.alterTable("tokens").addColumn("revoked_at", "varchar(30)").execute();
    await db.schema.alterTable("tokens").addColumn("last_eight", "varchar(8)").execute();
    // A job's token: the repository, run and job it is for, and its permissions (JSON).
    await db.schema.alterTable("tokens").addColumn("repo_id", "integer").execute();
    await db.schema.alterTable("tokens").addColumn("run_id", "integer").execute();
    await db.schema.alterTable("tokens").addColumn("permissions_json", "text").execute();
    await db.schema.createIndex("tokens_user").on("tokens").column("user_id").execute();
    await db.schema
      .createTable("collaborators")
      .addColumn("repo_id", "integer", (c) => c.notNull())
      .addColumn("user_id", "integer", (c) => c.notNull())
      .addColumn("permission", "varchar(10)", (c) => c.notNull())
      .addColumn("created_at", "varchar(30)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(30)", (c) => c.notNull())
      .addPrimaryKeyConstraint("collaborators_pk", ["repo_id", "user_id"])
      .execute();
    await db.schema.createIndex("collaborators_user").on("collaborators").column("user_id").execute();
    const existing = await db.selectFrom("tokens").select("id").limit(1).execute();
    if (existing.length > 0) {
      const at = new Date().toISOString();
      const next = await db
        .insertInto("sequences")
        .values({ name: "users", value: 1 })
        // any: the builder of the schema as it was then (see up's comment).
        .onConflict((oc: any) => oc.column("name").doUpdateSet({ value: sql`sequences.value + 1` }))
        .returning("value")
        .executeTakeFirstOrThrow();
      const id = Number(next.value);
      await db
        .insertInto("users")
        .values({ id, login: "admin", login_key: "admin", site_admin: 1, created_at: at, updated_at: at })
        .execute();
      await db
        .updateTable("tokens")
        .set({ user_id: id, scopes_json: JSON.stringify(["repo", "user", "site_admin"]) })
        .execute();
    }
  },
  // any: as above.
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable("collaborators").execute();
    await db.schema.dropIndex("tokens_user").execute();
    for (const column of [
      "permissions_json",
      "run_id",
      "repo_id",
      "last_eight",
      "revoked_at",
      "expires_at",
      "scopes_json",
      "user_id",
      "kind",
    ])
      await db.schema.alterTable("tokens").dropColumn(column).execute();
    await db.schema.dropTable("users").execute();
  },
};
