import { createHash } from "node:crypto";
import type { AuditRecord } from "../store/index.js";
import { canonicalJson } from "./canonical-json.js";

/** The prev_hash of entry 1. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * An entry of the audit trail as the API answers it and `gantry audit export` writes it (one JSON
 * line), in the fields of GitHub's audit log: `@timestamp` in milliseconds since 1970, `actor_ip`
 * the client's address.
 */
export interface AuditEntry {
  /** Its place in the chain: 1, 2, 3 … */
  seq: number;
  "@timestamp": number;
  action: string;
  /** Who acted (a user's login, github-actions[bot] for a job's token, gantry for the server itself). */
  actor: string | null;
  actor_id: number | null;
  /** owner/name. */
  repo: string | null;
  /** The id of the token the request came with (never the token). */
  token_id: number | null;
  actor_ip: string | null;
  details: Record<string, unknown>;
  /** The hash of entry seq - 1 (GENESIS_HASH for entry 1). */
  prev_hash: string;
  /** entryHash of this entry. */
  hash: string;
}

/**
 * An entry's hash: SHA-256 (hex) of the canonical JSON (canonical-json.ts) of the entry without its
 * `hash` field. prev_hash and seq are inside what is hashed, so an entry edited, removed, inserted
 * or moved breaks the link of the one after it.
 */
export function entryHash(entry: Omit<AuditEntry, "hash"> | AuditEntry): string {
  const { hash: _, ...rest } = entry as AuditEntry;
  return createHash("sha256").update(canonicalJson(rest), "utf8").digest("hex");
}

/** A stored record in the entry's shape. */
export function entryOf(r: AuditRecord): AuditEntry {
  return {
    seq: r.seq,
    "@timestamp": Date.parse(r.at),
    action: r.action,
    actor: r.actor,
    actor_id: r.actorId,
    repo: r.repo,
    token_id: r.tokenId,
    actor_ip: r.address,
    details: r.details,
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}

/** An entry as the store keeps it. */
export function recordOf(e: AuditEntry): AuditRecord {
  return {
    seq: e.seq,
    at: new Date(e["@timestamp"]).toISOString(),
    action: e.action,
    actor: e.actor,
    actorId: e.actor_id,
    repo: e.repo,
    tokenId: e.token_id,
    address: e.actor_ip,
    details: e.details,
    prevHash: e.prev_hash,
    hash: e.hash,
  };
}
