import type { Kysely } from "kysely";
import { serialize } from "./dialect.js";
import { updateJob } from "./jobs.js";
import { json, toStep } from "./rows.js";
import type { Database } from "./schema.js";
import type { JobPatch, Step } from "./types.js";

/** Replaces the steps of a job and, with `job`, changes its row: one transaction. */
export async function putSteps(
  db: Kysely<Database>,
  jobId: number,
  steps: Step[],
  job?: JobPatch,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await serialize(tx, `steps:${jobId}`);
    if (job) await updateJob(tx, jobId, job);
    await tx.deleteFrom("steps").where("job_id", "=", jobId).execute();
    if (steps.length === 0) return;
    await tx.insertInto("steps").values(stepRows(jobId, steps)).execute();
  });
}

/**
 * Writes steps of a job over those with the same numbers, adding the others, and leaves any
 * numbered past them: one statement (a running job's steps, which only grow, written again as
 * each starts and ends).
 */
export async function overwriteSteps(db: Kysely<Database>, jobId: number, steps: Step[]): Promise<void> {
  if (steps.length === 0) return;
  await db
    .insertInto("steps")
    .values(stepRows(jobId, steps))
    .onConflict((oc) =>
      oc.columns(["job_id", "number"]).doUpdateSet((eb) => ({
        step_id: eb.ref("excluded.step_id"),
        name: eb.ref("excluded.name"),
        status: eb.ref("excluded.status"),
        outcome: eb.ref("excluded.outcome"),
        conclusion: eb.ref("excluded.conclusion"),
        outputs_json: eb.ref("excluded.outputs_json"),
        started_at: eb.ref("excluded.started_at"),
        completed_at: eb.ref("excluded.completed_at"),
      })),
    )
    .execute();
}

function stepRows(jobId: number, steps: Step[]) {
  return steps.map((s) => ({
    job_id: jobId,
    number: s.number,
    step_id: s.stepId,
    name: s.name,
    status: s.status,
    outcome: s.outcome,
    conclusion: s.conclusion,
    outputs_json: json(s.outputs),
    started_at: s.startedAt,
    completed_at: s.completedAt,
  }));
}

export async function listSteps(db: Kysely<Database>, jobId: number): Promise<Step[]> {
  const rows = await db
    .selectFrom("steps")
    .selectAll()
    .where("job_id", "=", jobId)
    .orderBy("number")
    .execute();
  return rows.map(toStep);
}
