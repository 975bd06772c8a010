import type { Kysely } from "kysely";
import { serialize } from "./dialect.js";
import { toHook } from "./repo-hooks.js";
import { isUniqueViolation, now } from "./rows.js";
import type { Database, DbActionsBoxKey, DbActionsSecret, DbActionsVariable } from "./schema.js";
import {
  type BoxKey,
  type EncryptedRewrite,
  type SecretScope,
  type StoredSecret,
  type StoredVariable,
  StoreError,
} from "./types.js";

function toSecret(r: DbActionsSecret): StoredSecret {
  return {
    repoId: Number(r.repo_id),
    environment: r.environment,
    name: r.name,
    encryptedValue: r.encrypted_value,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toVariable(r: DbActionsVariable): StoredVariable {
  return {
    repoId: Number(r.repo_id),
    environment: r.environment,
    name: r.name,
    value: r.value,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toBoxKey(r: DbActionsBoxKey): BoxKey {
  return {
    keyId: r.key_id,
    publicKey: r.public_key,
    encryptedPrivateKey: r.encrypted_private_key,
    createdAt: r.created_at,
  };
}

/** Adds or replaces a secret: "created" or "updated" (its created_at kept). */
export async function putSecret(
  db: Kysely<Database>,
  scope: SecretScope,
  name: string,
  encryptedValue: string,
): Promise<"created" | "updated"> {
  const at = now();
  return db.transaction().execute(async (tx) => {
    await serialize(tx, `actions_secrets:${scope.repoId}:${scope.environment}:${name}`);
    const updated = await tx
      .updateTable("actions_secrets")
      .set({ encrypted_value: encryptedValue, updated_at: at })
      .where("repo_id", "=", scope.repoId)
      .where("environment", "=", scope.environment)
      .where("name", "=", name)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return "updated";
    await tx
      .insertInto("actions_secrets")
      .values({
        repo_id: scope.repoId,
        environment: scope.environment,
        name,
        encrypted_value: encryptedValue,
        created_at: at,
        updated_at: at,
      })
      .execute();
    return "created";
  });
}

export async function getSecret(
  db: Kysely<Database>,
  scope: SecretScope,
  name: string,
): Promise<StoredSecret | undefined> {
  const row = await db
    .selectFrom("actions_secrets")
    .selectAll()
    .where("repo_id", "=", scope.repoId)
    .where("environment", "=", scope.environment)
    .where("name", "=", name)
    .executeTakeFirst();
  return row && toSecret(row);
}

/** A scope's secrets by name. */
export async function listSecrets(db: Kysely<Database>, scope: SecretScope): Promise<StoredSecret[]> {
  const rows = await db
    .selectFrom("actions_secrets")
    .selectAll()
    .where("repo_id", "=", scope.repoId)
    .where("environment", "=", scope.environment)
    .orderBy("name")
    .execute();
  return rows.map(toSecret);
}

/** True when there was such a secret. */
export async function removeSecret(db: Kysely<Database>, scope: SecretScope, name: string): Promise<boolean> {
  const result = await db
    .deleteFrom("actions_secrets")
    .where("repo_id", "=", scope.repoId)
    .where("environment", "=", scope.environment)
    .where("name", "=", name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Adds a variable; StoreError conflict when the scope has one of that name. */
export async function createVariable(
  db: Kysely<Database>,
  scope: SecretScope,
  name: string,
  value: string,
): Promise<StoredVariable> {
  const at = now();
  const row: DbActionsVariable = {
    repo_id: scope.repoId,
    environment: scope.environment,
    name,
    value,
    created_at: at,
    updated_at: at,
  };
  try {
    await db.insertInto("actions_variables").values(row).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new StoreError("conflict", `a variable named ${name} already exists`);
    throw err;
  }
  return toVariable(row);
}

/**
 * Changes a variable's value and/or name: false when there is no such variable; StoreError
 * conflict when the new name is taken.
 */
export async function updateVariable(
  db: Kysely<Database>,
  scope: SecretScope,
  name: string,
  patch: { name?: string; value?: string },
): Promise<boolean> {
  const set: Partial<DbActionsVariable> = { updated_at: now() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.value !== undefined) set.value = patch.value;
  try {
    const result = await db
      .updateTable("actions_variables")
      .set(set)
      .where("repo_id", "=", scope.repoId)
      .where("environment", "=", scope.environment)
      .where("name", "=", name)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  } catch (err) {
    if (isUniqueViolation(err))
      throw new StoreError("conflict", `a variable named ${patch.name} already exists`);
    throw err;
  }
}

export async function getVariable(
  db: Kysely<Database>,
  scope: SecretScope,
  name: string,
): Promise<StoredVariable | undefined> {
  const row = await db
    .selectFrom("actions_variables")
    .selectAll()
    .where("repo_id", "=", scope.repoId)
    .where("environment", "=", scope.environment)
    .where("name", "=", name)
    .executeTakeFirst();
  return row && toVariable(row);
}

export async function listVariables(db: Kysely<Database>, scope: SecretScope): Promise<StoredVariable[]> {
  const rows = await db
    .selectFrom("actions_variables")
    .selectAll()
    .where("repo_id", "=", scope.repoId)
    .where("environment", "=", scope.environment)
    .orderBy("name")
    .execute();
  return rows.map(toVariable);
}

export async function removeVariable(
  db: Kysely<Database>,
  scope: SecretScope,
  name: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom("actions_variables")
    .where("repo_id", "=", scope.repoId)
    .where("environment", "=", scope.environment)
    .where("name", "=", name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The oldest keypair, if any. */
export async function getBoxKey(db: Kysely<Database>): Promise<BoxKey | undefined> {
  const row = await db
    .selectFrom("actions_box_keys")
    .selectAll()
    .orderBy("created_at")
    .orderBy("key_id")
    .executeTakeFirst();
  return row && toBoxKey(row);
}

/**
 * Keeps the keypair unless one is kept already (another server on the same database made it
 * first): answers the one kept.
 */
export async function addBoxKey(db: Kysely<Database>, key: BoxKey): Promise<BoxKey> {
  await db.transaction().execute(async (tx) => {
    const existing = await tx.selectFrom("actions_box_keys").select("key_id").executeTakeFirst();
    if (existing) return;
    await tx
      .insertInto("actions_box_keys")
      .values({
        key_id: key.keyId,
        public_key: key.publicKey,
        encrypted_private_key: key.encryptedPrivateKey,
        created_at: key.createdAt,
      })
      .execute();
  });
  const kept = await getBoxKey(db);
  if (!kept) throw new Error("the sealed-box keypair was not kept");
  return kept;
}

/** Rewrites every encrypted value at once (one transaction): all under the new key, or none. */
export async function rewriteEncrypted(
  db: Kysely<Database>,
  rewrite: EncryptedRewrite,
): Promise<{ secrets: number; keys: number; hooks: number }> {
  return db.transaction().execute(async (tx) => {
    const counts = { secrets: 0, keys: 0, hooks: 0 };
    for (const row of await tx.selectFrom("actions_secrets").selectAll().execute()) {
      await tx
        .updateTable("actions_secrets")
        .set({ encrypted_value: rewrite.secret(toSecret(row)) })
        .where("repo_id", "=", row.repo_id)
        .where("environment", "=", row.environment)
        .where("name", "=", row.name)
        .execute();
      counts.secrets++;
    }
    for (const row of await tx.selectFrom("actions_box_keys").selectAll().execute()) {
      await tx
        .updateTable("actions_box_keys")
        .set({ encrypted_private_key: rewrite.boxKey(toBoxKey(row)) })
        .where("key_id", "=", row.key_id)
        .execute();
      counts.keys++;
    }
    if (rewrite.hookSecret) {
      const hooks = await tx
        .selectFrom("repo_hooks")
        .selectAll()
        .where("secret_sealed", "is not", null)
        .execute();
      for (const row of hooks) {
        await tx
          .updateTable("repo_hooks")
          .set({ secret_sealed: rewrite.hookSecret(toHook(row)) })
          .where("id", "=", row.id)
          .execute();
        counts.hooks++;
      }
    }
    return counts;
  });
}
