import type { Kysely } from "kysely";
import { now, toCollaborator, toUser } from "./rows.js";
import type { Database } from "./schema.js";
import { nextValue } from "./sequences.js";
import type { Collaborator, NewUser, User, UserPatch } from "./types.js";

export async function addUser(db: Kysely<Database>, user: NewUser): Promise<User> {
  const at = now();
  const row = {
    id: await nextValue(db, "users"),
    login: user.login,
    login_key: user.login.toLowerCase(),
    email: user.email ?? null,
    site_admin: user.siteAdmin ? 1 : 0,
    suspended_at: null,
    created_at: at,
    updated_at: at,
  };
  await db.insertInto("users").values(row).execute();
  return toUser(row);
}

/** A user by login, without regard to case. */
export async function getUser(db: Kysely<Database>, login: string): Promise<User | undefined> {
  const row = await db
    .selectFrom("users")
    .selectAll()
    .where("login_key", "=", login.toLowerCase())
    .executeTakeFirst();
  return row && toUser(row);
}

export async function getUserById(db: Kysely<Database>, id: number): Promise<User | undefined> {
  const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toUser(row);
}

/** Users in the order they were made, after the id `since` (GitHub's paging of GET /users). */
export async function listUsers(db: Kysely<Database>, since: number, limit: number): Promise<User[]> {
  const rows = await db
    .selectFrom("users")
    .selectAll()
    .where("id", ">", since)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(toUser);
}

export async function updateUser(db: Kysely<Database>, id: number, patch: UserPatch): Promise<void> {
  await db
    .updateTable("users")
    .set({
      ...(patch.email !== undefined ? { email: patch.email } : {}),
      ...(patch.siteAdmin !== undefined ? { site_admin: patch.siteAdmin ? 1 : 0 } : {}),
      ...(patch.suspendedAt !== undefined ? { suspended_at: patch.suspendedAt } : {}),
      updated_at: now(),
    })
    .where("id", "=", id)
    .execute();
}

/** Removes a user with their tokens and their places on repositories, in one transaction. */
export async function removeUser(db: Kysely<Database>, id: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom("tokens").where("user_id", "=", id).execute();
    await tx.deleteFrom("collaborators").where("user_id", "=", id).execute();
    await tx.deleteFrom("users").where("id", "=", id).execute();
  });
}

/** Gives a user a role on a repository, or changes it. */
export async function putCollaborator(
  db: Kysely<Database>,
  repoId: number,
  userId: number,
  permission: string,
): Promise<Collaborator> {
  const at = now();
  await db
    .insertInto("collaborators")
    .values({ repo_id: repoId, user_id: userId, permission, created_at: at, updated_at: at })
    .onConflict((oc) => oc.columns(["repo_id", "user_id"]).doUpdateSet({ permission, updated_at: at }))
    .execute();
  const row = await db
    .selectFrom("collaborators")
    .selectAll()
    .where("repo_id", "=", repoId)
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  return toCollaborator(row);
}

export async function getCollaborator(
  db: Kysely<Database>,
  repoId: number,
  userId: number,
): Promise<Collaborator | undefined> {
  const row = await db
    .selectFrom("collaborators")
    .selectAll()
    .where("repo_id", "=", repoId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row && toCollaborator(row);
}

/** A repository's collaborators, or a user's places on repositories. */
export async function listCollaborators(
  db: Kysely<Database>,
  by: { repoId: number } | { userId: number },
): Promise<Collaborator[]> {
  let q = db.selectFrom("collaborators").selectAll();
  q = "repoId" in by ? q.where("repo_id", "=", by.repoId) : q.where("user_id", "=", by.userId);
  return (await q.orderBy("repo_id").orderBy("user_id").execute()).map(toCollaborator);
}

export async function removeCollaborator(
  db: Kysely<Database>,
  repoId: number,
  userId: number,
): Promise<void> {
  await db.deleteFrom("collaborators").where("repo_id", "=", repoId).where("user_id", "=", userId).execute();
}
