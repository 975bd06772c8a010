function about(amount: number, unit: string): string {
  return `about ${amount} ${unit}${amount === 1 ? "" : "s"} ago`;
}

/** How long ago `then` was, in words, as `gh` says it ("about 3 minutes ago"). */
export function timeAgo(then: Date, now: Date): string {
  const ms = now.getTime() - then.getTime();
  const hours = ms / 3_600_000;
  if (ms < 60_000) return "less than a minute ago";
  if (ms < 3_600_000) return about(Math.floor(ms / 60_000), "minute");
  if (hours < 24) return about(Math.floor(hours), "hour");
  if (hours < 30 * 24) return about(Math.floor(hours / 24), "day");
  if (hours < 365 * 24) return about(Math.floor(hours / 24 / 30), "month");
  return about(Math.floor(hours / 24 / 365), "year");
}

/** A duration as `gh` prints one: whole seconds, "45s", "2m5s", "1h0m3s". */
export function duration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** A run's elapsed time: from its start to its last update once completed, else to now. */
export function runElapsed(
  run: { status: string; run_started_at: string | null; created_at: string; updated_at: string },
  now: Date,
): string {
  const start = Date.parse(run.run_started_at ?? run.created_at);
  const end = run.status === "completed" ? Date.parse(run.updated_at) : now.getTime();
  return duration(end - start);
}
