import type { JobLife } from "../cache/index.js";
import { hashToken, type IssuedJobTokens } from "../identity/index.js";
import type { Store } from "../store/index.js";

/**
 * A job's life as the store keeps it, for every server of the database: its GITHUB_TOKEN (a job
 * token in the store, revoked the moment the job ends, and at a start for the jobs a crash ended).
 * The Actions services bind each job's ACTIONS_RUNTIME_TOKEN to it (ActionsServer's jobLife), as the
 * job starts: its token looked up in `issued` (this process's jobs) before the store.
 */
export function jobTokenLife(store: Store, now: () => number = Date.now, issued?: IssuedJobTokens): JobLife {
  return {
    async of(github) {
      const value = typeof github.token === "string" ? github.token : "";
      if (!value) return undefined;
      const hash = hashToken(value);
      const token = issued ? await issued.find(store, hash) : await store.findToken(hash);
      return token?.kind === "job" ? String(token.id) : undefined;
    },
    async alive(ref) {
      const token = /^\d+$/.test(ref) ? await store.getToken(Number(ref)) : undefined;
      if (!token || token.kind !== "job" || token.revokedAt) return false;
      return token.expiresAt === null || Date.parse(token.expiresAt) > now();
    },
  };
}
