import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { expect, it } from "vitest";
import { describeDeploymentsContract } from "./deployments-contract.js";
import { initial } from "./migrations/0001-initial.js";
import { triggerState } from "./migrations/0003-trigger-state.js";
import { describeRunnersContract } from "./runners-contract.js";
import { describeSecretsContract } from "./secrets-contract.js";
import { describeServersContract } from "./servers-contract.js";
import { openSqliteStore } from "./sqlite.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("SQLite in memory", () => openSqliteStore(":memory:"));
describeSecretsContract("SQLite in memory", () => openSqliteStore(":memory:"));
describeDeploymentsContract("SQLite in memory", () => openSqliteStore(":memory:"));
describeRunnersContract("SQLite in memory", () => openSqliteStore(":memory:"));
describeServersContract("SQLite in memory", () => openSqliteStore(":memory:"));
describeStoreContract("SQLite file (WAL)", () =>
  openSqliteStore(join(mkdtempSync(join(tmpdir(), "gantry-store-")), "gantry.db")),
);

it("takes a delivery id as new once when two servers share the database file", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "gantry-store-")), "gantry.db");
  const a = await openSqliteStore(file);
  const b = await openSqliteStore(file);
  const at = new Date().toISOString();
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).rememberDelivery("github", "race", at)),
  );
  expect(answers.filter((x) => x)).toHaveLength(1);
  await a.close();
  await b.close();
});

it("keeps what it stored across a reopen, migrating once", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "gantry-store-")), "gantry.db");
  const a = await openSqliteStore(file);
  await a.addRepo({ owner: "o", name: "n", url: "u", defaultBranch: "main", pollIntervalSeconds: 0 });
  await a.close();
  const b = await openSqliteStore(file);
  expect((await b.listRepos()).map((r) => r.name)).toEqual(["n"]);
  await b.close();
});

it("takes a migration it lacks when a later one ran first (0003 landed before 0002)", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "gantry-store-")), "gantry.db");
  const db = new Kysely({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
  const provider = {
    getMigrations: async () => ({ "0001-initial": initial, "0003-trigger-state": triggerState }),
  };
  expect((await new Migrator({ db, provider }).migrateToLatest()).error).toBeUndefined();
  await db.destroy();
  const store = await openSqliteStore(file);
  const repo = await store.addRepo({
    owner: "o",
    name: "n",
    url: "u",
    defaultBranch: "main",
    pollIntervalSeconds: 0,
    requiredChecks: ["CI"],
  });
  expect((await store.getRepoById(repo.id))?.requiredChecks).toEqual(["CI"]);
  expect((await store.listPullRequests({ repoId: repo.id })).total).toBe(0);
  await store.close();
});

it("makes the admin token of before the bootstrap token of the site admin `admin` (0011)", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "gantry-store-")), "gantry.db");
  const db = new Kysely({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
  const provider = { getMigrations: async () => ({ "0001-initial": initial }) };
  expect((await new Migrator({ db, provider }).migrateToLatest()).error).toBeUndefined();
  await db
    .insertInto("tokens" as never)
    .values({ id: 1, name: "admin", hash: "a".repeat(64), created_at: "2026-01-01T00:00:00.000Z" } as never)
    .execute();
  await db.destroy();
  const store = await openSqliteStore(file);
  const admin = await store.getUser("admin");
  expect(admin).toMatchObject({ login: "admin", siteAdmin: true, suspendedAt: null });
  expect(await store.findToken("a".repeat(64))).toMatchObject({
    kind: "personal",
    userId: admin?.id,
    name: "admin",
    scopes: ["repo", "user", "site_admin"],
    revokedAt: null,
    expiresAt: null,
  });
  // The users' sequence went on from the one the migration took.
  expect((await store.addUser({ login: "next" })).id).toBe((admin?.id ?? 0) + 1);
  await store.close();
});

it("counts the runs stored before run_counts (migration 0021) when it migrates", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "gantry-store-")), "gantry.db");
  const a = await openSqliteStore(file);
  const repo = await a.addRepo({
    owner: "o",
    name: "n",
    url: "u",
    defaultBranch: "main",
    pollIntervalSeconds: 0,
  });
  const run = {
    repoId: repo.id,
    workflowName: "CI",
    workflowFile: ".github/workflows/ci.yml",
    event: "push",
    ref: "refs/heads/main",
    headBranch: "main",
    headSha: "a".repeat(40),
    status: "completed" as const,
    conclusion: "success" as const,
    actor: "dev",
    github: {},
    inputs: {},
    problems: [],
  };
  for (let i = 0; i < 3; i++) await a.createRun(run);
  await a.close();
  // The database as it was before 0021: no run_counts, the migration not yet run.
  // any: the table and Kysely's own migration table are not in the current Database type.
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
  await db.schema.dropTable("run_counts").execute();
  await db.deleteFrom("kysely_migration").where("name", "=", "0021-run-counts").execute();
  await db.destroy();
  const b = await openSqliteStore(file);
  expect((await b.listRuns({ repoId: repo.id })).total).toBe(3);
  await b.createRun(run);
  expect((await b.listRuns({ repoId: repo.id })).total).toBe(4);
  await b.close();
});
