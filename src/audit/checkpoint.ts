import { type KeyObject, sign, verify } from "node:crypto";
import type { AuditCheckpointRecord } from "../store/index.js";
import { canonicalJson } from "./canonical-json.js";
import type { SigningKey } from "./signing-key.js";

/**
 * A signed checkpoint, as AWS CloudTrail's digest files: at `@timestamp` the chain's entry `seq`
 * had the hash `hash`. `signature` is Ed25519 (base64) over the canonical JSON of the checkpoint
 * without its signature. Whoever holds the public key can check that no entry up to `seq` was
 * changed since, even by someone who rewrote the whole chain after it.
 */
export interface AuditCheckpoint {
  type: "checkpoint";
  seq: number;
  hash: string;
  /** The seq of the checkpoint before this one (0 for the first): removing one breaks the next. */
  prev_seq: number;
  "@timestamp": number;
  key_id: string;
  signature: string;
}

function signedBytes(cp: Omit<AuditCheckpoint, "signature">): Buffer {
  const { type, seq, hash, prev_seq, key_id } = cp;
  return Buffer.from(
    canonicalJson({ type, seq, hash, prev_seq, "@timestamp": cp["@timestamp"], key_id }),
    "utf8",
  );
}

export function signCheckpoint(
  key: SigningKey,
  seq: number,
  hash: string,
  prevSeq: number,
  at: number,
): AuditCheckpoint {
  const unsigned = {
    type: "checkpoint" as const,
    seq,
    hash,
    prev_seq: prevSeq,
    "@timestamp": at,
    key_id: key.keyId,
  };
  return { ...unsigned, signature: sign(null, signedBytes(unsigned), key.privateKey).toString("base64") };
}

/** Whether the checkpoint's signature is the key's over its fields. */
export function checkpointSigned(cp: AuditCheckpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, signedBytes(cp), publicKey, Buffer.from(cp.signature, "base64"));
  } catch {
    return false;
  }
}

export function checkpointOf(r: AuditCheckpointRecord): AuditCheckpoint {
  return {
    type: "checkpoint",
    seq: r.seq,
    hash: r.hash,
    prev_seq: r.prevSeq,
    "@timestamp": Date.parse(r.at),
    key_id: r.keyId,
    signature: r.signature,
  };
}

export function checkpointRecordOf(cp: AuditCheckpoint): AuditCheckpointRecord {
  return {
    seq: cp.seq,
    hash: cp.hash,
    prevSeq: cp.prev_seq,
    at: new Date(cp["@timestamp"]).toISOString(),
    keyId: cp.key_id,
    signature: cp.signature,
  };
}
