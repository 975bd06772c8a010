import { Kysely, Migrator, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable, startPostgres, type TestPostgres } from "../../test/postgres.js";
import { describeAuditContract } from "./audit-contract.js";
import { describeDeploymentsContract } from "./deployments-contract.js";
import { initial } from "./migrations/0001-initial.js";
import { openPostgresStore } from "./postgres.js";
import { describeRunnersContract } from "./runners-contract.js";
import { describeSecretsContract } from "./secrets-contract.js";
import { describeServersContract } from "./servers-contract.js";
import { describeStoreContract } from "./store-contract.js";

describe.runIf(postgresAvailable("the Store contract on PostgreSQL"))("PostgreSQL", () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
    process.stderr.write(`store contract on ${cluster.version}\n`);
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  const open = async () => openPostgresStore(await cluster.createDatabase());
  describeStoreContract("PostgreSQL", open);
  describeSecretsContract("PostgreSQL", open);
  describeAuditContract("PostgreSQL", open);
  describeDeploymentsContract("PostgreSQL", open);
  describeRunnersContract("PostgreSQL", open);
  describeServersContract("PostgreSQL", open);

  it("upgrades a database of an earlier schema: the admin token of before becomes the site admin's (0011)", async () => {
    const url = await cluster.createDatabase();
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
    });
    const provider = { getMigrations: async () => ({ "0001-initial": initial }) };
    expect((await new Migrator({ db, provider }).migrateToLatest()).error).toBeUndefined();
    await db
      .insertInto("tokens" as never)
      .values({ id: 1, name: "admin", hash: "a".repeat(64), created_at: "2026-01-01T00:00:00.000Z" } as never)
      .execute();
    await db.destroy();
    const store = await openPostgresStore(url);
    const admin = await store.getUser("admin");
    expect(admin).toMatchObject({ login: "admin", siteAdmin: true });
    expect(await store.findToken("a".repeat(64))).toMatchObject({ userId: admin?.id, name: "admin" });
    expect((await store.addUser({ login: "next" })).id).toBe((admin?.id ?? 0) + 1);
    await store.close();
    // Opened again: nothing left to migrate, everything kept.
    const again = await openPostgresStore(url);
    expect((await again.getUser("next"))?.login).toBe("next");
    await again.close();
  });

  it("says which server it cannot reach, without the password", async () => {
    const url = cluster.url("postgres").replace(cluster.password, "wrong-password");
    const error = await openPostgresStore(url).catch((err: Error) => err);
    expect((error as Error).message).toMatch(
      /^cannot reach PostgreSQL at postgres:\/\/gantry:\*\*\*@127\.0\.0\.1:\d+\/postgres: /,
    );
    expect((error as Error).message).not.toContain("wrong-password");
  });
});
