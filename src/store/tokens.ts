import type { Kysely } from "kysely";
import { now, toToken } from "./rows.js";
import type { Database } from "./schema.js";
import { nextValue } from "./sequences.js";
import type { Token } from "./types.js";

export async function addToken(db: Kysely<Database>, name: string, hash: string): Promise<Token> {
  const row = { id: await nextValue(db, "tokens"), name, hash, created_at: now() };
  await db.insertInto("tokens").values(row).execute();
  return toToken(row);
}

export async function findToken(db: Kysely<Database>, hash: string): Promise<Token | undefined> {
  const row = await db.selectFrom("tokens").selectAll().where("hash", "=", hash).executeTakeFirst();
  return row && toToken(row);
}

export async function listTokens(db: Kysely<Database>): Promise<Token[]> {
  const rows = await db.selectFrom("tokens").selectAll().orderBy("id").execute();
  return rows.map(toToken);
}

export async function removeTokens(db: Kysely<Database>, name: string): Promise<void> {
  await db.deleteFrom("tokens").where("name", "=", name).execute();
}
