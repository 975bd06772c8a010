import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable, startPostgres, type TestPostgres } from "../../test/postgres.js";
import { testSeal } from "./audit-contract.js";
import { copySqliteToPostgres, TargetNotEmptyError } from "./copy-store.js";
import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";

// any: every table is read by name, whatever the schema holds.
async function everyRow(db: Kysely<any>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of await db.introspection.getTables()) {
    const rows = await db.selectFrom(table.name).selectAll().execute();
    // Key order and row order differ between the two; the values must not.
    out[table.name] = rows
      .map((r) =>
        JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)))),
      )
      .sort();
  }
  return out;
}

async function seed(file: string) {
  const store = await openSqliteStore(file);
  const repo = await store.addRepo({
    owner: "acme",
    name: "app",
    url: "/srv/app.git",
    defaultBranch: "main",
    pollIntervalSeconds: 0,
  });
  await store.addRepo({
    owner: "acme",
    name: "lib",
    url: "/srv/lib.git",
    defaultBranch: "main",
    pollIntervalSeconds: 0,
  });
  const run = await store.createRun({
    repoId: repo.id,
    workflowName: "CI",
    workflowFile: ".github/workflows/ci.yml",
    event: "push",
    ref: "refs/heads/main",
    headBranch: "main",
    headSha: "a".repeat(40),
    status: "completed",
    conclusion: "success",
    actor: "dev",
    github: { event: { ref: "refs/heads/main" } },
    inputs: {},
    problems: [],
    displayTitle: "first ünïcode ✓",
  });
  const job = await store.putJob({ runId: run.id, runAttempt: 1, key: "build", name: "build" });
  await store.putSteps(job.id, [
    {
      jobId: job.id,
      number: 1,
      stepId: "s",
      name: "Run echo",
      status: "completed",
      outcome: "success",
      conclusion: "success",
      outputs: { o: "x" },
      startedAt: "2026-01-01T00:00:00.000Z",
      completedAt: "2026-01-01T00:00:01.000Z",
    },
  ]);
  await store.putTriggerMemory(repo.id, { refs: { "refs/heads/main": "a".repeat(40) }, ticks: {} });
  const user = await store.addUser({ login: "mona", email: "mona@example.com" });
  await store.addToken({
    kind: "personal",
    userId: user.id,
    name: "laptop",
    hash: "f".repeat(64),
    lastEight: "abcdefgh",
    scopes: ["repo"],
    expiresAt: null,
    repoId: null,
    runId: null,
    permissions: null,
  });
  await store.putCollaborator(repo.id, user.id, "write");
  await store.putSecret({ repoId: repo.id, environment: "" }, "TOKEN", "sealed");
  await store.createVariable({ repoId: repo.id, environment: "" }, "REGION", "eu");
  await store.rememberDelivery("github", "d-1", "2026-01-01T00:00:00.000Z");
  const hook = await store.addHook({
    repoId: repo.id,
    url: "https://chat.example.com/x",
    contentType: "json",
    secretSealed: null,
    events: ["workflow_run"],
    active: true,
  });
  await store.addHookDelivery({
    hookId: hook.id,
    guid: "g",
    event: "ping",
    action: null,
    payload: "{}",
    nextAttemptAt: "2026-01-01T00:00:00.000Z",
  });
  await store.ensureEnvironment(repo.id, "production", {
    waitTimer: 0,
    preventSelfReview: false,
    reviewers: [],
    canAdminsBypass: true,
    branchPolicy: { protectedBranches: false, customBranchPolicies: true },
  });
  for (const action of ["user.create", "repo.create", "secret.update"])
    await store.appendAudit(testSeal(action));
  await store.close();
  return { repo, run, job, user };
}

describe.runIf(postgresAvailable("gantry migrate's copy into PostgreSQL"))("copy SQLite → PostgreSQL", () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("copies every row of every table, ids kept, and the counters go on past them", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "gantry-copy-")), "gantry.db");
    const { repo, run, user } = await seed(file);
    const url = await cluster.createDatabase();
    const seen: string[] = [];
    const report = await copySqliteToPostgres(file, url, (table) => seen.push(table));
    // Referenced tables come before the tables that reference them.
    expect(seen.indexOf("repos")).toBeLessThan(seen.indexOf("runs"));
    expect(seen.indexOf("runs")).toBeLessThan(seen.indexOf("jobs"));
    expect(seen.indexOf("jobs")).toBeLessThan(seen.indexOf("steps"));
    const source = await openSqliteStore(file);
    const target = await openPostgresStore(url);
    const before = await everyRow(source.db);
    const after = await everyRow(target.db);
    expect(after).toEqual(before);
    expect(report.tables.reduce((n, t) => n + t.rows, 0)).toBe(
      Object.values(before).reduce((n, r) => n + r.length, 0),
    );
    expect(await target.getRun(run.id)).toEqual(await source.getRun(run.id));
    expect((await target.getUser("mona"))?.id).toBe(user.id);
    expect(
      (
        await target.createRun({
          ...(await source.getRun(run.id))!,
          status: "queued",
          conclusion: null,
          inputs: {},
          problems: [],
        } as never)
      ).id,
    ).toBe(run.id + 1);
    expect((await target.addUser({ login: "next" })).id).toBe(user.id + 1);
    expect((await target.addRepo({ ...repo, name: "third" })).id).toBe(repo.id + 2);
    expect((await target.auditHead())?.seq).toBe(3);
    await source.close();
    await target.close();
  });

  it("refuses a target that holds any row, and writes nothing into it", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "gantry-copy-")), "gantry.db");
    await seed(file);
    const url = await cluster.createDatabase();
    const other = await openPostgresStore(url);
    await other.addUser({ login: "someone" });
    await other.close();
    const error = await copySqliteToPostgres(file, url).catch((err: Error) => err);
    expect(error).toBeInstanceOf(TargetNotEmptyError);
    expect((error as Error).message).toBe(
      "the target database is not empty (sequences, users hold rows): gantry migrate copies into an empty database only",
    );
    const target = await openPostgresStore(url);
    const count = await sql<{ n: string }>`select count(*) as n from repos`.execute(target.db);
    expect(Number(count.rows[0].n)).toBe(0);
    expect((await target.listUsers(0, 10)).map((u) => u.login)).toEqual(["someone"]);
    await target.close();
  });
});
