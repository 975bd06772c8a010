import { type Kysely, sql } from "kysely";
import type { Json } from "../expressions/index.js";
import { JOB_COLUMNS, json, now, toJob } from "./rows.js";
import type { Database, DbJob } from "./schema.js";
import type { Job, JobEvent, RemoteClaim, RemoteJobState, Status } from "./types.js";

/**
 * Jobs handed to runner machines. A job is offered by sealing its request on its row (spec_box);
 * a runner claims it atomically (the row moves from queued to in_progress only once, whoever asks),
 * with a lease that it renews while it runs. Everything it reports carries the lease's id: once the
 * lease was lost and the job given to another, the first runner's word counts no more.
 */

/**
 * Lets runner machines claim the job, which the engine made ready (status queued); with `queued`,
 * the job is made queued with these labels, matrix and name in the same statement.
 */
export async function offerJob(
  db: Kysely<Database>,
  jobId: number,
  specBox: string,
  queued?: Pick<Job, "labels" | "matrix" | "name">,
): Promise<void> {
  await db
    .updateTable("jobs")
    .set({
      spec_box: specBox,
      cancel_requested: 0,
      lease_id: null,
      lease_expires_at: null,
      runner_id: null,
      ...(queued
        ? {
            status: "queued",
            labels_json: json(queued.labels),
            matrix_json: queued.matrix ? json(queued.matrix) : null,
            name: queued.name,
          }
        : {}),
    })
    .where("id", "=", jobId)
    .execute();
}

/** Takes the offer back while nobody claimed the job; false when a runner machine has it. */
export async function withdrawOffer(db: Kysely<Database>, jobId: number): Promise<boolean> {
  const result = await db
    .updateTable("jobs")
    .set({ spec_box: null })
    .where("id", "=", jobId)
    .where("status", "=", "queued")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * The oldest offered job `accept` takes (of the runner's repository, when it has one), claimed for
 * the runner with a new lease; undefined when none is left. The update only succeeds on a row still queued, so of two claimers one wins.
 */
export async function claimOfferedJob(
  db: Kysely<Database>,
  runner: { id: number; name: string; repoId?: number | null },
  accept: (job: Job) => boolean,
  lease: { id: string; expiresAt: string },
): Promise<RemoteClaim | undefined> {
  let after = 0;
  let limit = FIRST_CANDIDATES;
  for (;;) {
    let q = db
      .selectFrom("jobs")
      .select(JOB_COLUMNS)
      .where("status", "=", "queued")
      .where("spec_box", "is not", null)
      .where("id", ">", after);
    // A repository's runner runs that repository's jobs only.
    const repoId = runner.repoId;
    if (repoId != null) {
      q = q.where("run_id", "in", db.selectFrom("runs").select("id").where("repo_id", "=", repoId));
    }
    const rows = await q.orderBy("id").limit(limit).execute();
    if (rows.length === 0) return undefined;
    for (const row of rows) {
      const job = toJob(row);
      if (!accept(job)) continue;
      const startedAt = now();
      // A job claimed before was lost by its runner (or handed back) and offered again: the new
      // lease's reports are stored after the earlier leases' (which stay until the job is closed,
      // so a follower reads what the last runner sent before its release, even after this claim).
      const claimed = await db
        .updateTable("jobs")
        .set({
          status: "in_progress",
          runner_name: runner.name,
          runner_id: runner.id,
          lease_id: lease.id,
          lease_expires_at: lease.expiresAt,
          started_at: startedAt,
          report_base: (eb) =>
            eb
              .selectFrom("job_events")
              .select(sql<number>`coalesce(max(seq) + 1, 0)`.as("base"))
              .where("job_id", "=", job.id),
        })
        .where("id", "=", job.id)
        .where("status", "=", "queued")
        .where("spec_box", "is not", null)
        // The sealed request comes back with the claim: one statement, not two.
        .returning("spec_box")
        .executeTakeFirst();
      if (claimed) {
        return {
          job: { ...job, status: "in_progress", runnerName: runner.name, runnerId: runner.id, startedAt },
          specBox: claimed.spec_box ?? "",
          leaseId: lease.id,
          // Earlier candidates it did not take, or others read beside it.
          othersOffered: after > 0 || rows.length > 1,
        };
      }
    }
    if (rows.length < limit) return undefined;
    after = Number(rows[rows.length - 1].id);
    limit = MORE_CANDIDATES;
  }
}

/** How many offered jobs a claim reads first: the first one is usually taken. */
const FIRST_CANDIDATES = 8;
/** How many it reads at a time after those. */
const MORE_CANDIDATES = 100;

export type LeaseState =
  | { held: false }
  | {
      held: true;
      cancelRequested: boolean;
      job: Job /** When the lease runs out (ISO 8601). */;
      expiresAt: string;
      /** Where the lease's reports begin in job_events (0018's seq, see 0024-report-base). */
      reportBase: number;
    };

/** A lease's row: the job's columns and where its reports begin. */
const LEASE_COLUMNS = [...JOB_COLUMNS, "report_base"] as const;

function heldLease(row: Pick<DbJob, (typeof LEASE_COLUMNS)[number]>): LeaseState {
  return {
    held: true,
    cancelRequested: Number(row.cancel_requested) === 1,
    job: toJob(row),
    expiresAt: row.lease_expires_at ?? "",
    reportBase: Number(row.report_base ?? 0),
  };
}

/** Renews the lease (to `expiresAt`) if it is still the job's; says whether a cancel was asked for. */
export async function renewLease(
  db: Kysely<Database>,
  jobId: number,
  leaseId: string,
  expiresAt?: string,
): Promise<LeaseState> {
  if (expiresAt !== undefined) {
    // Renewed and read in one statement. No row: the lease is not the job's, the job does not run,
    // or its outcome is stored (no expiry: the lease no longer runs out, see appendJobEvents), which
    // the read below tells apart.
    const renewed = await db
      .updateTable("jobs")
      .set({ lease_expires_at: expiresAt })
      .where("id", "=", jobId)
      .where("lease_id", "=", leaseId)
      .where("status", "=", "in_progress")
      .where("lease_expires_at", "is not", null)
      .returning(LEASE_COLUMNS)
      .executeTakeFirst();
    if (renewed) return heldLease(renewed);
  }
  const row = await db
    .selectFrom("jobs")
    .select(LEASE_COLUMNS)
    .where("id", "=", jobId)
    .where("lease_id", "=", leaseId)
    .executeTakeFirst();
  return row && row.status === "in_progress" ? heldLease(row) : { held: false };
}

/**
 * Stores what the runner reported, in order, under a lease still held (by `runnerId`, when given):
 * events already stored (a retried upload) are skipped. Returns the next seq expected (every event
 * below it is stored), or undefined when the lease is not the job's (or that runner's) any more.
 * Events past a gap are refused, not stored.
 *
 * `last`: the batch ends with the job's outcome. Once every event of it is stored, the lease no
 * longer runs out (its expiry is cleared in the same transaction, while the lease is still held):
 * the job has ended on its runner and waits for its follower to close it, so no sweep of expired
 * leases may offer it again in between (it would run twice). The runner's heartbeats keep being
 * answered (renewLease) without giving it an expiry again.
 */
export async function appendJobEvents(
  db: Kysely<Database>,
  jobId: number,
  leaseId: string,
  events: { seq: number; body: Json }[],
  runnerId?: number,
  last = false,
): Promise<number | undefined> {
  if (!last) return storeJobEvents(db, jobId, leaseId, events, runnerId);
  const lastSeq = Math.max(...events.map((e) => e.seq));
  return db
    .transaction()
    .execute(async (tx) => {
      const next = await storeJobEvents(tx, jobId, leaseId, events, runnerId);
      if (next === undefined || next <= lastSeq) return next;
      const ended = await tx
        .updateTable("jobs")
        .set({ lease_expires_at: null })
        .where("id", "=", jobId)
        .where("lease_id", "=", leaseId)
        .where("status", "=", "in_progress")
        .executeTakeFirst();
      // Lost since the look above (another server's sweep): nothing of this batch is kept.
      if (Number(ended.numUpdatedRows) !== 1) throw new LeaseLostMeanwhile();
      return next;
    })
    .catch((err: unknown) => {
      if (err instanceof LeaseLostMeanwhile) return undefined;
      throw err;
    });
}

class LeaseLostMeanwhile extends Error {}

async function storeJobEvents(
  db: Kysely<Database>,
  jobId: number,
  leaseId: string,
  events: { seq: number; body: Json }[],
  runnerId: number | undefined,
): Promise<number | undefined> {
  const lease = await renewLease(db, jobId, leaseId);
  if (!lease.held || (runnerId !== undefined && lease.job.runnerId !== runnerId)) return undefined;
  // The runner numbers the lease's reports from 0; they are stored from the lease's base.
  const base = lease.reportBase;
  let next = await nextSeq(db, jobId);
  const fresh = events.filter((e) => base + e.seq >= next).sort((a, b) => a.seq - b.seq);
  const rows: { job_id: number; seq: number; body_json: string }[] = [];
  for (const e of fresh) {
    if (base + e.seq !== next) break;
    rows.push({ job_id: jobId, seq: next, body_json: json(e.body) });
    next += 1;
  }
  if (rows.length > 0) {
    // A row there already (another server stored the same retry meanwhile) is the same event.
    await db
      .insertInto("job_events")
      .values(rows)
      .onConflict((oc) => oc.columns(["job_id", "seq"]).doNothing())
      .execute();
  }
  // Every event of the lease below `next` is stored now, by this call or before it.
  return next - base;
}

async function nextSeq(db: Kysely<Database>, jobId: number): Promise<number> {
  const row = await db
    .selectFrom("job_events")
    .select((eb) => eb.fn.max("seq").as("last"))
    .where("job_id", "=", jobId)
    .executeTakeFirst();
  return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
}

/** The job's events after `afterSeq` (-1: all), in order, at most `limit`. */
export async function jobEvents(
  db: Kysely<Database>,
  jobId: number,
  afterSeq: number,
  limit = 1000,
): Promise<JobEvent[]> {
  const rows = await db
    .selectFrom("job_events")
    .selectAll()
    .where("job_id", "=", jobId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), body: JSON.parse(r.body_json) as Json }));
}

/** Asks the job's runner to cancel it (it hears so when it next renews its lease). */
export async function requestJobCancel(db: Kysely<Database>, jobId: number): Promise<void> {
  await db.updateTable("jobs").set({ cancel_requested: 1 }).where("id", "=", jobId).execute();
}

/** Jobs on runner machines whose lease ran out before `at`. */
export async function expiredLeases(db: Kysely<Database>, at: string): Promise<Job[]> {
  const rows = await db
    .selectFrom("jobs")
    .select(JOB_COLUMNS)
    .where("status", "=", "in_progress")
    .where("lease_id", "is not", null)
    .where("lease_expires_at", "<", at)
    .orderBy("id")
    .execute();
  return rows.map(toJob);
}

/**
 * Ends the lease if it is still `leaseId` (and, with `expiredBefore`, still runs out before then: a
 * sweep does not end a lease renewed since it looked, nor one whose job's outcome is stored): the
 * job is then offered again (`requeue`) or left to the caller to complete. False when another
 * already ended it (a second server, the runner's own completion): only one of them acts on a lost
 * lease.
 */
export async function endLease(
  db: Kysely<Database>,
  jobId: number,
  leaseId: string,
  requeue: boolean,
  expiredBefore?: string,
): Promise<boolean> {
  let q = db
    .updateTable("jobs")
    .set(
      requeue
        ? { status: "queued", lease_id: null, lease_expires_at: null, runner_id: null, runner_name: null }
        : { lease_id: null, lease_expires_at: null },
    )
    .where("id", "=", jobId)
    .where("lease_id", "=", leaseId);
  if (expiredBefore !== undefined) q = q.where("lease_expires_at", "<", expiredBefore);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Forgets the job's request and reports: it has ended and its outcome is recorded. */
export async function closeRemoteJob(db: Kysely<Database>, jobId: number): Promise<void> {
  await db
    .updateTable("jobs")
    .set({ spec_box: null, lease_id: null, lease_expires_at: null })
    .where("id", "=", jobId)
    .execute();
  await db.deleteFrom("job_events").where("job_id", "=", jobId).execute();
}

/** The job's sealed request while it is offered or runs on a runner machine. */
export async function jobSpec(db: Kysely<Database>, jobId: number): Promise<string | undefined> {
  const row = await db.selectFrom("jobs").select("spec_box").where("id", "=", jobId).executeTakeFirst();
  return row?.spec_box ?? undefined;
}

/** Whether the job is on a runner machine now, and with which lease. */
export async function jobLease(
  db: Kysely<Database>,
  jobId: number,
): Promise<{ leaseId: string; runnerId: number | null } | undefined> {
  const row = await db
    .selectFrom("jobs")
    .select(["lease_id", "runner_id", "status"])
    .where("id", "=", jobId)
    .executeTakeFirst();
  if (!row?.lease_id || row.status !== "in_progress") return undefined;
  return { leaseId: row.lease_id, runnerId: row.runner_id == null ? null : Number(row.runner_id) };
}

/** Where a job stands, as the server following it on a runner machine reads it: one small row. */
export async function remoteJobState(
  db: Kysely<Database>,
  jobId: number,
): Promise<RemoteJobState | undefined> {
  const row = await db
    .selectFrom("jobs")
    .select(["status", "runner_id", "runner_name", "lease_id", "report_base"])
    .where("id", "=", jobId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    status: row.status as Status,
    runnerId: row.runner_id == null ? null : Number(row.runner_id),
    runnerName: row.runner_name,
    // A lease counts while the job runs (as jobLease says it).
    leaseId: row.status === "in_progress" ? (row.lease_id ?? null) : null,
    reportBase: Number(row.report_base ?? 0),
  };
}
