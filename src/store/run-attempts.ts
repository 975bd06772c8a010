import type { Kysely } from "kysely";
import { serialize } from "./dialect.js";
import { json } from "./rows.js";
import type { Database, DbRunAttempt } from "./schema.js";
import type { RunAttempt, RunConclusion, Status } from "./types.js";

export async function putRunAttempt(db: Kysely<Database>, a: RunAttempt): Promise<void> {
  const row: DbRunAttempt = {
    run_id: a.runId,
    attempt: a.attempt,
    status: a.status,
    conclusion: a.conclusion,
    actor: a.actor,
    problems_json: json(a.problems),
    started_at: a.startedAt,
    completed_at: a.completedAt,
    updated_at: a.updatedAt,
  };
  await db.transaction().execute(async (tx) => {
    await serialize(tx, `run_attempts:${a.runId}`);
    await tx
      .deleteFrom("run_attempts")
      .where("run_id", "=", a.runId)
      .where("attempt", "=", a.attempt)
      .execute();
    await tx.insertInto("run_attempts").values(row).execute();
  });
}

export async function getRunAttempt(
  db: Kysely<Database>,
  runId: number,
  attempt: number,
): Promise<RunAttempt | undefined> {
  const r = await db
    .selectFrom("run_attempts")
    .selectAll()
    .where("run_id", "=", runId)
    .where("attempt", "=", attempt)
    .executeTakeFirst();
  if (!r) return undefined;
  let problems: string[] = [];
  try {
    problems = JSON.parse(r.problems_json) as string[];
  } catch {
    // a row cut short: no problems shown
  }
  return {
    runId: Number(r.run_id),
    attempt: Number(r.attempt),
    status: r.status as Status,
    conclusion: r.conclusion as RunConclusion | null,
    actor: r.actor,
    problems,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    updatedAt: r.updated_at,
  };
}
