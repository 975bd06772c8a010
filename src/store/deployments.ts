import type { Kysely } from "kysely";
import type { Json } from "../expressions/index.js";
import { json, now } from "./rows.js";
import type { Database, DbDeployment, DbDeploymentStatus } from "./schema.js";
import { nextValue } from "./sequences.js";
import {
  DEPLOYMENT_STATES,
  type Deployment,
  type DeploymentFilter,
  type DeploymentState,
  type DeploymentStatus,
  type NewDeployment,
  type NewDeploymentStatus,
} from "./types.js";

const keyOf = (name: string) => name.toLowerCase();

function stateOf(text: string): DeploymentState {
  return (DEPLOYMENT_STATES as readonly string[]).includes(text) ? (text as DeploymentState) : "error";
}

function toDeployment(r: DbDeployment): Deployment {
  let payload: Json;
  try {
    payload = JSON.parse(r.payload_json) as Json;
  } catch {
    payload = {};
  }
  return {
    id: Number(r.id),
    repoId: Number(r.repo_id),
    sha: r.sha,
    ref: r.ref,
    fullRef: r.full_ref,
    task: r.task,
    payload,
    environment: r.environment,
    originalEnvironment: r.original_environment,
    description: r.description,
    creator: { login: r.creator_login, id: r.creator_id === null ? null : Number(r.creator_id) },
    transientEnvironment: Number(r.transient_environment) === 1,
    productionEnvironment: Number(r.production_environment) === 1,
    state: r.state === null ? null : stateOf(r.state),
    runId: r.run_id === null ? null : Number(r.run_id),
    runAttempt: r.run_attempt === null ? null : Number(r.run_attempt),
    jobKey: r.job_key,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toStatus(r: DbDeploymentStatus): DeploymentStatus {
  return {
    id: Number(r.id),
    deploymentId: Number(r.deployment_id),
    state: stateOf(r.state),
    description: r.description,
    environment: r.environment,
    environmentUrl: r.environment_url,
    logUrl: r.log_url,
    creator: { login: r.creator_login, id: r.creator_id === null ? null : Number(r.creator_id) },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function createDeployment(db: Kysely<Database>, d: NewDeployment): Promise<Deployment> {
  const at = now();
  const row: DbDeployment = {
    id: await nextValue(db, "deployments"),
    repo_id: d.repoId,
    sha: d.sha,
    ref: d.ref,
    full_ref: d.fullRef,
    task: d.task,
    payload_json: json(d.payload),
    environment: d.environment,
    environment_key: keyOf(d.environment),
    original_environment: d.originalEnvironment,
    description: d.description,
    creator_login: d.creator.login,
    creator_id: d.creator.id,
    transient_environment: d.transientEnvironment ? 1 : 0,
    production_environment: d.productionEnvironment ? 1 : 0,
    state: null,
    run_id: d.runId,
    run_attempt: d.runAttempt,
    job_key: d.jobKey,
    created_at: at,
    updated_at: at,
  };
  await db.insertInto("deployments").values(row).execute();
  return toDeployment(row);
}

export async function getDeployment(
  db: Kysely<Database>,
  repoId: number,
  id: number,
): Promise<Deployment | undefined> {
  const row = await db
    .selectFrom("deployments")
    .selectAll()
    .where("repo_id", "=", repoId)
    .where("id", "=", id)
    .executeTakeFirst();
  return row && toDeployment(row);
}

/** Newest first, as GitHub lists them. */
export async function listDeployments(
  db: Kysely<Database>,
  filter: DeploymentFilter,
): Promise<{ total: number; deployments: Deployment[] }> {
  let q = db.selectFrom("deployments").where("repo_id", "=", filter.repoId);
  if (filter.sha !== undefined) q = q.where("sha", "=", filter.sha);
  if (filter.ref !== undefined) q = q.where("ref", "=", filter.ref);
  if (filter.task !== undefined) q = q.where("task", "=", filter.task);
  if (filter.environment !== undefined) q = q.where("environment_key", "=", keyOf(filter.environment));
  const counted = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
  const perPage = filter.perPage ?? 30;
  const page = filter.page ?? 1;
  const rows = await q
    .selectAll()
    .orderBy("id", "desc")
    .limit(perPage)
    .offset((page - 1) * perPage)
    .execute();
  return { total: Number(counted?.n ?? 0), deployments: rows.map(toDeployment) };
}

/** How many deployments a repository has. */
export async function countDeployments(db: Kysely<Database>, repoId: number): Promise<number> {
  const row = await db
    .selectFrom("deployments")
    .where("repo_id", "=", repoId)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Removes a deployment with its statuses: false when there is none. */
export async function removeDeployment(db: Kysely<Database>, repoId: number, id: number): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const found = await tx
      .selectFrom("deployments")
      .select("id")
      .where("repo_id", "=", repoId)
      .where("id", "=", id)
      .executeTakeFirst();
    if (!found) return false;
    await tx.deleteFrom("deployment_statuses").where("deployment_id", "=", id).execute();
    await tx.deleteFrom("deployments").where("id", "=", id).execute();
    return true;
  });
}

async function insertStatus(
  tx: Kysely<Database>,
  status: NewDeploymentStatus,
  at: string,
): Promise<DeploymentStatus> {
  const row: DbDeploymentStatus = {
    id: await nextValue(tx, "deployment_statuses"),
    deployment_id: status.deploymentId,
    state: status.state,
    description: status.description,
    environment: status.environment,
    environment_url: status.environmentUrl,
    log_url: status.logUrl,
    creator_login: status.creator.login,
    creator_id: status.creator.id,
    created_at: at,
    updated_at: at,
  };
  await tx.insertInto("deployment_statuses").values(row).execute();
  await tx
    .updateTable("deployments")
    .set({
      state: status.state,
      environment: status.environment,
      environment_key: keyOf(status.environment),
      updated_at: at,
    })
    .where("id", "=", status.deploymentId)
    .execute();
  return toStatus(row);
}

/**
 * Adds a status to a deployment (its environment becomes the status's, its state the status's).
 * `inactivatePrevious` (GitHub's auto_inactive), on a success: every other non-transient deployment
 * of the repository in the same environment whose latest state is success gets an `inactive`
 * status by the same creator, in the same transaction; those come back too.
 */
export async function addDeploymentStatus(
  db: Kysely<Database>,
  status: NewDeploymentStatus,
  inactivatePrevious: boolean,
): Promise<{
  status: DeploymentStatus;
  inactivated: Array<{ deployment: Deployment; status: DeploymentStatus }>;
}> {
  return db.transaction().execute(async (tx) => {
    const at = now();
    const added = await insertStatus(tx, status, at);
    const inactivated: Array<{ deployment: Deployment; status: DeploymentStatus }> = [];
    if (inactivatePrevious && status.state === "success") {
      const self = await tx
        .selectFrom("deployments")
        .selectAll()
        .where("id", "=", status.deploymentId)
        .executeTakeFirstOrThrow();
      const previous = await tx
        .selectFrom("deployments")
        .selectAll()
        .where("repo_id", "=", self.repo_id)
        .where("environment_key", "=", self.environment_key)
        .where("id", "!=", self.id)
        .where("transient_environment", "=", 0)
        .where("state", "=", "success")
        .orderBy("id")
        .execute();
      for (const prev of previous) {
        const s = await insertStatus(
          tx,
          {
            deploymentId: Number(prev.id),
            state: "inactive",
            description: "",
            environment: prev.environment,
            environmentUrl: "",
            logUrl: "",
            creator: status.creator,
          },
          at,
        );
        inactivated.push({
          deployment: toDeployment({ ...prev, state: "inactive", updated_at: at }),
          status: s,
        });
      }
    }
    return { status: added, inactivated };
  });
}

/** A deployment's statuses, newest first, as GitHub lists them. */
export async function listDeploymentStatuses(
  db: Kysely<Database>,
  deploymentId: number,
  page = 1,
  perPage = 30,
): Promise<{ total: number; statuses: DeploymentStatus[] }> {
  const q = db.selectFrom("deployment_statuses").where("deployment_id", "=", deploymentId);
  const counted = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
  const rows = await q
    .selectAll()
    .orderBy("id", "desc")
    .limit(perPage)
    .offset((page - 1) * perPage)
    .execute();
  return { total: Number(counted?.n ?? 0), statuses: rows.map(toStatus) };
}

export async function getDeploymentStatus(
  db: Kysely<Database>,
  deploymentId: number,
  id: number,
): Promise<DeploymentStatus | undefined> {
  const row = await db
    .selectFrom("deployment_statuses")
    .selectAll()
    .where("deployment_id", "=", deploymentId)
    .where("id", "=", id)
    .executeTakeFirst();
  return row && toStatus(row);
}
