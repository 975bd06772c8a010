import type { Kysely } from "kysely";
import { isUniqueViolation, now, toPullRequest } from "./rows.js";
import type { Database, DbPullRequest } from "./schema.js";
import { nextValue } from "./sequences.js";
import {
  type NewPullRequest,
  type PullRequest,
  type PullRequestFilter,
  type PullRequestPatch,
  StoreError,
} from "./types.js";

export async function createPullRequest(db: Kysely<Database>, pr: NewPullRequest): Promise<PullRequest> {
  const t = now();
  const row: DbPullRequest = {
    id: await nextValue(db, "pull_requests"),
    repo_id: pr.repoId,
    number: await nextValue(db, `pull_number:${pr.repoId}`),
    title: pr.title,
    body: pr.body,
    state: "open",
    head_ref: pr.headRef,
    base_ref: pr.baseRef,
    head_sha: pr.headSha,
    base_sha: pr.baseSha,
    merge_commit_sha: pr.mergeCommitSha,
    mergeable: pr.mergeable ? 1 : 0,
    created_at: t,
    updated_at: t,
    closed_at: null,
  };
  try {
    await db.insertInto("pull_requests").values(row).execute();
  } catch (err) {
    if (isUniqueViolation(err))
      throw new StoreError("conflict", `pull request #${row.number} already exists`);
    throw err;
  }
  return toPullRequest(row);
}

export async function getPullRequest(
  db: Kysely<Database>,
  repoId: number,
  number: number,
): Promise<PullRequest | undefined> {
  const row = await db
    .selectFrom("pull_requests")
    .selectAll()
    .where("repo_id", "=", repoId)
    .where("number", "=", number)
    .executeTakeFirst();
  return row && toPullRequest(row);
}

export async function listPullRequests(
  db: Kysely<Database>,
  f: PullRequestFilter,
): Promise<{ total: number; pulls: PullRequest[] }> {
  let q = db.selectFrom("pull_requests").where("repo_id", "=", f.repoId);
  const state = f.state ?? "open";
  if (state !== "all") q = q.where("state", "=", state);
  if (f.headRef !== undefined) q = q.where("head_ref", "=", f.headRef);
  if (f.baseRef !== undefined) q = q.where("base_ref", "=", f.baseRef);
  const sha = f.sha;
  if (sha !== undefined) {
    q = q.where((eb) => eb.or([eb("head_sha", "=", sha), eb("merge_commit_sha", "=", sha)]));
  }
  const perPage = Math.min(Math.max(f.perPage ?? 30, 1), 100);
  const page = Math.max(f.page ?? 1, 1);
  const count = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const rows = await q
    .selectAll()
    .orderBy("number", "desc")
    .limit(perPage)
    .offset((page - 1) * perPage)
    .execute();
  return { total: Number(count.n), pulls: rows.map(toPullRequest) };
}

export async function updatePullRequest(
  db: Kysely<Database>,
  id: number,
  patch: PullRequestPatch,
): Promise<void> {
  const set: Partial<DbPullRequest> = { updated_at: now() };
  if (patch.title !== undefined) set.title = patch.title;
  if (patch.body !== undefined) set.body = patch.body;
  if (patch.state !== undefined) set.state = patch.state;
  if (patch.headSha !== undefined) set.head_sha = patch.headSha;
  if (patch.baseSha !== undefined) set.base_sha = patch.baseSha;
  if (patch.mergeCommitSha !== undefined) set.merge_commit_sha = patch.mergeCommitSha;
  if (patch.mergeable !== undefined) set.mergeable = patch.mergeable ? 1 : 0;
  if (patch.closedAt !== undefined) set.closed_at = patch.closedAt;
  await db.updateTable("pull_requests").set(set).where("id", "=", id).execute();
}
