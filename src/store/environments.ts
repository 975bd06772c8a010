import type { Kysely } from "kysely";
import { isUniqueViolation, json, now } from "./rows.js";
import type { Database, DbEnvironment, DbEnvironmentRefPolicy } from "./schema.js";
import { nextValue } from "./sequences.js";
import { type Environment, type EnvironmentRefPolicy, type EnvironmentRules, StoreError } from "./types.js";

function toEnvironment(r: DbEnvironment): Environment {
  return {
    id: Number(r.id),
    repoId: Number(r.repo_id),
    name: r.name,
    rules: JSON.parse(r.settings_json) as EnvironmentRules,
    ruleIds: JSON.parse(r.rule_ids_json) as Record<string, number>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toPolicy(r: DbEnvironmentRefPolicy): EnvironmentRefPolicy {
  return {
    id: Number(r.id),
    environmentId: Number(r.environment_id),
    name: r.name,
    type: r.type === "tag" ? "tag" : "branch",
    createdAt: r.created_at,
  };
}

const keyOf = (name: string) => name.toLowerCase();

export async function getEnvironment(
  db: Kysely<Database>,
  repoId: number,
  name: string,
): Promise<Environment | undefined> {
  const row = await db
    .selectFrom("environments")
    .selectAll()
    .where("repo_id", "=", repoId)
    .where("name_key", "=", keyOf(name))
    .executeTakeFirst();
  return row && toEnvironment(row);
}

export async function listEnvironments(db: Kysely<Database>, repoId: number): Promise<Environment[]> {
  const rows = await db
    .selectFrom("environments")
    .selectAll()
    .where("repo_id", "=", repoId)
    .orderBy("name_key")
    .execute();
  return rows.map(toEnvironment);
}

/**
 * Adds the environment with these rules, or gives it these rules (its name's spelling and
 * created_at kept). `clearPolicies`: its branch and tag policies go too (its rules no longer
 * name custom ones). Atomic: of two servers adding the same name, one adds, the other updates.
 */
export async function saveEnvironment(
  db: Kysely<Database>,
  env: { repoId: number; name: string; rules: EnvironmentRules; ruleIds: Record<string, number> },
  clearPolicies: boolean,
): Promise<{ environment: Environment; created: boolean }> {
  const at = now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(async (tx) => {
        const existing = await tx
          .selectFrom("environments")
          .selectAll()
          .where("repo_id", "=", env.repoId)
          .where("name_key", "=", keyOf(env.name))
          .executeTakeFirst();
        if (existing) {
          const row: DbEnvironment = {
            ...existing,
            settings_json: json(env.rules),
            rule_ids_json: json(env.ruleIds),
            updated_at: at,
          };
          await tx
            .updateTable("environments")
            .set({ settings_json: row.settings_json, rule_ids_json: row.rule_ids_json, updated_at: at })
            .where("id", "=", existing.id)
            .execute();
          if (clearPolicies)
            await tx
              .deleteFrom("environment_ref_policies")
              .where("environment_id", "=", existing.id)
              .execute();
          return { environment: toEnvironment(row), created: false };
        }
        const row: DbEnvironment = {
          id: await nextValue(tx, "environments"),
          repo_id: env.repoId,
          name: env.name,
          name_key: keyOf(env.name),
          settings_json: json(env.rules),
          rule_ids_json: json(env.ruleIds),
          created_at: at,
          updated_at: at,
        };
        await tx.insertInto("environments").values(row).execute();
        return { environment: toEnvironment(row), created: true };
      });
    } catch (err) {
      // Another connection added the name between our look and our insert: update it instead.
      if (attempt === 0 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

/**
 * The environment of that name, added with `rules` when there is none (a job's first use):
 * whether it was added. Never changes one that exists.
 */
export async function ensureEnvironment(
  db: Kysely<Database>,
  repoId: number,
  name: string,
  rules: EnvironmentRules,
): Promise<{ environment: Environment; created: boolean }> {
  const found = await getEnvironment(db, repoId, name);
  if (found) return { environment: found, created: false };
  const at = now();
  const row: DbEnvironment = {
    id: await nextValue(db, "environments"),
    repo_id: repoId,
    name,
    name_key: keyOf(name),
    settings_json: json(rules),
    rule_ids_json: json({}),
    created_at: at,
    updated_at: at,
  };
  try {
    await db.insertInto("environments").values(row).execute();
    return { environment: toEnvironment(row), created: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const raced = await getEnvironment(db, repoId, name);
    if (!raced) throw err;
    return { environment: raced, created: false };
  }
}

/**
 * Removes an environment with its branch and tag policies and its secrets and variables (kept
 * under its name in lower case, src/secrets); false when there is none.
 */
export async function removeEnvironment(
  db: Kysely<Database>,
  repoId: number,
  name: string,
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom("environments")
      .select("id")
      .where("repo_id", "=", repoId)
      .where("name_key", "=", keyOf(name))
      .executeTakeFirst();
    if (!row) return false;
    await tx.deleteFrom("environment_ref_policies").where("environment_id", "=", row.id).execute();
    await tx.deleteFrom("environments").where("id", "=", row.id).execute();
    if (repoId !== 0) {
      await tx
        .deleteFrom("actions_secrets")
        .where("repo_id", "=", repoId)
        .where("environment", "=", keyOf(name))
        .execute();
      await tx
        .deleteFrom("actions_variables")
        .where("repo_id", "=", repoId)
        .where("environment", "=", keyOf(name))
        .execute();
    }
    return true;
  });
}

export async function listRefPolicies(
  db: Kysely<Database>,
  environmentId: number,
): Promise<EnvironmentRefPolicy[]> {
  const rows = await db
    .selectFrom("environment_ref_policies")
    .selectAll()
    .where("environment_id", "=", environmentId)
    .orderBy("id")
    .execute();
  return rows.map(toPolicy);
}

/** StoreError conflict when the environment has that pattern of that type already. */
export async function addRefPolicy(
  db: Kysely<Database>,
  environmentId: number,
  policy: { name: string; type: "branch" | "tag" },
): Promise<EnvironmentRefPolicy> {
  const row: DbEnvironmentRefPolicy = {
    id: await nextValue(db, "environment_ref_policies"),
    environment_id: environmentId,
    name: policy.name,
    type: policy.type,
    created_at: now(),
  };
  try {
    await db.insertInto("environment_ref_policies").values(row).execute();
  } catch (err) {
    if (isUniqueViolation(err))
      throw new StoreError(
        "conflict",
        `the environment has the ${policy.type} policy '${policy.name}' already`,
      );
    throw err;
  }
  return toPolicy(row);
}

/** A new pattern for a policy: false when there is none (StoreError conflict when it is taken). */
export async function updateRefPolicy(
  db: Kysely<Database>,
  environmentId: number,
  id: number,
  name: string,
): Promise<boolean> {
  try {
    const done = await db
      .updateTable("environment_ref_policies")
      .set({ name })
      .where("environment_id", "=", environmentId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) > 0;
  } catch (err) {
    if (isUniqueViolation(err))
      throw new StoreError("conflict", `the environment has a policy '${name}' of that type already`);
    throw err;
  }
}

export async function removeRefPolicy(
  db: Kysely<Database>,
  environmentId: number,
  id: number,
): Promise<boolean> {
  const done = await db
    .deleteFrom("environment_ref_policies")
    .where("environment_id", "=", environmentId)
    .where("id", "=", id)
    .executeTakeFirst();
  return Number(done.numDeletedRows) > 0;
}
