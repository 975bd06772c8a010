// What the run page says of an environment a run waits on.
import type { PendingDeploymentJson } from "../api.js";

/** Who may approve: the reviewers' logins and team names. */
export function reviewerNames(reviewers: PendingDeploymentJson["reviewers"]): string[] {
  return reviewers.map((r) =>
    r.type === "Team"
      ? `${r.reviewer.name ?? r.reviewer.slug ?? "a team"} (team)`
      : (r.reviewer.login ?? "a removed user"),
  );
}

/**
 * The wait timer's time left in milliseconds at `now` (0 once it passed); undefined when the
 * environment has none. A timer the server has not started yet has all of it left.
 */
export function timerLeft(
  p: Pick<PendingDeploymentJson, "wait_timer" | "wait_timer_started_at" | "wait_timer_ends_at">,
  now: number,
): number | undefined {
  if (!p.wait_timer) return undefined;
  // The server's own end of the timer, where it says it; else GitHub's start plus its minutes.
  const start = p.wait_timer_started_at ? Date.parse(p.wait_timer_started_at) : now;
  const end = p.wait_timer_ends_at ? Date.parse(p.wait_timer_ends_at) : start + p.wait_timer * 60_000;
  return Math.max(0, end - now);
}
