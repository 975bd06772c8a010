import type { Kysely } from "kysely";
import { json, now } from "./rows.js";
import type { Database, DbHookDelivery, DbRepoHook } from "./schema.js";
import { nextValue } from "./sequences.js";
import type {
  HookDelivery,
  HookDeliveryPatch,
  NewHookDelivery,
  NewRepoHook,
  RepoHook,
  RepoHookPatch,
} from "./types.js";

export function toHook(r: DbRepoHook): RepoHook {
  return {
    id: Number(r.id),
    repoId: Number(r.repo_id),
    url: r.url,
    contentType: r.content_type === "form" ? "form" : "json",
    secretSealed: r.secret_sealed,
    events: JSON.parse(r.events_json) as string[],
    active: Number(r.active) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toDelivery(r: DbHookDelivery): HookDelivery {
  return {
    id: Number(r.id),
    hookId: Number(r.hook_id),
    guid: r.guid,
    event: r.event,
    action: r.action,
    payload: r.payload,
    status: r.status as HookDelivery["status"],
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    statusCode: r.status_code === null ? null : Number(r.status_code),
    error: r.error,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  };
}

export async function addHook(db: Kysely<Database>, hook: NewRepoHook): Promise<RepoHook> {
  const at = now();
  const row: DbRepoHook = {
    id: await nextValue(db, "repo_hooks"),
    repo_id: hook.repoId,
    url: hook.url,
    content_type: hook.contentType,
    secret_sealed: hook.secretSealed,
    events_json: json(hook.events),
    active: hook.active ? 1 : 0,
    created_at: at,
    updated_at: at,
  };
  await db.insertInto("repo_hooks").values(row).execute();
  return toHook(row);
}

export async function getHook(db: Kysely<Database>, id: number): Promise<RepoHook | undefined> {
  const row = await db.selectFrom("repo_hooks").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toHook(row);
}

export async function listHooks(db: Kysely<Database>, repoId: number): Promise<RepoHook[]> {
  const rows = await db
    .selectFrom("repo_hooks")
    .selectAll()
    .where("repo_id", "=", repoId)
    .orderBy("id")
    .execute();
  return rows.map(toHook);
}

export async function updateHook(db: Kysely<Database>, id: number, patch: RepoHookPatch): Promise<void> {
  const set: Partial<DbRepoHook> = { updated_at: now() };
  if (patch.url !== undefined) set.url = patch.url;
  if (patch.contentType !== undefined) set.content_type = patch.contentType;
  if (patch.secretSealed !== undefined) set.secret_sealed = patch.secretSealed;
  if (patch.events !== undefined) set.events_json = json(patch.events);
  if (patch.active !== undefined) set.active = patch.active ? 1 : 0;
  await db.updateTable("repo_hooks").set(set).where("id", "=", id).execute();
}

/** Removes a hook with its delivery log. */
export async function removeHook(db: Kysely<Database>, id: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom("hook_deliveries").where("hook_id", "=", id).execute();
    await tx.deleteFrom("repo_hooks").where("id", "=", id).execute();
  });
}

export async function addHookDelivery(db: Kysely<Database>, d: NewHookDelivery): Promise<HookDelivery> {
  const row: DbHookDelivery = {
    id: await nextValue(db, "hook_deliveries"),
    hook_id: d.hookId,
    guid: d.guid,
    event: d.event,
    action: d.action,
    payload: d.payload,
    status: "pending",
    attempts: 0,
    next_attempt_at: d.nextAttemptAt,
    status_code: null,
    error: null,
    duration_ms: null,
    created_at: now(),
    delivered_at: null,
  };
  await db.insertInto("hook_deliveries").values(row).execute();
  return toDelivery(row);
}

/** A hook's deliveries, newest first. */
export async function listHookDeliveries(
  db: Kysely<Database>,
  hookId: number,
  limit: number,
): Promise<HookDelivery[]> {
  const rows = await db
    .selectFrom("hook_deliveries")
    .selectAll()
    .where("hook_id", "=", hookId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(toDelivery);
}

export async function getHookDelivery(
  db: Kysely<Database>,
  hookId: number,
  id: number,
): Promise<HookDelivery | undefined> {
  const row = await db
    .selectFrom("hook_deliveries")
    .selectAll()
    .where("hook_id", "=", hookId)
    .where("id", "=", id)
    .executeTakeFirst();
  return row && toDelivery(row);
}

/** Pending deliveries whose next attempt is due at `at`, oldest first. */
export async function dueHookDeliveries(
  db: Kysely<Database>,
  at: string,
  limit: number,
): Promise<HookDelivery[]> {
  const rows = await db
    .selectFrom("hook_deliveries")
    .selectAll()
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", at)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(toDelivery);
}

/**
 * Takes a due delivery for one attempt: moves its next attempt from `due` to `until` only when no
 * other server took it first (true then), so two servers on one database never send it together.
 */
export async function claimHookDelivery(
  db: Kysely<Database>,
  id: number,
  due: string,
  until: string,
): Promise<boolean> {
  const result = await db
    .updateTable("hook_deliveries")
    .set({ next_attempt_at: until })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .where("next_attempt_at", "=", due)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function updateHookDelivery(
  db: Kysely<Database>,
  id: number,
  patch: HookDeliveryPatch,
): Promise<void> {
  const set: Partial<DbHookDelivery> = {};
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.attempts !== undefined) set.attempts = patch.attempts;
  if (patch.nextAttemptAt !== undefined) set.next_attempt_at = patch.nextAttemptAt;
  if (patch.statusCode !== undefined) set.status_code = patch.statusCode;
  if (patch.error !== undefined) set.error = patch.error;
  if (patch.durationMs !== undefined) set.duration_ms = patch.durationMs;
  if (patch.deliveredAt !== undefined) set.delivered_at = patch.deliveredAt;
  await db.updateTable("hook_deliveries").set(set).where("id", "=", id).execute();
}
