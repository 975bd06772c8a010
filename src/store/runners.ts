import type { Kysely } from "kysely";
import { JOB_COLUMNS, json, now, parse, toJob } from "./rows.js";
import type { Database, DbRunner } from "./schema.js";
import { nextValue } from "./sequences.js";
import type { Job, NewRunner, Runner, RunnerRegistration } from "./types.js";

function toRunner(r: DbRunner): Runner {
  return {
    id: Number(r.id),
    name: r.name,
    repoId: r.repo_id === null ? null : Number(r.repo_id),
    labels: parse<string[]>(r.labels_json, []),
    slots: Number(r.slots),
    os: r.os,
    arch: r.arch,
    version: r.version,
    ephemeral: Number(r.ephemeral) === 1,
    draining: Number(r.draining) === 1,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
  };
}

export async function addRegistrationToken(
  db: Kysely<Database>,
  hash: string,
  registration: RunnerRegistration,
): Promise<void> {
  await db
    .insertInto("runner_registration_tokens")
    .values({
      token_hash: hash,
      repo_id: registration.repoId,
      created_by: registration.createdBy,
      expires_at: registration.expiresAt,
    })
    .execute();
}

/** The registration a token hash names, while it has not expired (`at`, ISO time). */
export async function findRegistration(
  db: Kysely<Database>,
  hash: string,
  at: string,
): Promise<RunnerRegistration | undefined> {
  // Expired ones go as they are met: a table that only grows would be a leak.
  await db.deleteFrom("runner_registration_tokens").where("expires_at", "<=", at).execute();
  const row = await db
    .selectFrom("runner_registration_tokens")
    .selectAll()
    .where("token_hash", "=", hash)
    .executeTakeFirst();
  return (
    row && {
      repoId: row.repo_id === null ? null : Number(row.repo_id),
      createdBy: row.created_by,
      expiresAt: row.expires_at,
    }
  );
}

/** Registers a runner; undefined when the name is taken. */
export async function addRunner(db: Kysely<Database>, runner: NewRunner): Promise<Runner | undefined> {
  const taken = await db
    .selectFrom("runners")
    .select("id")
    .where("name", "=", runner.name)
    .executeTakeFirst();
  if (taken) return undefined;
  const at = now();
  const row: DbRunner = {
    id: await nextValue(db, "runners"),
    name: runner.name,
    repo_id: runner.repoId,
    labels_json: json(runner.labels),
    slots: runner.slots,
    os: runner.os,
    arch: runner.arch,
    version: runner.version,
    token_hash: runner.tokenHash,
    ephemeral: runner.ephemeral ? 1 : 0,
    draining: 0,
    created_at: at,
    last_seen_at: at,
  };
  await db.insertInto("runners").values(row).execute();
  return toRunner(row);
}

export async function getRunner(db: Kysely<Database>, id: number): Promise<Runner | undefined> {
  const row = await db.selectFrom("runners").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toRunner(row);
}

/** The runner whose credential hashes to `hash`. */
export async function findRunnerByToken(db: Kysely<Database>, hash: string): Promise<Runner | undefined> {
  const row = await db.selectFrom("runners").selectAll().where("token_hash", "=", hash).executeTakeFirst();
  return row && toRunner(row);
}

/** A repository's runners (`repoId`), or the server-wide ones (null), or all (undefined); by id. */
export async function listRunners(db: Kysely<Database>, repoId?: number | null): Promise<Runner[]> {
  let q = db.selectFrom("runners").selectAll();
  if (repoId === null) q = q.where("repo_id", "is", null);
  else if (repoId !== undefined) q = q.where("repo_id", "=", repoId);
  return (await q.orderBy("id").execute()).map(toRunner);
}

/** Marks the runner seen now; `draining` when it said so. */
export async function touchRunner(
  db: Kysely<Database>,
  id: number,
  at: string,
  draining?: boolean,
): Promise<void> {
  await db
    .updateTable("runners")
    .set({ last_seen_at: at, ...(draining === undefined ? {} : { draining: draining ? 1 : 0 }) })
    .where("id", "=", id)
    .execute();
}

/** Removes the runner; false when there was none. Its credential stops working with it. */
export async function removeRunner(db: Kysely<Database>, id: number): Promise<boolean> {
  const result = await db.deleteFrom("runners").where("id", "=", id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** The jobs in progress on these runner machines (what each runs now), by id. */
export async function runnersJobs(db: Kysely<Database>, runnerIds: number[]): Promise<Job[]> {
  if (runnerIds.length === 0) return [];
  const rows = await db
    .selectFrom("jobs")
    .select(JOB_COLUMNS)
    .where("status", "=", "in_progress")
    .where("runner_id", "in", runnerIds)
    .orderBy("id")
    .execute();
  return rows.map(toJob);
}
