// Deployments as the server keeps, shows and announces them: GitHub's JSON shapes, the deployments
// the API creates (for external deploy tools) and those a job with an `environment:` makes
// (queued → in_progress → success / failure / error), the auto-inactive rule, and the `deployment`
// and `deployment_status` events, which start the workflows that listen as on GitHub (see EventCause).
import type { EnvironmentOutcome, EnvironmentRequest, EventBus } from "../engine/index.js";
import type { Json } from "../expressions/index.js";
import type {
  Deployment,
  DeploymentCreator,
  DeploymentState,
  DeploymentStatus,
  Repo,
  Run,
  Store,
} from "../store/index.js";
import type { RepoEvent } from "../triggers/index.js";
import { eventAt, repositoryPayload } from "./dispatch-event.js";
import { githubTime, nodeId, pageUrl } from "./github-shapes.js";

function apiOf(base: string, repo: Repo): string {
  return `${base}/api/v1/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
}

/** A creator as GitHub's simple user: a person, or the jobs' bot (no id). */
export function creatorJson(base: string, creator: DeploymentCreator): { [key: string]: Json } {
  const login = encodeURIComponent(creator.login);
  return {
    login: creator.login,
    id: creator.id,
    node_id: creator.id === null ? "" : Buffer.from(`04:User${creator.id}`).toString("base64"),
    avatar_url: "",
    url: `${base}/api/v1/users/${login}`,
    html_url: `${base}/users/${login}`,
    type: creator.id === null ? "Bot" : "User",
    site_admin: false,
  };
}

/** A deployment as GitHub's REST API shows one. */
export function deploymentJson(base: string, repo: Repo, d: Deployment): { [key: string]: Json } {
  const api = apiOf(base, repo);
  return {
    url: `${api}/deployments/${d.id}`,
    id: d.id,
    node_id: nodeId("DE_", d.id),
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.originalEnvironment,
    environment: d.environment,
    description: d.description,
    creator: creatorJson(base, d.creator),
    created_at: githubTime(d.createdAt),
    updated_at: githubTime(d.updatedAt),
    statuses_url: `${api}/deployments/${d.id}/statuses`,
    repository_url: api,
    transient_environment: d.transientEnvironment,
    production_environment: d.productionEnvironment,
    performed_via_github_app: null,
  };
}

/** A deployment status as GitHub's REST API shows one (target_url is log_url, as GitHub keeps them). */
export function statusJson(
  base: string,
  repo: Repo,
  deploymentId: number,
  s: DeploymentStatus,
): { [key: string]: Json } {
  const api = apiOf(base, repo);
  return {
    url: `${api}/deployments/${deploymentId}/statuses/${s.id}`,
    id: s.id,
    node_id: nodeId("DES_", s.id),
    state: s.state,
    creator: creatorJson(base, s.creator),
    description: s.description,
    environment: s.environment,
    target_url: s.logUrl,
    created_at: githubTime(s.createdAt),
    updated_at: githubTime(s.updatedAt),
    deployment_url: `${api}/deployments/${deploymentId}`,
    repository_url: api,
    environment_url: s.environmentUrl,
    log_url: s.logUrl,
    performed_via_github_app: null,
  };
}

/** What a new deployment is: GitHub's create body, resolved (the commit and full ref its ref names). */
export interface DeploymentRequest {
  ref: string;
  fullRef: string;
  sha: string;
  task: string;
  payload: Json;
  environment: string;
  description: string | null;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  creator: DeploymentCreator;
}

/** A new status of a deployment (GitHub's create body, resolved). */
export interface StatusRequest {
  state: DeploymentState;
  description: string;
  /** The deployment's new environment, when the status moves it. */
  environment?: string;
  environmentUrl: string;
  logUrl: string;
  autoInactive: boolean;
  creator: DeploymentCreator;
}

/**
 * Who caused an event, for whether it starts workflows. GitHub: "events triggered by the
 * GITHUB_TOKEN, with the exception of workflow_dispatch and repository_dispatch, will not create a
 * new workflow run". So a job's token (`job-token`) starts none, and neither does a run's own
 * deployment of a job (`run`: GitHub Actions makes it, as github-actions[bot], on the run's
 * behalf). Only a person's token (`person`: an external deploy tool, a script) starts workflows,
 * and the runs it starts can only deploy in those two ways: no chain, no loop.
 */
export type EventCause = { kind: "person" } | { kind: "job-token" } | { kind: "run"; run: Run };

export interface DeploymentsDeps {
  store: Store;
  /** The server's URL once it listens ("" before). */
  baseUrl: () => string;
  log: (message: string) => void;
  /** Starts the runs an event matches (RunService.handleEvent). */
  handleEvent: (repo: Repo, event: RepoEvent) => Promise<Run[]>;
}

/** A job's deployment: finish() is the environment's leave(). */
export interface JobDeployment {
  deployment: Deployment;
  finish(outcome: EnvironmentOutcome): Promise<void>;
}

/** The state a job's result gives its deployment (a cancelled job's deployment failed, as on GitHub). */
export function stateOfResult(result: EnvironmentOutcome["result"]): DeploymentState {
  if (result === "success") return "success";
  if (result === "failure" || result === "cancelled") return "failure";
  return "error";
}

export class Deployments {
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly deps: DeploymentsDeps) {}

  /** Whether an event is still being handed on. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Resolves once every event fired so far has started its runs. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Fires no more events (the server is stopping) and waits for those under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  /** Stores a deployment and fires its `deployment` event. */
  async create(
    repo: Repo,
    req: DeploymentRequest,
    cause: EventCause,
    job?: { run: Run; jobKey: string },
  ): Promise<Deployment> {
    const deployment = await this.deps.store.createDeployment({
      repoId: repo.id,
      sha: req.sha,
      ref: req.ref,
      fullRef: req.fullRef,
      task: req.task,
      payload: req.payload,
      environment: req.environment,
      originalEnvironment: req.environment,
      description: req.description,
      creator: req.creator,
      transientEnvironment: req.transientEnvironment,
      productionEnvironment: req.productionEnvironment,
      runId: job?.run.id ?? null,
      runAttempt: job?.run.runAttempt ?? null,
      jobKey: job?.jobKey ?? null,
    });
    this.fire(repo, deployment, cause, "deployment", { deployment: this.json(repo, deployment) });
    return deployment;
  }

  /**
   * Adds a status to a deployment and fires its `deployment_status` event (none for `inactive`,
   * as GitHub); a success with auto_inactive makes the environment's earlier successful,
   * non-transient deployments inactive. The deployment as it stands after comes back too.
   */
  async addStatus(
    repo: Repo,
    deployment: Deployment,
    req: StatusRequest,
    cause: EventCause,
  ): Promise<{ status: DeploymentStatus; deployment: Deployment }> {
    const environment = req.environment ?? deployment.environment;
    const { status } = await this.deps.store.addDeploymentStatus(
      {
        deploymentId: deployment.id,
        state: req.state,
        description: req.description,
        environment,
        environmentUrl: req.environmentUrl,
        logUrl: req.logUrl,
        creator: req.creator,
      },
      req.autoInactive,
    );
    const after: Deployment = { ...deployment, environment, state: req.state, updatedAt: status.updatedAt };
    if (status.state !== "inactive") {
      const base = this.deps.baseUrl();
      this.fire(repo, after, cause, "deployment_status", {
        deployment_status: statusJson(base, repo, deployment.id, status),
        deployment: this.json(repo, after),
      });
    }
    return { status, deployment: after };
  }

  /**
   * A job of `run` entered its environment (the gate passed): its deployment, created by the run's
   * triggering actor with a `queued` status, `in_progress` when the job starts; finish() gives it
   * the job's result (success, failure, error) with the evaluated environment.url.
   */
  async start(repo: Repo, run: Run, request: EnvironmentRequest, bus: EventBus): Promise<JobDeployment> {
    const { store } = this.deps;
    const user = await store.getUser(run.actor);
    const creator: DeploymentCreator = { login: run.actor, id: user?.id ?? null };
    const cause: EventCause = { kind: "run", run };
    const deployment = await this.create(
      repo,
      {
        ref: run.headBranch || run.ref,
        fullRef: run.ref,
        sha: run.headSha,
        task: "deploy",
        payload: {},
        environment: request.name,
        description: null,
        transientEnvironment: false,
        productionEnvironment: request.name.toLowerCase() === "production",
        creator,
      },
      cause,
      { run, jobKey: request.jobKey },
    );
    const logUrl = async () => {
      const job = await store.findJob(run.id, run.runAttempt, request.jobKey);
      return pageUrl(this.deps.baseUrl(), repo, job ? `jobs/${job.id}` : `runs/${run.id}`);
    };
    let current = deployment;
    // Each status after the one before: queued, in_progress, then the job's result.
    let chain: Promise<unknown> = Promise.resolve();
    const add = (state: DeploymentState, extra: { environmentUrl?: string; description?: string } = {}) => {
      chain = chain.then(async () => {
        const added = await this.addStatus(
          repo,
          current,
          {
            state,
            description: extra.description ?? "",
            environmentUrl: extra.environmentUrl ?? "",
            logUrl: await logUrl(),
            autoInactive: true,
            creator,
          },
          cause,
        );
        current = added.deployment;
      });
      chain = chain.catch((err: Error) =>
        this.deps.log(`deployment ${deployment.id} (${state}): ${err.message}`),
      );
      return chain;
    };
    await add("queued");
    let started = false;
    let finished = false;
    bus.on("job:started", (e) => {
      if (e.jobKey !== request.jobKey || started || finished) return;
      started = true;
      void add("in_progress");
    });
    return {
      deployment,
      finish: async (outcome) => {
        if (finished) return;
        finished = true;
        const state = stateOfResult(outcome.result);
        const description = outcome.result === "cancelled" ? "The job was cancelled" : "";
        await add(state, { environmentUrl: outcome.url ?? "", description });
      },
    };
  }

  private json(repo: Repo, d: Deployment) {
    return deploymentJson(this.deps.baseUrl(), repo, d);
  }

  /**
   * Fires a deployment event in the background (idle() waits for it): the workflows at the
   * deployment's commit that listen start, unless a job's token caused it. A failure is logged.
   */
  private fire(
    repo: Repo,
    deployment: Deployment,
    cause: EventCause,
    name: "deployment" | "deployment_status",
    body: { [key: string]: Json },
  ): void {
    if (cause.kind !== "person" || this.stopped) return;
    const base = this.deps.baseUrl();
    const sender = creatorJson(base, deployment.creator);
    const payload: { [key: string]: Json } = {
      action: "created",
      ...body,
      repository: repositoryPayload(repo),
      sender,
    };
    const event = eventAt(name, { ref: deployment.fullRef, sha: deployment.sha }, payload);
    const p = this.deps
      .handleEvent(repo, event)
      .catch((err: Error) =>
        this.deps.log(`${repo.owner}/${repo.name}: ${name} of deployment ${deployment.id}: ${err.message}`),
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}
