// When a runner counts as online, and the id the server's built-in pool goes by: one place for
// the runners API, the jobs' shape and the runner protocol.
import type { Runner } from "../store/index.js";

/** A runner machine is online while it was last seen (a claim or a heartbeat) this recently. */
export const RUNNER_ONLINE_MS = 60_000;

/**
 * The id the server's built-in pool has in the runners list and in a job's `runner_id` (runner
 * machines' ids start at 1). It is not removed through the API: `runners: { slots: 0 }` turns it off.
 */
export const BUILT_IN_RUNNER_ID = 0;

/** Whether the runner was seen within RUNNER_ONLINE_MS before `at` (ms since the epoch). */
export function runnerOnline(runner: Pick<Runner, "lastSeenAt">, at: number = Date.now()): boolean {
  const seen = Date.parse(runner.lastSeenAt);
  return Number.isFinite(seen) && at - seen < RUNNER_ONLINE_MS;
}
