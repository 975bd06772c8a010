// What the Environments page shows, from GitHub's routes: the environments (…/environments), each
// one's deployments and their statuses (…/deployments?environment=, …/deployments/{id}/statuses),
// the runs that made them and their reviews (…/actions/runs/{id}, …/approvals), the runs waiting
// where (…/actions/runs?status=waiting, …/pending_deployments) and the workflows' graphs for the
// promotion path (…/actions/runs/{id}/graph).
import {
  type ApprovalJson,
  api,
  type DeploymentJson,
  type DeploymentStatusJson,
  type EnvironmentJson,
  type PendingDeploymentJson,
  type RunJson,
  repoPath,
} from "../api.js";
import type { GraphJobDef } from "../graph/model.js";
import { linkOf, webUrl } from "./deployment-links.js";
import { type Edge, edgesOf, promotionOrder } from "./promotion.js";

/** How many deployments of each environment the page lists. */
export const HISTORY = 20;
/** How many runs' workflows are read for the promotion path. */
const GRAPHS = 6;

export interface DeploymentView {
  deployment: DeploymentJson;
  /** Newest first. */
  statuses: DeploymentStatusJson[];
  /** The latest status's state; `pending` while it has none. */
  state: DeploymentStatusJson["state"];
  /** When it reached its latest state (its creation while it has no status). */
  since: string;
  /** The run that made it, when its statuses link it (or its job, once resolved). */
  runId?: number;
  /** The job that made it, when its statuses link one. */
  jobId?: number;
  /** The deployed app's address (environment_url), when a status gave one on the web. */
  url?: string;
}

export interface EnvironmentView {
  environment: EnvironmentJson;
  history: DeploymentView[];
  /** Whether it has older deployments than those listed. */
  more: boolean;
  /** What runs there now: its latest successful deployment. */
  current?: DeploymentView;
  /** The run that made the current deployment. */
  currentRun?: RunJson;
  /** The decisions on this environment in that run. */
  approvals: ApprovalJson[];
  /** Runs waiting on this environment's protection rules now. */
  waiting: RunJson[];
}

export interface EnvironmentsData {
  /** The environments in promotion order. */
  environments: EnvironmentView[];
  /** Whether the workflows' `needs` ordered any of them (else the order is first use). */
  byNeeds: boolean;
}

function viewOf(
  deployment: DeploymentJson,
  statuses: DeploymentStatusJson[],
  owner: string,
  repo: string,
  origins: string[],
): DeploymentView {
  const latest = statuses[0];
  let link: { runId?: number; jobId?: number } = {};
  for (const s of statuses) {
    link = linkOf(s, owner, repo, origins);
    if (link.runId || link.jobId) break;
  }
  const url = webUrl(statuses.find((s) => s.environment_url)?.environment_url);
  return {
    deployment,
    statuses,
    state: latest?.state ?? "pending",
    since: latest?.created_at ?? deployment.created_at,
    ...link,
    url,
  };
}

/** Every environment (GitHub pages them by 100 at most). */
async function allEnvironments(base: string): Promise<EnvironmentJson[]> {
  const all: EnvironmentJson[] = [];
  for (let page = 1; ; page++) {
    const list = await api<{ total_count: number; environments: EnvironmentJson[] }>(
      `${base}/environments?per_page=100&page=${page}`,
    );
    all.push(...list.environments);
    if (list.environments.length < 100 || all.length >= list.total_count) return all;
  }
}

/** The runs waiting now, and the environments each waits on. */
async function waitingRuns(base: string): Promise<{ run: RunJson; environments: string[] }[]> {
  const runs = await api<{ workflow_runs: RunJson[] }>(
    `${base}/actions/runs?status=waiting&per_page=30`,
  ).then(
    (r) => r.workflow_runs,
    // A server that knows no `waiting` status has no run waiting.
    () => [] as RunJson[],
  );
  return Promise.all(
    runs.map(async (run) => {
      const pending = await api<PendingDeploymentJson[]>(
        `${base}/actions/runs/${run.id}/pending_deployments`,
      ).catch(() => [] as PendingDeploymentJson[]);
      return { run, environments: pending.map((p) => p.environment.name) };
    }),
  );
}

/** The origin of a URL the server gave (its public URL's); the page's when it is not one. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return location.origin;
  }
}

/** Sets a deployment's run from its job (GitHub's job answer names its run_id). */
async function resolveRun(base: string, h: DeploymentView): Promise<void> {
  if (h.runId || !h.jobId) return;
  const job = await api<{ run_id: number }>(`${base}/actions/jobs/${h.jobId}`).catch(() => undefined);
  if (job) h.runId = job.run_id;
}

export async function loadEnvironments(owner: string, repo: string): Promise<EnvironmentsData> {
  const base = repoPath(owner, repo);
  const [environments, waiting] = await Promise.all([allEnvironments(base), waitingRuns(base)]);
  const views = await Promise.all(
    environments.map(async (environment): Promise<EnvironmentView> => {
      const origins = [location.origin, originOf(environment.html_url)];
      const deployments = await api<DeploymentJson[]>(
        `${base}/deployments?environment=${encodeURIComponent(environment.name)}&per_page=${HISTORY}`,
      );
      const history = await Promise.all(
        deployments.map(async (d) =>
          viewOf(
            d,
            await api<DeploymentStatusJson[]>(`${base}/deployments/${d.id}/statuses?per_page=100`),
            owner,
            repo,
            origins,
          ),
        ),
      );
      const current = history.find((h) => h.state === "success");
      // The run behind the deployments that matter here: what runs now and the newest.
      for (const h of [current, history[0]]) if (h) await resolveRun(base, h);
      const [currentRun, approvals] = current?.runId
        ? await Promise.all([
            api<RunJson>(`${base}/actions/runs/${current.runId}`).catch(() => undefined),
            api<ApprovalJson[]>(`${base}/actions/runs/${current.runId}/approvals`).catch(() => []),
          ])
        : [undefined, []];
      return {
        environment,
        history,
        more: deployments.length === HISTORY,
        current,
        currentRun,
        approvals: approvals.filter(
          (a) => a.state !== "pending" && a.environments.some((e) => e.name === environment.name),
        ),
        waiting: waiting.filter((w) => w.environments.includes(environment.name)).map((w) => w.run),
      };
    }),
  );
  // The workflows of the runs that deployed last and of those waiting say the order.
  const runIds = [
    ...new Set([
      ...views.flatMap((v) => (v.current?.runId ? [v.current.runId] : [])),
      ...views.flatMap((v) => (v.history[0]?.runId ? [v.history[0].runId] : [])),
      ...waiting.map((w) => w.run.id),
    ]),
  ].slice(0, GRAPHS);
  const graphs = await Promise.all(
    runIds.map((id) =>
      api<{ jobs: GraphJobDef[] }>(`${base}/actions/runs/${id}/graph`).then(
        (g) => g.jobs,
        () => [] as GraphJobDef[],
      ),
    ),
  );
  const edges: Edge[] = graphs.flatMap(edgesOf);
  const firstUsed = (v: EnvironmentView) => {
    const oldest = v.history[v.history.length - 1]?.deployment.created_at;
    return oldest && !v.more && oldest < v.environment.created_at ? oldest : v.environment.created_at;
  };
  const order = promotionOrder(
    views.map((v) => ({ name: v.environment.name, firstUsed: firstUsed(v) })),
    edges,
  );
  const byName = new Map(views.map((v) => [v.environment.name, v]));
  return {
    environments: order.map((n) => byName.get(n) as EnvironmentView),
    byNeeds: edges.some(([a, b]) => byName.has(a) && byName.has(b)),
  };
}
