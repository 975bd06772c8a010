import type { Kysely } from "kysely";
import { isUniqueViolation, json, now, toRepo } from "./rows.js";
import type { Database } from "./schema.js";
import { nextValue } from "./sequences.js";
import { type NewRepo, type Repo, StoreError } from "./types.js";

export async function addRepo(db: Kysely<Database>, repo: NewRepo): Promise<Repo> {
  const row = {
    id: await nextValue(db, "repos"),
    owner: repo.owner,
    name: repo.name,
    url: repo.url,
    default_branch: repo.defaultBranch,
    poll_interval_seconds: repo.pollIntervalSeconds,
    required_checks_json: json(repo.requiredChecks ?? []),
    created_at: now(),
    fork_approval: repo.forkApproval ?? "none",
  };
  try {
    await db.insertInto("repos").values(row).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new StoreError("conflict", `${repo.owner}/${repo.name} already exists`);
    throw err;
  }
  return toRepo(row);
}

export async function upsertRepo(db: Kysely<Database>, repo: NewRepo): Promise<Repo> {
  const existing = await getRepo(db, repo.owner, repo.name);
  if (!existing) return addRepo(db, repo);
  await db
    .updateTable("repos")
    .set({
      url: repo.url,
      default_branch: repo.defaultBranch,
      poll_interval_seconds: repo.pollIntervalSeconds,
      required_checks_json: json(repo.requiredChecks ?? []),
      fork_approval: repo.forkApproval ?? existing.forkApproval,
    })
    .where("id", "=", existing.id)
    .execute();
  return {
    ...existing,
    ...repo,
    requiredChecks: repo.requiredChecks ?? [],
    forkApproval: repo.forkApproval ?? existing.forkApproval,
  };
}

export async function getRepo(db: Kysely<Database>, owner: string, name: string): Promise<Repo | undefined> {
  const row = await db
    .selectFrom("repos")
    .selectAll()
    .where("owner", "=", owner)
    .where("name", "=", name)
    .executeTakeFirst();
  return row && toRepo(row);
}

export async function getRepoById(db: Kysely<Database>, id: number): Promise<Repo | undefined> {
  const row = await db.selectFrom("repos").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toRepo(row);
}

export async function listRepos(db: Kysely<Database>): Promise<Repo[]> {
  const rows = await db.selectFrom("repos").selectAll().orderBy("owner").orderBy("name").execute();
  return rows.map(toRepo);
}
