import type { AuditRecord, Store } from "../store/index.js";
import { type AuditCheckpoint, checkpointOf, checkpointRecordOf, signCheckpoint } from "./checkpoint.js";
import { type AuditEntry, entryHash, entryOf, GENESIS_HASH, recordOf } from "./entry.js";
import { safeDetails } from "./redact.js";
import { publicKeyText, type SigningKey } from "./signing-key.js";

/** What one change is recorded with. */
export interface AuditInput {
  /** GitHub's audit action name where GitHub has one (workflows.cancel_workflow_run, repo.create …). */
  action: string;
  actor?: string | null;
  actorId?: number | null;
  /** owner/name. */
  repo?: string | null;
  tokenId?: number | null;
  address?: string | null;
  /** Names, ids and settings; never a secret's or a token's value (redact.ts is the net under this). */
  details?: Record<string, unknown>;
}

/** Entries read from the store per query while exporting. */
const EXPORT_PAGE = 500;

/**
 * The hash-chained audit trail over a Store: appends (serialised here within a process, by the
 * store's primary key across servers), signed checkpoints (at an interval and on demand), and the
 * export `gantry audit verify` checks.
 */
export class AuditTrail {
  private last: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    readonly key: SigningKey,
    private readonly now: () => number = Date.now,
  ) {}

  /** The public key as GET /api/v1/audit-log/public-key answers it. */
  publicKey(): { key_id: string; key: string; pem: string } {
    return { key_id: this.key.keyId, ...publicKeyText(this.key.publicKey) };
  }

  /** Appends one entry on the chain's head; resolves once it is stored. */
  append(input: AuditInput): Promise<AuditEntry> {
    const details = safeDetails(input.details);
    const run = async () => {
      const record = await this.store.appendAudit((head) => this.seal(head, input, details));
      return entryOf(record);
    };
    // One append at a time from this process: none of them has to seal twice.
    const next = this.last.then(run, run);
    this.last = next.catch(() => undefined);
    return next;
  }

  private seal(
    head: AuditRecord | undefined,
    input: AuditInput,
    details: Record<string, unknown>,
  ): AuditRecord {
    const unhashed: Omit<AuditEntry, "hash"> = {
      seq: (head?.seq ?? 0) + 1,
      "@timestamp": this.now(),
      action: input.action,
      actor: input.actor ?? null,
      actor_id: input.actorId ?? null,
      repo: input.repo ?? null,
      token_id: input.tokenId ?? null,
      actor_ip: input.address ?? null,
      details,
      prev_hash: head?.hash ?? GENESIS_HASH,
    };
    return recordOf({ ...unhashed, hash: entryHash(unhashed) });
  }

  /**
   * Signs a checkpoint over the chain's head unless one covers it already; the checkpoint over the
   * head (undefined while the trail is empty).
   */
  async checkpoint(): Promise<AuditCheckpoint | undefined> {
    const head = await this.store.auditHead();
    if (!head) return undefined;
    const last = await this.store.lastAuditCheckpoint();
    if (last && last.seq >= head.seq) return checkpointOf(last);
    const cp = signCheckpoint(this.key, head.seq, head.hash, last?.seq ?? 0, this.now());
    if (await this.store.putAuditCheckpoint(checkpointRecordOf(cp))) return cp;
    // Another server signed a checkpoint first.
    return this.checkpoint();
  }

  /** Signs a checkpoint every `seconds` while entries come (none while nothing changes). */
  startCheckpoints(seconds: number, onError: (err: Error) => void): void {
    this.stopCheckpoints();
    this.timer = setInterval(() => {
      this.checkpoint().catch(onError);
    }, seconds * 1000);
    this.timer.unref();
  }

  stopCheckpoints(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Waits for the appends under way. */
  async idle(): Promise<void> {
    await this.last;
  }

  /**
   * The export, one JSON line at a time: entries by seq, each checkpoint right after the entry it
   * covers, ending with a checkpoint over the last entry (signed now when none covered the head).
   * With `since` (ms), it starts at the latest checkpoint before the first entry at or after
   * `since`: that checkpoint comes first and vouches for the first entry's prev_hash, so the
   * export may hold a few entries older than `since`. Without one, it starts at entry 1.
   */
  async *exportLines(since?: number): AsyncGenerator<string> {
    const final = await this.checkpoint();
    if (!final) return;
    let from = 1;
    if (since !== undefined) {
      const { entries } = await this.store.listAudit({
        after: new Date(since).toISOString(),
        order: "asc",
        perPage: 1,
      });
      const first = entries[0]?.seq ?? final.seq + 1;
      const anchor = await this.store.lastAuditCheckpoint(first - 1);
      if (anchor) {
        yield JSON.stringify(checkpointOf(anchor));
        from = anchor.seq + 1;
      }
    }
    const checkpoints = await this.store.listAuditCheckpoints(from, final.seq);
    let c = 0;
    for (let at = from; at <= final.seq; at += EXPORT_PAGE) {
      const { entries } = await this.store.listAudit({
        fromSeq: at,
        toSeq: Math.min(at + EXPORT_PAGE - 1, final.seq),
        order: "asc",
        perPage: EXPORT_PAGE,
      });
      for (const record of entries) {
        yield JSON.stringify(entryOf(record));
        while (c < checkpoints.length && checkpoints[c].seq <= record.seq) {
          if (checkpoints[c].seq === record.seq) yield JSON.stringify(checkpointOf(checkpoints[c]));
          c++;
        }
      }
    }
  }
}
