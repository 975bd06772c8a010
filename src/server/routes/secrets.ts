// GitHub's Actions secrets and variables API, at three levels: a repository's
// (/repos/{owner}/{repo}/actions/…), an environment's (/repos/{owner}/{repo}/environments/{env}/…)
// and gantry's server-wide ones (/admin/actions/…, shaped as GitHub's organization secrets with
// visibility `all`: they reach every repository). Repository admins manage their repository's and
// its environments'; site admins everything. A secret comes sealed (libsodium sealed box with the
// public key of …/secrets/public-key) and is never answered: lists and gets give names and dates.
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { environmentNameProblem, type Scope, SecretsError, type SecretVault } from "../../secrets/index.js";
import type { Repo, StoredSecret, StoredVariable } from "../../store/index.js";
import { repoAccess, requireSiteAdmin } from "../access.js";
import { bodyOf, HttpError, queryOf, type ServerContext } from "../context.js";
import { githubTime } from "../github-shapes.js";
import { githubPageFields, pageOf } from "../paging.js";
import { createVariableBody, patchVariableBody, putSecretBody } from "../secret-schemas.js";

const pageQuery = z.object(githubPageFields);

/** What a level of the API is: its paths' prefix and who may use it. */
interface Level {
  prefix: string;
  /** The scope of the request's path once the caller may manage it (404/403 otherwise). */
  scope(c: Context): Promise<{ scope: Scope; repo?: Repo }>;
  /** Whether answers carry GitHub's organization `visibility`. */
  server: boolean;
  /** The audit trail's prefix for changes at this level, as GitHub's (repo., environment., org.). */
  audit: "repo" | "environment" | "org";
}

/** The vault's refusals as GitHub's answers. */
async function vaultCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SecretsError) throw new HttpError(err.status, err.message, err.errors);
    throw err;
  }
}

function paged<T>(c: Context, items: T[]): T[] {
  const { page, per_page } = queryOf(c, pageQuery);
  return pageOf(items, page, per_page);
}

export function secretRoutes(ctx: ServerContext): Hono {
  /** A change in the audit trail, with GitHub's action name: names only, never a value. */
  const record = (
    c: Context,
    level: Level,
    action: string,
    what: { scope: Scope; repo?: Repo; name: string; old_name?: string },
  ) =>
    ctx.audit.record(c, `${level.audit}.${action}`, {
      repo: what.repo ?? null,
      details: {
        name: what.name,
        ...(what.old_name ? { old_name: what.old_name } : {}),
        ...(what.scope.kind === "environment" ? { environment: what.scope.environment } : {}),
      },
    });
  const app = new Hono();
  const vault = (): SecretVault => ctx.vault;
  const levels: Level[] = [
    {
      prefix: "/repos/:owner/:repo/actions",
      server: false,
      audit: "repo",
      scope: async (c) => {
        const repo = await repoAccess(ctx, c, "admin");
        return { scope: { kind: "repository", repoId: repo.id }, repo };
      },
    },
    {
      prefix: "/repos/:owner/:repo/environments/:environment",
      server: false,
      audit: "environment",
      scope: async (c) => {
        const repo = await repoAccess(ctx, c, "admin");
        const environment = c.req.param("environment") ?? "";
        // As GitHub: an environment's secrets and variables need the environment (made through
        // PUT …/environments/{name}, the config file or a job's first use), and go with it.
        // A name no environment can have is the vault's to refuse (422, naming the rule).
        const possible = environmentNameProblem(environment) === undefined;
        if (possible && !(await ctx.store.getEnvironment(repo.id, environment)))
          throw new HttpError(404, "Not Found");
        return { scope: { kind: "environment", repoId: repo.id, environment }, repo };
      },
    },
    {
      prefix: "/admin/actions",
      server: true,
      audit: "org",
      scope: async (c) => {
        requireSiteAdmin(c);
        return { scope: { kind: "server" } };
      },
    },
  ];

  for (const level of levels) {
    const visibility = level.server ? { visibility: "all" as const } : {};
    const secretJson = (s: StoredSecret) => ({
      name: s.name,
      created_at: githubTime(s.createdAt),
      updated_at: githubTime(s.updatedAt),
      ...visibility,
    });
    const variableJson = (v: StoredVariable) => ({
      name: v.name,
      value: v.value,
      created_at: githubTime(v.createdAt),
      updated_at: githubTime(v.updatedAt),
      ...visibility,
    });
    const secrets = `${level.prefix}/secrets`;
    const variables = `${level.prefix}/variables`;

    // Before …/secrets/:name, which would take `public-key` for a name.
    app.get(`${secrets}/public-key`, async (c) => {
      await level.scope(c);
      return c.json(vault().publicKey());
    });
    app.get(secrets, async (c) => {
      const { scope } = await level.scope(c);
      const all = await vaultCall(() => vault().listSecrets(scope));
      return c.json({ total_count: all.length, secrets: paged(c, all).map(secretJson) });
    });
    app.get(`${secrets}/:name`, async (c) => {
      const { scope } = await level.scope(c);
      return c.json(secretJson(await vaultCall(() => vault().getSecret(scope, c.req.param("name")))));
    });
    app.put(`${secrets}/:name`, async (c) => {
      const { scope, repo } = await level.scope(c);
      const body = await bodyOf(c, putSecretBody);
      const { name, outcome } = await vaultCall(() => vault().setSecret(scope, c.req.param("name"), body));
      await record(c, level, outcome === "created" ? "create_actions_secret" : "update_actions_secret", {
        scope,
        repo,
        name,
      });
      // GitHub's answers: 201 for a new secret, 204 for a new value of one.
      return outcome === "created" ? c.json({}, 201) : c.body(null, 204);
    });
    app.delete(`${secrets}/:name`, async (c) => {
      const { scope, repo } = await level.scope(c);
      const name = await vaultCall(() => vault().removeSecret(scope, c.req.param("name")));
      await record(c, level, "remove_actions_secret", { scope, repo, name });
      return c.body(null, 204);
    });

    app.get(variables, async (c) => {
      const { scope } = await level.scope(c);
      const all = await vaultCall(() => vault().listVariables(scope));
      return c.json({ total_count: all.length, variables: paged(c, all).map(variableJson) });
    });
    app.post(variables, async (c) => {
      const { scope, repo } = await level.scope(c);
      const body = await bodyOf(c, createVariableBody);
      const made = await vaultCall(() => vault().createVariable(scope, body));
      await record(c, level, "create_actions_variable", { scope, repo, name: made.name });
      return c.json({}, 201);
    });
    app.get(`${variables}/:name`, async (c) => {
      const { scope } = await level.scope(c);
      return c.json(variableJson(await vaultCall(() => vault().getVariable(scope, c.req.param("name")))));
    });
    app.patch(`${variables}/:name`, async (c) => {
      const { scope, repo } = await level.scope(c);
      const body = await bodyOf(c, patchVariableBody);
      const name = await vaultCall(() => vault().updateVariable(scope, c.req.param("name"), body));
      const renamed = body.name === undefined ? {} : { old_name: c.req.param("name").toUpperCase() };
      await record(c, level, "update_actions_variable", { scope, repo, name, ...renamed });
      return c.body(null, 204);
    });
    app.delete(`${variables}/:name`, async (c) => {
      const { scope, repo } = await level.scope(c);
      const name = await vaultCall(() => vault().removeVariable(scope, c.req.param("name")));
      await record(c, level, "remove_actions_variable", { scope, repo, name });
      return c.body(null, 204);
    });
  }
  return app;
}
