import type { KeyObject } from "node:crypto";
import { type AuditCheckpoint, checkpointSigned } from "./checkpoint.js";
import { type AuditEntry, entryHash, GENESIS_HASH } from "./entry.js";
import { keyIdOf } from "./signing-key.js";

/** What was done to an export, as far as the chain and the signatures tell. */
export type TamperKind = "edited" | "removed" | "inserted" | "reordered" | "unsigned" | "malformed";

export interface VerifyProblem {
  kind: TamperKind;
  /** The line (1-based) the problem is seen at. */
  line: number;
  /** The entry named (its seq), when one is. */
  seq?: number;
  message: string;
}

export type VerifyResult =
  | {
      ok: true;
      entries: number;
      /** The first and last entry's seq (undefined for an export with no entries). */
      firstSeq?: number;
      lastSeq?: number;
      checkpoints: number;
      /** When the last checkpoint was signed (ms). */
      signedAt: number;
    }
  | { ok: false; problem: VerifyProblem };

interface EntryItem {
  kind: "entry";
  line: number;
  entry: AuditEntry;
  /** Whether the entry's hash is the hash of its content. */
  intact: boolean;
}
interface CheckpointItem {
  kind: "checkpoint";
  line: number;
  cp: AuditCheckpoint;
}
type Item = EntryItem | CheckpointItem;

interface Link {
  seq: number;
  hash: string;
  line: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

function isEntry(v: Record<string, unknown>): boolean {
  return (
    Number.isInteger(v.seq) &&
    typeof v.hash === "string" &&
    typeof v.prev_hash === "string" &&
    typeof v.action === "string" &&
    typeof v["@timestamp"] === "number"
  );
}

function isCheckpoint(v: Record<string, unknown>): boolean {
  return (
    v.type === "checkpoint" &&
    Number.isInteger(v.seq) &&
    Number.isInteger(v.prev_seq) &&
    typeof v.hash === "string" &&
    HEX64.test(v.hash) &&
    typeof v.key_id === "string" &&
    typeof v.signature === "string" &&
    typeof v["@timestamp"] === "number"
  );
}

function parseLines(text: string): Item[] | VerifyProblem {
  const items: Item[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    if (lines[i].trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(lines[i]);
    } catch {
      return { kind: "malformed", line, message: `line ${line} is not JSON: it was edited` };
    }
    const v = (value ?? {}) as Record<string, unknown>;
    if (typeof value === "object" && value !== null && isCheckpoint(v))
      items.push({ kind: "checkpoint", line, cp: value as AuditCheckpoint });
    else if (typeof value === "object" && value !== null && isEntry(v)) {
      const entry = value as AuditEntry;
      items.push({ kind: "entry", line, entry, intact: entryHash(entry) === entry.hash });
    } else
      return {
        kind: "malformed",
        line,
        message: `line ${line} is neither an audit entry nor a checkpoint: it was edited`,
      };
  }
  return items;
}

const at = (item: { line: number }) => `line ${item.line}`;

/**
 * Checks an export (`gantry audit export`'s JSON lines) against the server's public key(s): every
 * entry follows on from the one before it (seq + 1, prev_hash = its hash, hash = the hash of its
 * content), every checkpoint is signed by a given key and matches the entry it covers, and the last
 * line is a checkpoint over the last entry. The first entry is entry 1 (whose prev_hash is the
 * genesis hash), or follows on from a signed checkpoint on the line before it (an export --since):
 * nothing else vouches for where a chain starts.
 *
 * It stops at the first problem and names it: the entry edited, removed, inserted or out of order,
 * and the line it was seen at.
 */
export function verifyExport(text: string, keys: KeyObject[]): VerifyResult {
  const parsed = parseLines(text);
  if (!Array.isArray(parsed)) return { ok: false, problem: parsed };
  const items = parsed;
  const byId = new Map(keys.map((k) => [keyIdOf(k), k]));
  const entries = items.filter((i): i is EntryItem => i.kind === "entry");
  /** The entries accepted so far, in chain order. */
  const chain: Array<EntryItem> = [];
  let prev: Link | undefined;
  /** What the first entry follows on from: the genesis hash, or the anchor checkpoint. */
  let start: Link | undefined;
  let covered = 0;
  /** The seq of the last checkpoint seen (undefined before the first). */
  let lastCheckpoint: number | undefined;
  let checkpoints = 0;
  let signedAt = 0;
  const fail = (kind: TamperKind, item: { line: number }, message: string, seq?: number): VerifyResult => ({
    ok: false,
    problem: { kind, line: item.line, seq, message: `${at(item)}: ${message}` },
  });
  const follows = (e: EntryItem, p: Link) =>
    e.intact && e.entry.seq === p.seq + 1 && e.entry.prev_hash === p.hash;
  const linkOf = (e: EntryItem): Link => ({ seq: e.entry.seq, hash: e.entry.hash, line: e.line });
  /** An entry that something else in the export vouches for: the next entry's link, or a checkpoint. */
  const genuine = (e: EntryItem) =>
    e.intact &&
    items.some((i) =>
      i.kind === "entry"
        ? i !== e && i.entry.seq === e.entry.seq + 1 && i.entry.prev_hash === e.entry.hash
        : i.cp.seq === e.entry.seq && i.cp.hash === e.entry.hash,
    );
  const laterWithSeq = (index: number, seq: number) =>
    items.slice(index + 1).find((i): i is EntryItem => i.kind === "entry" && i.entry.seq === seq);

  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    if (item.kind === "checkpoint") {
      const { cp } = item;
      const key = byId.get(cp.key_id);
      if (!key)
        return fail(
          "unsigned",
          item,
          `the checkpoint over entry ${cp.seq} is signed by key ${cp.key_id}, not by the public key given`,
          cp.seq,
        );
      if (!checkpointSigned(cp, key))
        return fail(
          "edited",
          item,
          `the checkpoint over entry ${cp.seq} does not match its signature: it was edited or forged`,
          cp.seq,
        );
      checkpoints++;
      signedAt = cp["@timestamp"];
      if (!prev) {
        // The anchor of an export that starts mid-chain (or of one with no entries).
        prev = { seq: cp.seq, hash: cp.hash, line: item.line };
        start = prev;
        lastCheckpoint = cp.seq;
        covered = cp.seq;
        continue;
      }
      if (cp.seq === prev.seq) {
        if (cp.hash !== prev.hash) {
          const from = covered + 1;
          return fail(
            "edited",
            item,
            `entries ${from} to ${cp.seq} are not those the checkpoint signed: one of them was edited and the chain after it re-hashed (entry ${cp.seq}, line ${prev.line}, has another hash than the signed one)`,
            from,
          );
        }
        const expected = lastCheckpoint ?? 0;
        if (cp.prev_seq !== expected)
          return fail(
            cp.prev_seq > expected ? "removed" : "reordered",
            item,
            cp.prev_seq > expected
              ? `the checkpoint over entry ${cp.prev_seq} was removed: this one follows on from it`
              : `the checkpoint over entry ${cp.seq} is out of order: it follows on from the one over entry ${cp.prev_seq}, not ${expected}`,
            cp.prev_seq,
          );
        lastCheckpoint = cp.seq;
        covered = cp.seq;
        continue;
      }
      if (cp.seq > prev.seq) {
        const missing = prev.seq + 1;
        const later = laterWithSeq(index, missing);
        if (later)
          return fail(
            "reordered",
            later,
            `entry ${missing} is out of order: it comes after the checkpoint over entry ${cp.seq} (${at(item)})`,
            missing,
          );
        return fail(
          "removed",
          item,
          cp.seq === missing
            ? `entry ${missing} was removed: this signed checkpoint covers it, but the export goes from entry ${prev.seq} to the checkpoint`
            : `entries ${missing} to ${cp.seq} were removed: this signed checkpoint covers entry ${cp.seq}, but the export stops at entry ${prev.seq} before it`,
          missing,
        );
      }
      // A checkpoint over an entry before the last one: the entries after that one were inserted
      // (when this is the last checkpoint), or the checkpoint line was moved.
      const signed = chain.find((e) => e.entry.seq === cp.seq);
      const moreSigned = items.slice(index + 1).some((i) => i.kind === "checkpoint");
      const after = chain[chain.indexOf(signed as EntryItem) + 1];
      if (signed && signed.entry.hash === cp.hash && !moreSigned && after)
        return fail(
          "inserted",
          after,
          `entry ${after.entry.seq} was inserted: the last signed checkpoint (${at(item)}) covers the chain only up to entry ${cp.seq}`,
          after.entry.seq,
        );
      return fail(
        "reordered",
        item,
        `the checkpoint over entry ${cp.seq} is out of order: it comes after entry ${prev.seq}`,
        cp.seq,
      );
    }

    const e = item;
    const seq = e.entry.seq;
    if (!prev) {
      if (seq === 1) {
        prev = { seq: 0, hash: GENESIS_HASH, line: 0 };
        start = prev;
      } else
        return fail(
          "removed",
          e,
          `the export starts at entry ${seq} with no signed checkpoint before it: entries before it (or the checkpoint that vouches for its prev_hash) were removed`,
          seq - 1,
        );
    }
    const p = prev;
    if (follows(e, p)) {
      chain.push(e);
      prev = linkOf(e);
      continue;
    }
    if (covered === p.seq && !items.slice(index + 1).some((i) => i.kind === "checkpoint"))
      return fail(
        "inserted",
        e,
        `entry ${seq} was inserted: it comes after the last signed checkpoint (over entry ${covered}), where the export ends`,
        seq,
      );
    const missing = p.seq + 1;
    if (seq > missing && laterWithSeq(index, missing) && genuine(e))
      return fail(
        "reordered",
        e,
        `entry ${seq} is out of order: entry ${missing} (${at(laterWithSeq(index, missing) as EntryItem)}) belongs before it`,
        seq,
      );
    const nextIndex = items.findIndex((i, k) => k > index && i.kind === "entry");
    const next = nextIndex >= 0 ? (items[nextIndex] as EntryItem) : undefined;
    if (next && follows(next, p))
      return fail(
        "inserted",
        e,
        `entry ${seq} was inserted: it is not in the chain (entry ${next.entry.seq}, ${at(next)}, follows on from entry ${p.seq})`,
        seq,
      );
    const before =
      chain.length >= 2 ? linkOf(chain[chain.length - 2]) : chain.length === 1 ? start : undefined;
    const last = chain[chain.length - 1];
    if (last && before && follows(e, before) && (!next || follows(next, linkOf(e))))
      return fail(
        "inserted",
        last,
        `entry ${last.entry.seq} was inserted: entry ${seq} (${at(e)}) and the rest of the chain follow on from entry ${before.seq}`,
        last.entry.seq,
      );
    if (seq === p.seq + 1) {
      if (
        chain.length === 0 ||
        !e.intact ||
        e.entry.prev_hash === p.hash ||
        !next ||
        next.entry.prev_hash !== e.entry.hash
      )
        return fail(
          "edited",
          e,
          `entry ${seq} was edited: ${e.intact ? "it no longer follows on from" : "its content does not match its hash"}${e.intact ? ` entry ${p.seq}` : ""}`,
          seq,
        );
      return fail(
        "edited",
        { line: p.line },
        `entry ${p.seq} was edited and its hash recomputed: entry ${seq} (${at(e)}) no longer follows on from it`,
        p.seq,
      );
    }
    if (seq > missing) {
      const later = laterWithSeq(index, missing);
      if (later)
        return fail(
          "reordered",
          e,
          `entry ${seq} is out of order: entry ${missing} (${at(later)}) belongs before it`,
          seq,
        );
      return fail(
        "removed",
        e,
        seq === missing + 1
          ? `entry ${missing} was removed: entry ${seq} comes right after entry ${p.seq}`
          : `entries ${missing} to ${seq - 1} were removed: entry ${seq} comes right after entry ${p.seq}`,
        missing,
      );
    }
    if (entries.some((o) => o !== e && o.entry.seq === seq))
      return fail("inserted", e, `entry ${seq} was inserted: the chain already has an entry ${seq}`, seq);
    return fail("reordered", e, `entry ${seq} is out of order: it comes after entry ${p.seq}`, seq);
  }

  const lastItem = items[items.length - 1];
  if (!lastItem)
    return { ok: false, problem: { kind: "malformed", line: 1, message: "the export is empty" } };
  if (!prev || covered !== prev.seq) {
    const uncovered = chain.find((e) => e.entry.seq > covered);
    return fail(
      "unsigned",
      lastItem,
      `the export does not end with a signed checkpoint over its last entry (${prev?.seq}): entries from ${uncovered?.entry.seq ?? covered + 1} on were appended, or the final checkpoint was removed`,
      uncovered?.entry.seq,
    );
  }
  return {
    ok: true,
    entries: chain.length,
    firstSeq: chain[0]?.entry.seq,
    lastSeq: chain[chain.length - 1]?.entry.seq,
    checkpoints,
    signedAt,
  };
}
