import type { Kysely } from "kysely";
import { now, toToken } from "./rows.js";
import type { Database } from "./schema.js";
import { nextValue } from "./sequences.js";
import type { NewToken, Token } from "./types.js";

export async function addToken(db: Kysely<Database>, token: NewToken): Promise<Token> {
  const row = {
    id: await nextValue(db, "tokens"),
    kind: token.kind,
    user_id: token.userId,
    name: token.name,
    hash: token.hash,
    last_eight: token.lastEight,
    scopes_json: JSON.stringify(token.scopes),
    created_at: now(),
    expires_at: token.expiresAt,
    revoked_at: null,
    repo_id: token.repoId,
    run_id: token.runId,
    permissions_json: token.permissions === null ? null : JSON.stringify(token.permissions),
  };
  await db.insertInto("tokens").values(row).execute();
  return toToken(row);
}

export async function findToken(db: Kysely<Database>, hash: string): Promise<Token | undefined> {
  const row = await db.selectFrom("tokens").selectAll().where("hash", "=", hash).executeTakeFirst();
  return row && toToken(row);
}

export async function getToken(db: Kysely<Database>, id: number): Promise<Token | undefined> {
  const row = await db.selectFrom("tokens").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toToken(row);
}

/** A user's personal tokens (revoked ones included), oldest first; every personal token without one. */
export async function listTokens(db: Kysely<Database>, userId?: number): Promise<Token[]> {
  let q = db.selectFrom("tokens").selectAll().where("kind", "=", "personal");
  if (userId !== undefined) q = q.where("user_id", "=", userId);
  return (await q.orderBy("id").execute()).map(toToken);
}

/** Revokes a token (kept, with when): from now on it is refused. */
export async function revokeToken(db: Kysely<Database>, id: number, at: string): Promise<void> {
  await db
    .updateTable("tokens")
    .set({ revoked_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
}

/** Revokes every job token of a run not revoked yet (its jobs are over, or the server restarted). */
export async function revokeJobTokens(
  db: Kysely<Database>,
  runId: number | undefined,
  at: string,
  keep: readonly string[] = [],
): Promise<void> {
  let q = db
    .updateTable("tokens")
    .set({ revoked_at: at })
    .where("kind", "=", "job")
    .where("revoked_at", "is", null);
  if (runId !== undefined) q = q.where("run_id", "=", runId);
  if (keep.length > 0) q = q.where("name", "not in", keep);
  await q.execute();
}

/** Removes a user's tokens of that note (the bootstrap token is replaced this way). */
export async function removeTokens(db: Kysely<Database>, userId: number, name: string): Promise<void> {
  await db.deleteFrom("tokens").where("user_id", "=", userId).where("name", "=", name).execute();
}
