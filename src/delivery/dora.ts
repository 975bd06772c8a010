// Delivery metrics of one environment over a window (DORA's four keys): how often it is deployed,
// how long a change takes from its commit to running there, how many deployments fail, and how
// long the environment takes to come back from a failed one. Pure: the server gathers each
// deployment's outcome and the commits it brought (server/dora.ts), this computes the figures.

/** A finished deployment, as its statuses ended it. */
export interface DeploymentOutcome {
  id: number;
  /** success: its last state (before any `inactive`) was success; failure: failure or error. */
  outcome: "success" | "failure";
  /** When that status was made (ISO 8601). */
  at: string;
  /** For a success: the commit times (ISO 8601) of the changes it brought, one a commit. */
  changes: string[];
}

export interface DoraWindow {
  since: string;
  until: string;
}

export interface DoraMetrics {
  since: string;
  until: string;
  days: number;
  deployments: { succeeded: number; failed: number };
  /** Successful deployments a day and a week over the window. */
  deploymentFrequency: { perDay: number; perWeek: number };
  /** From a change's commit to the success of the deployment that brought it. */
  leadTime: { changes: number; medianSeconds: number | null; p90Seconds: number | null };
  /** Failed deployments over finished ones; null with none finished. */
  changeFailureRate: number | null;
  /**
   * From a failure that broke a working environment (the first failure after a success) to the
   * next success, for the successes in the window; `unrestoredSince`: when the environment broke,
   * if no success had followed by the window's end.
   */
  timeToRestore: {
    restored: number;
    medianSeconds: number | null;
    unrestoredSince: string | null;
  };
}

const DAY = 86_400_000;

/** The `q` quantile of `values` (nearest rank, as a CI page states a p90), null for none. */
export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The median: the mean of the middle two for an even count, null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const seconds = (ms: number) => Math.round(ms / 1000);

/**
 * The metrics of the deployments that finished within [since, until). `outcomes` may hold
 * deployments from before the window: a failure there that was not yet restored starts the
 * window's first outage, as the environment was down when the window opened.
 */
export function doraMetrics(outcomes: DeploymentOutcome[], window: DoraWindow): DoraMetrics {
  const since = Date.parse(window.since);
  const until = Date.parse(window.until);
  const ordered = [...outcomes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id);
  const inWindow = (d: DeploymentOutcome) => {
    const at = Date.parse(d.at);
    return at >= since && at < until;
  };
  const finished = ordered.filter(inWindow);
  const succeeded = finished.filter((d) => d.outcome === "success");
  const failed = finished.length - succeeded.length;

  const leadTimes = succeeded.flatMap((d) =>
    d.changes.map((c) => Math.max(0, Date.parse(d.at) - Date.parse(c))),
  );

  // Outages: from the first failure after a success (or the first deployment) to the next success.
  const restores: number[] = [];
  let down: number | undefined;
  for (const d of ordered) {
    const at = Date.parse(d.at);
    if (at >= until) break;
    if (d.outcome === "failure") {
      down ??= at;
    } else {
      if (down !== undefined && at >= since) restores.push(at - down);
      down = undefined;
    }
  }
  const days = Math.max((until - since) / DAY, 1 / 24);
  return {
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    days: Math.round(days * 100) / 100,
    deployments: { succeeded: succeeded.length, failed },
    deploymentFrequency: {
      perDay: Math.round((succeeded.length / days) * 1000) / 1000,
      perWeek: Math.round(((succeeded.length * 7) / days) * 1000) / 1000,
    },
    leadTime: {
      changes: leadTimes.length,
      medianSeconds: nullable(median(leadTimes), seconds),
      p90Seconds: nullable(quantile(leadTimes, 0.9), seconds),
    },
    changeFailureRate: finished.length === 0 ? null : Math.round((failed / finished.length) * 1000) / 1000,
    timeToRestore: {
      restored: restores.length,
      medianSeconds: nullable(median(restores), seconds),
      unrestoredSince: down === undefined ? null : new Date(down).toISOString(),
    },
  };
}

function nullable<T, U>(value: T | null, f: (v: T) => U): U | null {
  return value === null ? null : f(value);
}
