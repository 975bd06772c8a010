// GitHub's deployment environments API: …/environments (list), …/environments/{name} (get, PUT
// with the protection rules, DELETE) and …/environments/{name}/deployment-branch-policies. Readers
// of the repository read them; only its admins change them; every change is in the audit trail.
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { branchPolicyBody, branchPolicyUpdateBody, environmentBody } from "../../delivery/index.js";
import { StoreError } from "../../store/index.js";
import { repoAccess } from "../access.js";
import { baseUrl, bodyOf, HttpError, idParam, queryOf, type ServerContext } from "../context.js";
import {
  EnvironmentError,
  environmentJson,
  environmentOf,
  putEnvironment,
  refPolicyJson,
} from "../environments.js";
import { githubPageFields, pageOf } from "../paging.js";

const pageQuery = z.object(githubPageFields);

/** The delivery rules' refusals as GitHub's answers. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof EnvironmentError) throw new HttpError(err.status, err.message, err.errors);
    if (err instanceof StoreError && err.code === "conflict") throw new HttpError(409, err.message);
    throw err;
  }
}

export function environmentRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const base = "/repos/:owner/:repo/environments";
  const nameOf = (c: Context) => c.req.param("name") ?? "";

  app.get(base, async (c) => {
    const repo = await repoAccess(ctx, c, "read");
    const { page, per_page } = queryOf(c, pageQuery);
    const all = await ctx.store.listEnvironments(repo.id);
    const environments = [];
    for (const env of pageOf(all, page, per_page))
      environments.push(await environmentJson(ctx.store, baseUrl(c), repo, env));
    return c.json({ total_count: all.length, environments });
  });

  app.get(`${base}/:name`, async (c) => {
    const repo = await repoAccess(ctx, c, "read");
    return answer(async () => {
      const env = await environmentOf(ctx.store, repo, nameOf(c));
      return c.json(await environmentJson(ctx.store, baseUrl(c), repo, env));
    });
  });

  app.put(`${base}/:name`, async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    // No body (or `null`) is GitHub's "create with no rules".
    const none = c.req.header("content-length") === "0";
    const body = none
      ? {}
      : await bodyOf(
          c,
          z.preprocess((v) => v ?? {}, environmentBody),
        );
    const change = await answer(() => putEnvironment(ctx.store, repo, nameOf(c), body));
    for (const { action, details } of change.actions) await ctx.audit.record(c, action, { repo, details });
    return c.json(await environmentJson(ctx.store, baseUrl(c), repo, change.environment));
  });

  app.delete(`${base}/:name`, async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    const env = await answer(() => environmentOf(ctx.store, repo, nameOf(c)));
    await ctx.store.removeEnvironment(repo.id, env.name);
    await ctx.audit.record(c, "environment.delete", {
      repo,
      details: { environment: env.name, environment_id: env.id },
    });
    return c.body(null, 204);
  });

  // Deployment branch and tag policies: only while the environment's policy is custom.
  const policies = `${base}/:name/deployment-branch-policies`;
  app.get(policies, async (c) => {
    const repo = await repoAccess(ctx, c, "read");
    const { page, per_page } = queryOf(c, pageQuery);
    const env = await answer(() => environmentOf(ctx.store, repo, nameOf(c)));
    const all = await ctx.store.listRefPolicies(env.id);
    return c.json({
      total_count: all.length,
      branch_policies: pageOf(all, page, per_page).map(refPolicyJson),
    });
  });

  app.post(policies, async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    const env = await answer(() => environmentOf(ctx.store, repo, nameOf(c)));
    const body = await bodyOf(c, branchPolicyBody);
    if (!env.rules.branchPolicy?.customBranchPolicies)
      throw new HttpError(422, "Validation Failed", [
        `${env.name}: deployment branch policies need the environment's deployment_branch_policy to be {protected_branches: false, custom_branch_policies: true}`,
      ]);
    const policy = await answer(() => ctx.store.addRefPolicy(env.id, body));
    await ctx.audit.record(c, "environment.update_protection_rule", {
      repo,
      details: { environment: env.name, environment_id: env.id, added_policy: refPolicyJson(policy) },
    });
    return c.json(refPolicyJson(policy));
  });

  const onePolicy = `${policies}/:policy_id`;
  const policyOf = async (c: Context) => {
    const repo = await repoAccess(ctx, c, c.req.method === "GET" ? "read" : "admin");
    const env = await answer(() => environmentOf(ctx.store, repo, nameOf(c)));
    const id = idParam(c, "policy_id");
    const policy = (await ctx.store.listRefPolicies(env.id)).find((p) => p.id === id);
    if (!policy) throw new HttpError(404, "Not Found");
    return { repo, env, policy };
  };
  app.get(onePolicy, async (c) => c.json(refPolicyJson((await policyOf(c)).policy)));

  app.put(onePolicy, async (c) => {
    const { repo, env, policy } = await policyOf(c);
    const { name } = await bodyOf(c, branchPolicyUpdateBody);
    await answer(() => ctx.store.updateRefPolicy(env.id, policy.id, name));
    const updated = { ...policy, name };
    await ctx.audit.record(c, "environment.update_protection_rule", {
      repo,
      details: {
        environment: env.name,
        environment_id: env.id,
        updated_policy: refPolicyJson(updated),
        previous_name: policy.name,
      },
    });
    return c.json(refPolicyJson(updated));
  });

  app.delete(onePolicy, async (c) => {
    const { repo, env, policy } = await policyOf(c);
    await ctx.store.removeRefPolicy(env.id, policy.id);
    await ctx.audit.record(c, "environment.update_protection_rule", {
      repo,
      details: { environment: env.name, environment_id: env.id, removed_policy: refPolicyJson(policy) },
    });
    return c.body(null, 204);
  });

  return app;
}
