import type { CacheEntry } from "../actions/index.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** A stored entry with when it was last restored or saved (milliseconds since the epoch). */
export interface StoredEntry extends CacheEntry {
  lastUsedAt: number;
}

/** When entries go: beyond `maxSize` bytes in all (least recently used first), or unused for `maxUnusedDays`. */
export interface EvictionPolicy {
  maxSize: number;
  maxUnusedDays: number;
}

/** 10 GB and 7 days, as GitHub evicts. */
export const DEFAULT_EVICTION: EvictionPolicy = { maxSize: 10 * 1024 ** 3, maxUnusedDays: 7 };

/**
 * The entries to evict, oldest use first: every entry unused for longer than the age limit, then
 * the least recently used of the rest until what remains fits the size limit.
 */
export function chooseEvictions<E extends StoredEntry>(
  entries: E[],
  policy: EvictionPolicy,
  now: number,
): E[] {
  const byUse = [...entries].sort(
    (a, b) => a.lastUsedAt - b.lastUsedAt || a.createdAt - b.createdAt || (a.key < b.key ? -1 : 1),
  );
  const cutoff = now - policy.maxUnusedDays * DAY_MS;
  const evicted: E[] = [];
  let total = byUse.reduce((sum, e) => sum + e.size, 0);
  for (const e of byUse) {
    if (e.lastUsedAt < cutoff || total > policy.maxSize) {
      evicted.push(e);
      total -= e.size;
    }
  }
  return evicted;
}
