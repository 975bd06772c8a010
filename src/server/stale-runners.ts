import type { Runner, Store } from "../store/index.js";
import type { ServerAudit } from "./audit.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** GitHub's rule: a runner machine not heard from in 14 days is removed; an ephemeral one after a day. */
export const STALE_RUNNER_MS = 14 * DAY_MS;
export const STALE_EPHEMERAL_RUNNER_MS = DAY_MS;

/** Whether the runner has been silent long enough to be removed at `now` (ms since the epoch). */
export function isStale(runner: Pick<Runner, "ephemeral" | "lastSeenAt">, now: number): boolean {
  const silent = now - Date.parse(runner.lastSeenAt);
  return silent > (runner.ephemeral ? STALE_EPHEMERAL_RUNNER_MS : STALE_RUNNER_MS);
}

/**
 * Removes the runner machines silent past GitHub's limits (a killed ephemeral runner, a machine
 * gone for good), each recorded in the audit trail as the server's doing; the ones removed.
 */
export async function removeStaleRunners(store: Store, audit: ServerAudit, now: number): Promise<Runner[]> {
  const removed: Runner[] = [];
  for (const runner of await store.listRunners()) {
    if (!isStale(runner, now) || !(await store.removeRunner(runner.id))) continue;
    removed.push(runner);
    const repo = runner.repoId === null ? null : ((await store.getRepoById(runner.repoId)) ?? null);
    await audit.system(repo ? "repo.remove_self_hosted_runner" : "org.remove_self_hosted_runner", {
      repo,
      details: {
        runner_id: runner.id,
        name: runner.name,
        labels: runner.labels,
        ephemeral: runner.ephemeral,
        last_seen_at: runner.lastSeenAt,
        reason: "not heard from",
      },
    });
  }
  return removed;
}
