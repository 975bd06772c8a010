// GitHub's deployments API: …/deployments (list, create), …/deployments/{id} (get, delete) and
// …/deployments/{id}/statuses (list, create, get). Readers of the repository read them; writers (a
// job's token: `deployments: write`) create them, as external deploy tools (Argo CD or Flux
// notifications) do; every change is in the audit trail.
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import {
  DEFAULT_SETTINGS,
  deleteRefusal,
  deploymentBody,
  deploymentStatusBody,
  isProductionDefault,
} from "../../delivery/index.js";
import { JOB_ACTOR } from "../../identity/index.js";
import type { Deployment, DeploymentCreator, Repo } from "../../store/index.js";
import { callerOf, repoAccess } from "../access.js";
import { commitChecks } from "../commit-checks.js";
import { baseUrl, bodyOf, HttpError, idParam, queryOf, type ServerContext } from "../context.js";
import { deploymentJson, type EventCause, statusJson } from "../deployments.js";
import { githubPageFields } from "../paging.js";
import { idQuery, refProblem } from "../validate.js";

const text = (what: string) => z.string().max(255, `${what} must be at most 255 characters`);
const listQuery = z.object({
  ...githubPageFields,
  sha: text("sha").optional(),
  ref: text("ref").optional(),
  task: text("task").optional(),
  environment: text("environment").optional(),
});
const pageQuery = z.object(githubPageFields);

const SHA = /^[0-9a-f]{7,64}$/i;

/** Who the caller is, as a deployment's creator, and whether the events they cause start workflows. */
function creatorOf(c: Context): { creator: DeploymentCreator; cause: EventCause } {
  const principal = callerOf(c);
  return principal.kind === "user"
    ? { creator: { login: principal.user.login, id: principal.user.id }, cause: { kind: "person" } }
    : { creator: { login: JOB_ACTOR, id: null }, cause: { kind: "job-token" } };
}

export function deploymentRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const base = "/repos/:owner/:repo/deployments";

  /** The path's deployment, when the caller has `role` on its repository (a job's token: `deployments`). */
  async function deploymentOf(
    c: Context,
    role: "read" | "write",
  ): Promise<{ repo: Repo; deployment: Deployment }> {
    const repo = await repoAccess(ctx, c, role, "deployments");
    const id = idParam(c, "deployment_id");
    const deployment = await ctx.store.getDeployment(repo.id, id);
    if (!deployment) throw new HttpError(404, "Not Found");
    return { repo, deployment };
  }

  /** The environment a deployment or status names (its name checked by the body's schema): created on first use, as a job's is. */
  async function ensureEnvironment(c: Context, repo: Repo, name: string): Promise<void> {
    const { environment, created } = await ctx.store.ensureEnvironment(repo.id, name, DEFAULT_SETTINGS);
    if (created)
      await ctx.audit.record(c, "environment.create", {
        repo,
        details: { environment: environment.name, environment_id: environment.id, source: "deployment" },
      });
  }

  app.get(base, async (c) => {
    const repo = await repoAccess(ctx, c, "read", "deployments");
    const q = queryOf(c, listQuery);
    const { deployments } = await ctx.store.listDeployments({
      repoId: repo.id,
      sha: q.sha,
      ref: q.ref,
      task: q.task,
      environment: q.environment,
      page: q.page,
      perPage: q.per_page,
    });
    return c.json(deployments.map((d) => deploymentJson(baseUrl(c), repo, d)));
  });

  app.post(base, async (c) => {
    const repo = await repoAccess(ctx, c, "write", "deployments");
    const body = await bodyOf(c, deploymentBody);
    if (!SHA.test(body.ref)) {
      const problem = refProblem(body.ref);
      if (problem) throw new HttpError(422, "Validation Failed", [`ref: ${problem}`]);
    }
    try {
      await ctx.clones.sync(repo);
    } catch (err) {
      throw new HttpError(502, `The server could not fetch ${repo.url}: ${(err as Error).message}`);
    }
    const resolved = await ctx.clones.resolveRef(repo, body.ref);
    if (!resolved) throw new HttpError(422, `No ref found for: ${body.ref}`);
    // GitHub's required_contexts: every check of the commit must have succeeded (the ones named,
    // when given; none when []), else 409. gantry never merges the default branch in (auto_merge).
    if (body.required_contexts === undefined || body.required_contexts.length > 0) {
      const checks = (await commitChecks(ctx.store, repo, resolved.sha)).checks;
      const wanted = body.required_contexts;
      const failing =
        wanted === undefined
          ? checks.filter((k) => k.required && k.state !== "success").map((k) => `${k.context}: ${k.state}`)
          : wanted.flatMap((name) => {
              const check = checks.find((k) => k.context === name);
              if (!check) return [`${name}: no such check on ${resolved.sha}`];
              return check.state === "success" ? [] : [`${name}: ${check.state}`];
            });
      if (failing.length > 0)
        throw new HttpError(409, `Conflict: Commit status checks failed for ${body.ref}.`, failing);
    }
    await ensureEnvironment(c, repo, body.environment);
    const { creator, cause } = creatorOf(c);
    const deployment = await ctx.runs.deployments.create(
      repo,
      {
        ref: body.ref,
        fullRef: resolved.ref,
        sha: resolved.sha,
        task: body.task,
        // The body's object came from JSON.parse: JSON all the way down.
        payload: body.payload as Deployment["payload"],
        environment: body.environment,
        description: body.description,
        transientEnvironment: body.transient_environment,
        productionEnvironment: body.production_environment ?? isProductionDefault(body.environment),
        creator,
      },
      cause,
    );
    await ctx.audit.record(c, "deployment.create", {
      repo,
      details: {
        deployment_id: deployment.id,
        environment: deployment.environment,
        ref: deployment.ref,
        sha: deployment.sha,
        task: deployment.task,
      },
    });
    return c.json(deploymentJson(baseUrl(c), repo, deployment), 201);
  });

  app.get(`${base}/:deployment_id`, async (c) => {
    const { repo, deployment } = await deploymentOf(c, "read");
    return c.json(deploymentJson(baseUrl(c), repo, deployment));
  });

  app.delete(`${base}/:deployment_id`, async (c) => {
    const { repo, deployment } = await deploymentOf(c, "write");
    const refused = deleteRefusal(deployment.state, await ctx.store.countDeployments(repo.id));
    if (refused) throw new HttpError(422, refused);
    await ctx.store.removeDeployment(repo.id, deployment.id);
    await ctx.audit.record(c, "deployment.delete", {
      repo,
      details: { deployment_id: deployment.id, environment: deployment.environment, sha: deployment.sha },
    });
    return c.body(null, 204);
  });

  app.get(`${base}/:deployment_id/statuses`, async (c) => {
    const { repo, deployment } = await deploymentOf(c, "read");
    const q = queryOf(c, pageQuery);
    const { statuses } = await ctx.store.listDeploymentStatuses(deployment.id, q.page, q.per_page);
    return c.json(statuses.map((s) => statusJson(baseUrl(c), repo, deployment.id, s)));
  });

  app.post(`${base}/:deployment_id/statuses`, async (c) => {
    const { repo, deployment } = await deploymentOf(c, "write");
    const body = await bodyOf(c, deploymentStatusBody);
    if (body.environment !== undefined) await ensureEnvironment(c, repo, body.environment);
    const { creator, cause } = creatorOf(c);
    const { status } = await ctx.runs.deployments.addStatus(
      repo,
      deployment,
      {
        state: body.state,
        description: body.description,
        environment: body.environment,
        environmentUrl: body.environment_url,
        // GitHub: log_url replaces target_url (setting one sets both).
        logUrl: body.log_url ?? body.target_url,
        autoInactive: body.auto_inactive,
        creator,
      },
      cause,
    );
    await ctx.audit.record(c, "deployment_status.create", {
      repo,
      details: {
        deployment_id: deployment.id,
        status_id: status.id,
        state: status.state,
        environment: status.environment,
      },
    });
    return c.json(statusJson(baseUrl(c), repo, deployment.id, status), 201);
  });

  app.get(`${base}/:deployment_id/statuses/:status_id`, async (c) => {
    const { repo, deployment } = await deploymentOf(c, "read");
    const status = await ctx.store.getDeploymentStatus(deployment.id, idParam(c, "status_id"));
    if (!status) throw new HttpError(404, "Not Found");
    return c.json(statusJson(baseUrl(c), repo, deployment.id, status));
  });

  return app;
}
