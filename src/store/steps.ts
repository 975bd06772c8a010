import type { Kysely } from "kysely";
import { serialize } from "./dialect.js";
import { json, toStep } from "./rows.js";
import type { Database } from "./schema.js";
import type { Step } from "./types.js";

export async function putSteps(db: Kysely<Database>, jobId: number, steps: Step[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await serialize(tx, `steps:${jobId}`);
    await tx.deleteFrom("steps").where("job_id", "=", jobId).execute();
    if (steps.length === 0) return;
    await tx
      .insertInto("steps")
      .values(
        steps.map((s) => ({
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
        })),
      )
      .execute();
  });
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
