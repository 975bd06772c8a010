import { type Kysely, sql, type UpdateObject } from "kysely";
import { JOB_COLUMNS, json, now, toJob } from "./rows.js";
import type { Database, DbJob } from "./schema.js";
import { advanceValue, nextValue } from "./sequences.js";
import type { Job, JobPatch, NewJob, QueuedJob } from "./types.js";

/** A new job's columns but its id and created_at (putJob, addJobs). */
function jobFields(job: NewJob) {
  return {
    name: job.name,
    status: job.status ?? "queued",
    conclusion: job.conclusion ?? null,
    matrix_json: job.matrix ? json(job.matrix) : null,
    outputs_json: json(job.outputs ?? {}),
    log_path: job.logPath ?? null,
    started_at: job.startedAt ?? null,
    completed_at: job.completedAt ?? null,
    runner_name: null,
    failure_reason: null,
    spec_box: null,
    runner_id: null,
    lease_id: null,
    lease_expires_at: null,
    cancel_requested: 0,
  };
}

export async function putJob(db: Kysely<Database>, job: NewJob, known?: Job | null): Promise<Job> {
  const existing = known === undefined ? await findJob(db, job.runId, job.runAttempt, job.key) : known;
  const fields = jobFields(job);
  if (existing) {
    // Runs again: the lost-runner count stays, so retries stop where the config says.
    await db.updateTable("jobs").set(fields).where("id", "=", existing.id).execute();
    // What a runner machine reported of it before is not the new start's (a claim of a job never
    // claimed since it was made or reset finds none: remote-jobs.ts claimOfferedJob).
    await db.deleteFrom("job_events").where("job_id", "=", existing.id).execute();
    return (await getJob(db, existing.id)) as Job;
  }
  const row: DbJob = {
    id: await nextValue(db, "jobs"),
    run_id: job.runId,
    run_attempt: job.runAttempt,
    job_key: job.key,
    labels_json: "[]",
    lost_count: 0,
    created_at: now(),
    ...fields,
  };
  await db.insertInto("jobs").values(row).execute();
  return toJob(row);
}

/** How many rows one insert of addJobs holds (each binds 20 values; SQLite's limit is 32,766). */
const ADD_JOBS_ROWS = 200;

/**
 * New jobs (none of them in the store yet), their ids taken in one step of the sequence and in
 * their order: the rows as putJob would make them one by one, in a statement or two rather than
 * two each (a matrix's legs, queued at once).
 */
export async function addJobs(db: Kysely<Database>, list: NewJob[]): Promise<Job[]> {
  if (list.length === 0) return [];
  const last = await advanceValue(db, "jobs", list.length);
  const created = now();
  const rows: DbJob[] = list.map((job, i) => ({
    id: last - list.length + 1 + i,
    run_id: job.runId,
    run_attempt: job.runAttempt,
    job_key: job.key,
    labels_json: "[]",
    lost_count: 0,
    created_at: created,
    ...jobFields(job),
  }));
  for (let i = 0; i < rows.length; i += ADD_JOBS_ROWS)
    await db
      .insertInto("jobs")
      .values(rows.slice(i, i + ADD_JOBS_ROWS))
      .execute();
  return rows.map(toJob);
}

export async function getJob(db: Kysely<Database>, id: number): Promise<Job | undefined> {
  const row = await db.selectFrom("jobs").select(JOB_COLUMNS).where("id", "=", id).executeTakeFirst();
  return row && toJob(row);
}

export async function findJob(
  db: Kysely<Database>,
  runId: number,
  runAttempt: number,
  key: string,
): Promise<Job | undefined> {
  const row = await db
    .selectFrom("jobs")
    .select(JOB_COLUMNS)
    .where("run_id", "=", runId)
    .where("run_attempt", "=", runAttempt)
    .where("job_key", "=", key)
    .executeTakeFirst();
  return row && toJob(row);
}

export async function listJobs(db: Kysely<Database>, runId: number, runAttempt: number): Promise<Job[]> {
  const rows = await db
    .selectFrom("jobs")
    .select(JOB_COLUMNS)
    .where("run_id", "=", runId)
    .where("run_attempt", "=", runAttempt)
    .orderBy("id")
    .execute();
  return rows.map(toJob);
}

export async function updateJob(db: Kysely<Database>, id: number, patch: JobPatch): Promise<void> {
  const set: UpdateObject<Database, "jobs"> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.conclusion !== undefined) set.conclusion = patch.conclusion;
  if (patch.matrix !== undefined) set.matrix_json = patch.matrix ? json(patch.matrix) : null;
  if (patch.outputs !== undefined) set.outputs_json = json(patch.outputs);
  if (patch.labels !== undefined) set.labels_json = json(patch.labels);
  if (patch.runnerName !== undefined) set.runner_name = patch.runnerName;
  if (patch.failureReason !== undefined) set.failure_reason = patch.failureReason;
  if (patch.lostCount !== undefined) set.lost_count = patch.lostCount;
  if (patch.logPath !== undefined) set.log_path = patch.logPath;
  if (patch.startedAt !== undefined) set.started_at = patch.startedAt;
  if (patch.completedAt !== undefined) set.completed_at = patch.completedAt;
  if (patch.startedAtIfUnset !== undefined && patch.startedAt === undefined)
    set.started_at = sql<string>`coalesce(started_at, ${patch.startedAtIfUnset})`;
  if (Object.keys(set).length === 0) return;
  await db.updateTable("jobs").set(set).where("id", "=", id).execute();
}

/**
 * A job queued and claimed by the runner at once, in one statement: what updateJob with `queued`
 * and status queued, then claimJob taking it, leave in the row (in_progress on the runner, started
 * now). For a runner that takes the job as it is queued, with no other job waiting for it; the
 * job as it stands after, or undefined when it is gone.
 */
export async function startJob(
  db: Kysely<Database>,
  id: number,
  runnerName: string,
  queued: QueuedJob,
): Promise<Job | undefined> {
  const row = await db
    .updateTable("jobs")
    .set({
      name: queued.name,
      matrix_json: queued.matrix ? json(queued.matrix) : null,
      labels_json: json(queued.labels),
      status: "in_progress",
      runner_name: runnerName,
      started_at: now(),
    })
    .where("id", "=", id)
    .returning(JOB_COLUMNS)
    .executeTakeFirst();
  return row && toJob(row);
}

/**
 * Claims this job for the runner if it is queued, in one statement: what claimJob does to the job
 * it takes, for a claimer that knows which job it takes (no other claimer would take it). The job
 * as it stands after; undefined when it is not queued (claimed, cancelled, gone).
 */
export async function claimQueuedJob(
  db: Kysely<Database>,
  id: number,
  runnerName: string,
): Promise<Job | undefined> {
  const row = await db
    .updateTable("jobs")
    .set({ status: "in_progress", runner_name: runnerName, started_at: now() })
    .where("id", "=", id)
    .where("status", "=", "queued")
    .returning(JOB_COLUMNS)
    .executeTakeFirst();
  return row && toJob(row);
}

/** How many queued jobs a claim reads first: the first one is usually taken. */
const FIRST_CANDIDATES = 8;
/** How many it reads at a time after those. */
const MORE_CANDIDATES = 100;

/**
 * Candidates in queue order; the first one `accept` takes and no other claimer took first is
 * claimed. A few are read first (reading 100 rows to take the first cost 3.6 ms a claim with
 * 1,000 jobs queued), then 100 at a time.
 */
export async function claimJob(
  db: Kysely<Database>,
  runnerName: string,
  accept: (job: Job) => boolean,
): Promise<Job | undefined> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom("jobs")
      .select(JOB_COLUMNS)
      .where("status", "=", "queued")
      .where("id", ">", after)
      .orderBy("id")
      .limit(after === 0 ? FIRST_CANDIDATES : MORE_CANDIDATES)
      .execute();
    if (rows.length === 0) return undefined;
    for (const row of rows) {
      const job = toJob(row);
      if (!accept(job)) continue;
      const startedAt = now();
      const result = await db
        .updateTable("jobs")
        .set({ status: "in_progress", runner_name: runnerName, started_at: startedAt })
        .where("id", "=", job.id)
        .where("status", "=", "queued")
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) {
        return { ...job, status: "in_progress", runnerName, startedAt };
      }
    }
    after = Number(rows[rows.length - 1].id);
  }
}
