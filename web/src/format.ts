// Durations and times as people read them on a CI page.

/** 4s, 1m 05s, 2h 03m; "" when it has not started. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, "0")}m`;
}

/** From start to end (or to `now` while it runs); "" before it starts. */
export function durationBetween(start: string | null, end: string | null, now = Date.now()): string {
  if (!start) return "";
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now;
  return formatDuration(to - from);
}

/** "just now", "5 minutes ago", "3 days ago". */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return "";
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 45) return "just now";
  const units: Array<[number, string]> = [
    [60, "minute"],
    [3600, "hour"],
    [86400, "day"],
    [2592000, "month"],
    [31536000, "year"],
  ];
  let unit = units[0];
  for (const u of units) if (s >= u[0]) unit = u;
  const n = Math.max(1, Math.round(s / unit[0]));
  return `${n} ${unit[1]}${n === 1 ? "" : "s"} ago`;
}

/** The state a run, job or step shows: its conclusion once completed, else its status. */
export function stateOf(x: { status: string; conclusion: string | null }): string {
  return x.status === "completed" ? (x.conclusion ?? "cancelled") : x.status;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
