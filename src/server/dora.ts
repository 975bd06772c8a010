// Delivery metrics of one environment (src/delivery/dora.ts computes them): the server reads each
// deployment's outcome from its statuses, and the commits a successful one brought since the
// environment's previous success from its clone.
import { type DeploymentOutcome, type DoraMetrics, type DoraWindow, doraMetrics } from "../delivery/index.js";
import type { Deployment, Repo } from "../store/index.js";
import type { ServerContext } from "./context.js";
import { githubTime } from "./github-shapes.js";

/** How far before the window deployments are read, for the success (or failure) it opened on. */
const LOOKBACK_MS = 366 * 86_400_000;

/** The latest states of a deployment that has ended (inactive: a success a later one replaced). */
const ENDED = new Set(["success", "failure", "error", "inactive"]);

/** A deployment's outcome from its statuses (newest first): the last state before any `inactive`. */
async function outcomeOf(
  ctx: ServerContext,
  d: Deployment,
): Promise<Omit<DeploymentOutcome, "changes"> | undefined> {
  // Not ended (no status yet, queued, in progress): nothing to read.
  if (d.state === null || !ENDED.has(d.state)) return undefined;
  const { statuses } = await ctx.store.listDeploymentStatuses(d.id, 1, 100);
  const last = statuses.find((s) => s.state !== "inactive");
  if (last?.state === "success") return { id: d.id, outcome: "success", at: last.createdAt };
  if (last?.state === "failure" || last?.state === "error")
    return { id: d.id, outcome: "failure", at: last.createdAt };
  return undefined;
}

/**
 * The metrics of `environment` over the window. Deployments are read newest first down to the
 * last success before the window (what the environment ran when it opened, and the base of the
 * window's first changes), and no further than a year before it.
 */
export async function gatherDora(
  ctx: ServerContext,
  repo: Repo,
  environment: string,
  window: DoraWindow,
): Promise<DoraMetrics> {
  const since = Date.parse(window.since);
  const until = Date.parse(window.until);
  const found: Array<{ deployment: Deployment; outcome: Omit<DeploymentOutcome, "changes"> }> = [];
  let before = false;
  for (let page = 1; !before; page++) {
    const { deployments } = await ctx.store.listDeployments({
      repoId: repo.id,
      environment,
      page,
      perPage: 100,
    });
    if (deployments.length === 0) break;
    for (const d of deployments) {
      // Made long before the window: the environment's state then says nothing of the window.
      if (Date.parse(d.createdAt) < since - LOOKBACK_MS) {
        before = true;
        break;
      }
      const outcome = await outcomeOf(ctx, d);
      if (!outcome) continue;
      found.push({ deployment: d, outcome });
      if (outcome.outcome === "success" && Date.parse(outcome.at) < since) {
        before = true;
        break;
      }
    }
  }
  // Oldest first: each success's changes are those since the success before it.
  found.sort((a, b) => Date.parse(a.outcome.at) - Date.parse(b.outcome.at) || a.outcome.id - b.outcome.id);
  const outcomes: DeploymentOutcome[] = [];
  let previous: string | undefined;
  for (const { deployment, outcome } of found) {
    let changes: string[] = [];
    if (outcome.outcome === "success") {
      const at = Date.parse(outcome.at);
      if (at >= since && at < until) changes = await ctx.clones.commitTimes(repo, deployment.sha, previous);
      previous = deployment.sha;
    }
    outcomes.push({ ...outcome, changes });
  }
  return doraMetrics(outcomes, window);
}

/** The metrics as the API answers them (snake_case). */
export function doraJson(repo: Repo, environment: string, m: DoraMetrics) {
  return {
    repository: `${repo.owner}/${repo.name}`,
    environment,
    since: githubTime(m.since),
    until: githubTime(m.until),
    days: m.days,
    deployments: m.deployments,
    deployment_frequency: { per_day: m.deploymentFrequency.perDay, per_week: m.deploymentFrequency.perWeek },
    lead_time_for_changes: {
      changes: m.leadTime.changes,
      median_seconds: m.leadTime.medianSeconds,
      p90_seconds: m.leadTime.p90Seconds,
    },
    change_failure_rate: m.changeFailureRate,
    time_to_restore: {
      restored: m.timeToRestore.restored,
      median_seconds: m.timeToRestore.medianSeconds,
      unrestored_since: m.timeToRestore.unrestoredSince && githubTime(m.timeToRestore.unrestoredSince),
    },
  };
}
