import type { Kysely } from "kysely";
import { isUniqueViolation, json } from "./rows.js";
import type { Database, DbDeploymentGate, DbDeploymentReview } from "./schema.js";
import { nextValue } from "./sequences.js";
import type { DeploymentGate, DeploymentReview, GateState } from "./types.js";

const STATES: readonly string[] = ["waiting", "approved", "rejected", "expired"];

function toGate(r: DbDeploymentGate): DeploymentGate {
  return {
    id: Number(r.id),
    repoId: Number(r.repo_id),
    runId: Number(r.run_id),
    runAttempt: Number(r.run_attempt),
    environmentId: Number(r.environment_id),
    environment: r.environment,
    waitTimer: Number(r.wait_timer),
    needsReview: Number(r.needs_review) === 1,
    state: STATES.includes(r.state) ? (r.state as GateState) : "waiting",
    bypass: Number(r.bypass) === 1,
    startedAt: r.started_at,
    decidedAt: r.decided_at,
  };
}

function toReview(r: DbDeploymentReview): DeploymentReview {
  return {
    id: Number(r.id),
    repoId: Number(r.repo_id),
    runId: Number(r.run_id),
    runAttempt: Number(r.run_attempt),
    state: r.state === "rejected" ? "rejected" : "approved",
    userId: Number(r.user_id),
    userLogin: r.user_login,
    comment: r.comment,
    bypass: Number(r.bypass) === 1,
    environments: JSON.parse(r.environments_json) as DeploymentReview["environments"],
    createdAt: r.created_at,
  };
}

export type NewDeploymentGate = Omit<DeploymentGate, "id" | "state" | "bypass" | "decidedAt">;

function findGate(db: Kysely<Database>, runId: number, runAttempt: number, environmentId: number) {
  return db
    .selectFrom("deployment_gates")
    .selectAll()
    .where("run_id", "=", runId)
    .where("run_attempt", "=", runAttempt)
    .where("environment_id", "=", environmentId)
    .executeTakeFirst();
}

/**
 * The attempt's gate for the environment: the one there is (its state and start kept: a restart,
 * a later job of the attempt), else this one, added waiting. Of two legs adding it at once, one adds.
 */
export async function openGate(db: Kysely<Database>, gate: NewDeploymentGate): Promise<DeploymentGate> {
  const found = await findGate(db, gate.runId, gate.runAttempt, gate.environmentId);
  if (found) return toGate(found);
  const row: DbDeploymentGate = {
    id: await nextValue(db, "deployment_gates"),
    repo_id: gate.repoId,
    run_id: gate.runId,
    run_attempt: gate.runAttempt,
    environment_id: gate.environmentId,
    environment: gate.environment,
    wait_timer: gate.waitTimer,
    needs_review: gate.needsReview ? 1 : 0,
    state: "waiting",
    bypass: 0,
    started_at: gate.startedAt,
    decided_at: null,
  };
  try {
    await db.insertInto("deployment_gates").values(row).execute();
    return toGate(row);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const raced = await findGate(db, gate.runId, gate.runAttempt, gate.environmentId);
    if (!raced) throw err;
    return toGate(raced);
  }
}

export async function getGate(db: Kysely<Database>, id: number): Promise<DeploymentGate | undefined> {
  const row = await db.selectFrom("deployment_gates").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toGate(row);
}

/** A run's gates (of one attempt, or of every attempt), by id. */
export async function listGates(
  db: Kysely<Database>,
  runId: number,
  runAttempt?: number,
): Promise<DeploymentGate[]> {
  let q = db.selectFrom("deployment_gates").selectAll().where("run_id", "=", runId);
  if (runAttempt !== undefined) q = q.where("run_attempt", "=", runAttempt);
  return (await q.orderBy("id").execute()).map(toGate);
}

class Undecided extends Error {}

/**
 * A review of the attempt's gates for these environments: each goes from waiting to the review's
 * state (bypass marks them), and the review is kept, in one transaction. Undefined (nothing
 * changed) unless every one of them was waiting: of two reviews at once, one decides.
 */
export async function decideGates(
  db: Kysely<Database>,
  review: Omit<DeploymentReview, "id">,
): Promise<DeploymentReview | undefined> {
  const ids = review.environments.map((e) => e.id);
  if (ids.length === 0) return undefined;
  try {
    return await db.transaction().execute(async (tx) => {
      const done = await tx
        .updateTable("deployment_gates")
        .set({ state: review.state, bypass: review.bypass ? 1 : 0, decided_at: review.createdAt })
        .where("run_id", "=", review.runId)
        .where("run_attempt", "=", review.runAttempt)
        .where("environment_id", "in", ids)
        .where("state", "=", "waiting")
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== new Set(ids).size) throw new Undecided();
      const row: DbDeploymentReview = {
        id: await nextValue(tx, "deployment_reviews"),
        repo_id: review.repoId,
        run_id: review.runId,
        run_attempt: review.runAttempt,
        state: review.state,
        user_id: review.userId,
        user_login: review.userLogin,
        comment: review.comment,
        bypass: review.bypass ? 1 : 0,
        environments_json: json(review.environments),
        created_at: review.createdAt,
      };
      await tx.insertInto("deployment_reviews").values(row).execute();
      return toReview(row);
    });
  } catch (err) {
    if (err instanceof Undecided) return undefined;
    throw err;
  }
}

/** A gate that waited 30 days for a decision: expired, unless it was decided meanwhile. */
export async function expireGate(db: Kysely<Database>, id: number, at: string): Promise<boolean> {
  const done = await db
    .updateTable("deployment_gates")
    .set({ state: "expired", decided_at: at })
    .where("id", "=", id)
    .where("state", "=", "waiting")
    .executeTakeFirst();
  return Number(done.numUpdatedRows) > 0;
}

/** A run's reviews (every attempt's), oldest first. */
export async function listReviews(db: Kysely<Database>, runId: number): Promise<DeploymentReview[]> {
  const rows = await db
    .selectFrom("deployment_reviews")
    .selectAll()
    .where("run_id", "=", runId)
    .orderBy("id")
    .execute();
  return rows.map(toReview);
}
