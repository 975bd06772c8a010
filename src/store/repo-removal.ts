import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * Removes a repository and everything the store keeps of it, in one transaction: its runs with
 * their jobs and steps, its pull requests, what its triggers remember and its hooks with their deliveries,
 * its collaborators and its jobs' tokens, its Actions secrets and variables, its environments,
 * its runs' deployment gates and reviews, its deployments with their statuses. The ids of the runs it
 * had come back, for the files kept beside the store (logs, notes, artifacts). Webhook deliveries
 * are kept by forge and id, not by repository, and age out on their own.
 */
export async function removeRepo(db: Kysely<Database>, id: number): Promise<{ runIds: number[] }> {
  return db.transaction().execute(async (tx) => {
    const runs = tx.selectFrom("runs").select("id").where("repo_id", "=", id);
    const runIds = (await runs.execute()).map((r) => Number(r.id));
    const jobs = tx.selectFrom("jobs").select("id").where("run_id", "in", runs);
    await tx.deleteFrom("steps").where("job_id", "in", jobs).execute();
    await tx.deleteFrom("jobs").where("run_id", "in", runs).execute();
    await tx.deleteFrom("run_attempts").where("run_id", "in", runs).execute();
    await tx.deleteFrom("runs").where("repo_id", "=", id).execute();
    await tx.deleteFrom("run_counts").where("repo_id", "=", id).execute();
    await tx.deleteFrom("pull_requests").where("repo_id", "=", id).execute();
    await tx.deleteFrom("trigger_state").where("repo_id", "=", id).execute();
    const hooks = tx.selectFrom("repo_hooks").select("id").where("repo_id", "=", id);
    await tx.deleteFrom("hook_deliveries").where("hook_id", "in", hooks).execute();
    await tx.deleteFrom("repo_hooks").where("repo_id", "=", id).execute();
    await tx.deleteFrom("collaborators").where("repo_id", "=", id).execute();
    await tx.deleteFrom("tokens").where("repo_id", "=", id).execute();
    // Its secrets and variables (its environments' too); repo_id 0 is the server-wide scope.
    if (id !== 0) {
      await tx.deleteFrom("actions_secrets").where("repo_id", "=", id).execute();
      await tx.deleteFrom("actions_variables").where("repo_id", "=", id).execute();
    }
    const environments = tx.selectFrom("environments").select("id").where("repo_id", "=", id);
    await tx.deleteFrom("environment_ref_policies").where("environment_id", "in", environments).execute();
    await tx.deleteFrom("environments").where("repo_id", "=", id).execute();
    await tx.deleteFrom("deployment_gates").where("repo_id", "=", id).execute();
    await tx.deleteFrom("deployment_reviews").where("repo_id", "=", id).execute();
    const deployments = tx.selectFrom("deployments").select("id").where("repo_id", "=", id);
    await tx.deleteFrom("deployment_statuses").where("deployment_id", "in", deployments).execute();
    await tx.deleteFrom("deployments").where("repo_id", "=", id).execute();
    await tx.deleteFrom("repos").where("id", "=", id).execute();
    return { runIds };
  });
}
