import { type Kysely, sql } from "kysely";
import { isUniqueViolation } from "./rows.js";
import type { Database, DbAuditCheckpoint, DbAuditEntry } from "./schema.js";

/** An entry of the audit trail as the store keeps it; src/audit gives it its meaning and hashes. */
export interface AuditRecord {
  /** Its place in the chain: 1, 2, 3 … with no gaps. */
  seq: number;
  /** ISO-8601 with milliseconds. */
  at: string;
  action: string;
  actor: string | null;
  actorId: number | null;
  /** owner/name. */
  repo: string | null;
  tokenId: number | null;
  /** The client's address. */
  address: string | null;
  details: Record<string, unknown>;
  /** The hash of entry seq - 1 (64 zeros for entry 1), and this entry's own (hex SHA-256). */
  prevHash: string;
  hash: string;
}

/** A signed checkpoint: the hash of entry `seq`, signed at `at` by the key `keyId`. */
export interface AuditCheckpointRecord {
  seq: number;
  hash: string;
  /** The seq of the checkpoint before this one (0 for the first): checkpoints chain too. */
  prevSeq: number;
  at: string;
  keyId: string;
  /** base64. */
  signature: string;
}

export interface AuditFilter {
  /** An action (repo.create), or a category (repo: every repo.* action). */
  action?: string;
  actor?: string;
  /** owner/name. */
  repo?: string;
  /** ISO times: entries at or after `after`, before `before`. */
  after?: string;
  before?: string;
  /** Entries from seq `fromSeq` through `toSeq`. */
  fromSeq?: number;
  toSeq?: number;
  /** By seq; desc (newest first) by default. */
  order?: "asc" | "desc";
  /** 1-based. */
  page?: number;
  perPage?: number;
}

function toRecord(r: DbAuditEntry): AuditRecord {
  return {
    seq: Number(r.seq),
    at: r.created_at,
    action: r.action,
    actor: r.actor,
    actorId: r.actor_id === null ? null : Number(r.actor_id),
    repo: r.repo,
    tokenId: r.token_id === null ? null : Number(r.token_id),
    address: r.address,
    details: JSON.parse(r.details_json) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function toRow(e: AuditRecord): DbAuditEntry {
  return {
    seq: e.seq,
    created_at: e.at,
    action: e.action,
    actor: e.actor,
    actor_id: e.actorId,
    repo: e.repo,
    token_id: e.tokenId,
    address: e.address,
    details_json: JSON.stringify(e.details),
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

function toCheckpoint(r: DbAuditCheckpoint): AuditCheckpointRecord {
  return {
    seq: Number(r.seq),
    hash: r.hash,
    prevSeq: Number(r.prev_seq),
    at: r.created_at,
    keyId: r.key_id,
    signature: r.signature,
  };
}

export async function auditHead(db: Kysely<Database>): Promise<AuditRecord | undefined> {
  const row = await db
    .selectFrom("audit_entries")
    .selectAll()
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  return row && toRecord(row);
}

/**
 * Appends the entry `seal` makes on the chain's head. One insert, no transaction: the primary key
 * on seq refuses a second entry with the same seq, so when another connection (or server) appended
 * first, this one reads the new head and seals again. Rows are never updated, so an insert that
 * succeeds at seq n was sealed on the entry n - 1 that stays.
 */
export async function appendAudit(
  db: Kysely<Database>,
  seal: (head: AuditRecord | undefined) => AuditRecord,
): Promise<AuditRecord> {
  for (let attempt = 1; ; attempt++) {
    const entry = seal(await auditHead(db));
    try {
      await db.insertInto("audit_entries").values(toRow(entry)).execute();
      return entry;
    } catch (err) {
      const busy = /^SQLITE_BUSY/.test((err as { code?: string }).code ?? "");
      if (!(isUniqueViolation(err) || busy) || attempt >= 100) throw err;
    }
  }
}

export async function listAudit(
  db: Kysely<Database>,
  filter: AuditFilter,
): Promise<{ total: number; entries: AuditRecord[] }> {
  let q = db.selectFrom("audit_entries");
  if (filter.action !== undefined) {
    const action = filter.action;
    q = action.includes(".")
      ? q.where("action", "=", action)
      : q.where((eb) =>
          eb.or([
            eb("action", "=", action),
            // A category's actions: `_` and `%` in the name are themselves, not wildcards.
            sql<boolean>`action like ${`${action.replace(/[\\%_]/g, "\\$&")}.%`} escape '\\'`,
          ]),
        );
  }
  if (filter.actor !== undefined) q = q.where("actor", "=", filter.actor);
  if (filter.repo !== undefined) q = q.where("repo", "=", filter.repo);
  if (filter.after !== undefined) q = q.where("created_at", ">=", filter.after);
  if (filter.before !== undefined) q = q.where("created_at", "<", filter.before);
  if (filter.fromSeq !== undefined) q = q.where("seq", ">=", filter.fromSeq);
  if (filter.toSeq !== undefined) q = q.where("seq", "<=", filter.toSeq);
  const count = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const perPage = filter.perPage ?? 30;
  const rows = await q
    .selectAll()
    .orderBy("seq", filter.order ?? "desc")
    .limit(perPage)
    .offset(((filter.page ?? 1) - 1) * perPage)
    .execute();
  return { total: Number(count.n), entries: rows.map(toRecord) };
}

/**
 * Keeps a checkpoint; false when one over the same seq, or one after the same checkpoint, was kept
 * first (another server's): the checkpoints never fork either.
 */
export async function putAuditCheckpoint(db: Kysely<Database>, cp: AuditCheckpointRecord): Promise<boolean> {
  const result = await db
    .insertInto("audit_checkpoints")
    .values({
      seq: cp.seq,
      hash: cp.hash,
      prev_seq: cp.prevSeq,
      created_at: cp.at,
      key_id: cp.keyId,
      signature: cp.signature,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** The checkpoints over entries fromSeq through toSeq, by seq. */
export async function listAuditCheckpoints(
  db: Kysely<Database>,
  fromSeq: number,
  toSeq: number,
): Promise<AuditCheckpointRecord[]> {
  const rows = await db
    .selectFrom("audit_checkpoints")
    .selectAll()
    .where("seq", ">=", fromSeq)
    .where("seq", "<=", toSeq)
    .orderBy("seq")
    .execute();
  return rows.map(toCheckpoint);
}

/** The latest checkpoint over an entry at or before `seq` (the latest of all without it). */
export async function lastAuditCheckpoint(
  db: Kysely<Database>,
  seq?: number,
): Promise<AuditCheckpointRecord | undefined> {
  let q = db.selectFrom("audit_checkpoints").selectAll();
  if (seq !== undefined) q = q.where("seq", "<=", seq);
  const row = await q.orderBy("seq", "desc").limit(1).executeTakeFirst();
  return row && toCheckpoint(row);
}
