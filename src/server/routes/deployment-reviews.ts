// GitHub's reviews of a run's pending deployments: GET/POST …/actions/runs/{run_id}/pending_deployments
// and GET …/actions/runs/{run_id}/approvals. Readers of the repository see them; only a person
// decides (a required reviewer, or an admin bypassing the rules when the environment lets them),
// never a job's GITHUB_TOKEN; each decision and bypass is in the audit trail.
import type { Context } from "hono";
import { Hono } from "hono";
import { roleOn } from "../../identity/index.js";
import type { DeploymentReview, Environment, Repo, Store } from "../../store/index.js";
import { callerOf, repoAccess } from "../access.js";
import { baseUrl, bodyOf, HttpError, idParam, type ServerContext } from "../context.js";
import type { PendingGate, ReviewCaller } from "../environment-gate.js";
import { githubTime, nodeId } from "../github-shapes.js";
import { reviewBody } from "../review-schemas.js";
import { userJson } from "../user-shapes.js";

/** An environment as GitHub names one in a pending deployment or an approval. */
function environmentLink(base: string, repo: Repo, env: { id: number; name: string }) {
  const path = `${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
  const name = encodeURIComponent(env.name);
  return {
    id: env.id,
    node_id: nodeId("Environment", env.id),
    name: env.name,
    url: `${base}/api/v1/repos/${path}/environments/${name}`,
    html_url: `${base}/${path}/deployments/activity_log?environments_filter=${name}`,
  };
}

async function reviewersJson(store: Store, base: string, env: Environment | undefined) {
  const out = [];
  for (const r of env?.rules.reviewers ?? []) {
    const user = await store.getUserById(r.id);
    out.push({
      type: "User",
      reviewer: user ? userJson(base, user, false) : { id: r.id, login: null, type: "User" },
    });
  }
  return out;
}

async function approvalJson(store: Store, base: string, repo: Repo, review: DeploymentReview) {
  const environments = [];
  for (const e of review.environments) {
    const env = await store.getEnvironment(repo.id, e.name);
    const known = env?.id === e.id ? env : undefined;
    environments.push({
      ...environmentLink(base, repo, e),
      created_at: known ? githubTime(known.createdAt) : null,
      updated_at: known ? githubTime(known.updatedAt) : null,
    });
  }
  const user = await store.getUserById(review.userId);
  const path = `${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
  return {
    url: `${base}/api/v1/repos/${path}/actions/runs/${review.runId}`,
    environments,
    state: review.state,
    user: user ? userJson(base, user, false) : { id: review.userId, login: review.userLogin, type: "User" },
    comment: review.comment,
    // gantry's own: which attempt it decided, when, and whether an admin bypassed the rules.
    run_attempt: review.runAttempt,
    created_at: githubTime(review.createdAt),
    bypass: review.bypass,
  };
}

export function deploymentReviewRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const { store } = ctx;
  const gate = ctx.runs.gate;

  async function runOf(c: Context) {
    const repo = await repoAccess(ctx, c, "read", "actions");
    const run = await store.getRun(idParam(c, "id"));
    if (!run || run.repoId !== repo.id) throw new HttpError(404, "Not Found: no such run");
    return { repo, run };
  }

  /**
   * The caller as a reviewer: a person acting with a token that may act on repositories (the `repo`
   * scope; never a job's token), and whether they administer the repository.
   */
  async function reviewerOf(repo: Repo, c: Context): Promise<ReviewCaller | undefined> {
    const principal = callerOf(c);
    if (principal.kind !== "user" || !principal.token.scopes.includes("repo")) return undefined;
    return { user: principal.user, admin: (await roleOn(store, principal, repo)) === "admin" };
  }

  async function pendingJson(c: Context, repo: Repo, actor: string, pending: PendingGate[]) {
    const base = baseUrl(c);
    const caller = await reviewerOf(repo, c);
    const out = [];
    for (const p of pending) {
      out.push({
        environment: environmentLink(base, repo, { id: p.gate.environmentId, name: p.gate.environment }),
        wait_timer: p.gate.waitTimer,
        wait_timer_started_at: githubTime(p.gate.startedAt),
        current_user_can_approve: caller ? gate.standing(p, caller, actor, "approved").may : false,
        reviewers: await reviewersJson(store, base, p.environment),
        // gantry's own: when the wait timer ends, and whether a reviewer approved already.
        wait_timer_ends_at: githubTime(new Date(p.timerEnds).toISOString()),
        approved: p.gate.state === "approved",
      });
    }
    return out;
  }

  const pendingPath = "/repos/:owner/:repo/actions/runs/:id/pending_deployments";

  app.get(pendingPath, async (c) => {
    const { repo, run } = await runOf(c);
    return c.json(await pendingJson(c, repo, run.actor, await gate.pending(run)));
  });

  app.post(pendingPath, async (c) => {
    const { repo, run } = await runOf(c);
    const caller = await reviewerOf(repo, c);
    if (!caller)
      throw new HttpError(
        403,
        callerOf(c).kind === "job"
          ? "A job's GITHUB_TOKEN cannot review deployments: only a person (a required reviewer of the environment) may."
          : "Reviewing deployments needs a token with the repo scope.",
      );
    const body = await bodyOf(c, reviewBody);
    const done = await gate.review(run, caller, body);
    const { review } = done;
    const details = {
      run_id: run.id,
      run_attempt: run.runAttempt,
      workflow: run.workflowFile,
      environments: review.environments.map((e) => e.name),
      environment_ids: review.environments.map((e) => e.id),
      comment: review.comment,
      triggered_by: run.actor,
    };
    const action =
      review.state === "approved" ? "workflows.approve_workflow_job" : "workflows.reject_workflow_job";
    await ctx.audit.record(c, action, { repo, details: { ...details, bypass: review.bypass } });
    if (review.bypass) await ctx.audit.record(c, "environment.bypass_protection_rules", { repo, details });
    return c.json([await approvalJson(store, baseUrl(c), repo, review)]);
  });

  app.get("/repos/:owner/:repo/actions/runs/:id/approvals", async (c) => {
    const { repo, run } = await runOf(c);
    const out = [];
    for (const review of await store.listReviews(run.id))
      out.push(await approvalJson(store, baseUrl(c), repo, review));
    return c.json(out);
  });

  return app;
}
