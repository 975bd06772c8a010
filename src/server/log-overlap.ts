import type { LiveEvent } from "./live-hub.js";

/**
 * How many of `live` (a job's log lines heard live, oldest first) the `backlog` (its log as read
 * from the blob store a moment later) holds already: the largest k such that the first k lines
 * heard are the last k lines read. A peer's job's log is read while its lines are heard, so the
 * two meet somewhere: what both hold is sent once. Lines are stamped to the millisecond, so two
 * equal lines are the same line but for a job writing the same line twice within a millisecond.
 */
export function overlapOf(backlog: readonly string[], live: readonly string[]): number {
  for (let k = Math.min(backlog.length, live.length); k > 0; k--) {
    const from = backlog.length - k;
    let same = true;
    for (let i = 0; i < k && same; i++) same = backlog[from + i] === live[i];
    if (same) return k;
  }
  return 0;
}

/**
 * What a run's stream sends after its backlog of log lines: the peers' recent lines (`early`, heard
 * before it subscribed) and what it heard since (`queued`), less what the backlog holds already.
 * A job whose log was read from this server's disk (`onDisk`), in the step that subscribed, holds
 * every line heard before; a peer's job's log (`read`, by job key, from the blob store) holds the
 * first lines heard of it up to where the two meet.
 */
export function meetBacklog(
  early: readonly LiveEvent[],
  queued: readonly LiveEvent[],
  read: ReadonlyMap<string, readonly string[]>,
  onDisk: ReadonlySet<string>,
): LiveEvent[] {
  const heard = [...early.filter((e) => !onDisk.has(String(e.jobKey))), ...queued];
  const dropped = new Set<LiveEvent>();
  for (const [key, lines] of read) {
    const ofJob = heard.filter((e) => e.type === "job:log" && e.jobKey === key);
    const k = overlapOf(
      lines,
      ofJob.map((e) => String(e.line)),
    );
    for (const e of ofJob.slice(0, k)) dropped.add(e);
  }
  return heard.filter((e) => !dropped.has(e));
}
