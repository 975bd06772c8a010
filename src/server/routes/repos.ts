import { type Context, Hono } from "hono";
import { safeUrl } from "../../audit/index.js";
import { readableRepoIds, roleOn, rolePermissions } from "../../identity/index.js";
import type { Repo } from "../../store/index.js";
import { StoreError } from "../../store/index.js";
import { callerOf, repoAccess, requireSiteAdmin } from "../access.js";
import { bodyOf, HttpError, type ServerContext } from "../context.js";
import { repoJson } from "../github-shapes.js";
import { repoUrlProblem } from "../repo-url.js";
import { repoBody, repoPatchBody } from "../schemas.js";

/**
 * gantry's own: register repositories (the server clones each), read and change them. Each caller
 * sees the repositories it reads; a site admin registers them, a maintainer changes their settings,
 * an admin removes them.
 */
export function repoRoutes(ctx: ServerContext): Hono {
  const app = new Hono();

  /** The repository as the caller sees it: with GitHub's `permissions`, what its role lets it do. */
  async function shown(c: Context, repo: Repo) {
    const role = await roleOn(ctx.store, callerOf(c), repo);
    return { ...repoJson(repo), ...(role ? { permissions: rolePermissions(role) } : {}) };
  }

  app.get("/repos", async (c) => {
    const readable = await readableRepoIds(ctx.store, callerOf(c));
    const repos = (await ctx.store.listRepos()).filter((r) => !readable || readable.has(r.id));
    return c.json(await Promise.all(repos.map((r) => shown(c, r))));
  });
  // A new repository is the site's: only a site admin registers one (and then gives it collaborators).
  app.post("/repos", async (c) => {
    requireSiteAdmin(c);
    const body = await bodyOf(c, repoBody);
    const urlProblem = repoUrlProblem(body.url, ctx.config.repo_url_schemes);
    if (urlProblem) throw new HttpError(422, "Validation Failed", [`url: ${urlProblem}`]);
    if (await ctx.store.getRepo(body.owner, body.name)) {
      throw new HttpError(422, "Validation Failed", [`${body.owner}/${body.name} is already registered`]);
    }
    try {
      await ctx.clones.sync({ owner: body.owner, name: body.name, url: body.url });
    } catch (err) {
      throw new HttpError(422, "Validation Failed", [
        `url: the server could not clone ${body.url}: ${(err as Error).message}`,
      ]);
    }
    try {
      const repo = await ctx.store.addRepo({
        owner: body.owner,
        name: body.name,
        url: body.url,
        defaultBranch: body.default_branch,
        pollIntervalSeconds: body.poll_interval_seconds,
        requiredChecks: body.required_checks,
        forkApproval: body.fork_approval,
      });
      await ctx.audit.record(c, "repo.create", {
        repo,
        details: { url: safeUrl(repo.url), default_branch: repo.defaultBranch },
      });
      return c.json(await shown(c, repo), 201);
    } catch (err) {
      if (err instanceof StoreError && err.code === "conflict")
        throw new HttpError(422, "Validation Failed", [err.message]);
      throw err;
    }
  });
  app.get("/repos/:owner/:repo", async (c) =>
    c.json(await shown(c, await repoAccess(ctx, c, "read", "metadata"))),
  );
  // A maintainer's (settings that are not secrets). A repository of the config file gets the file's
  // settings back at the next start.
  app.patch("/repos/:owner/:repo", async (c) => {
    const repo = await repoAccess(ctx, c, "maintain");
    const body = await bodyOf(c, repoPatchBody);
    const url = body.url ?? repo.url;
    if (url !== repo.url) {
      const urlProblem = repoUrlProblem(url, ctx.config.repo_url_schemes);
      if (urlProblem) throw new HttpError(422, "Validation Failed", [`url: ${urlProblem}`]);
      try {
        await ctx.clones.sync({ owner: repo.owner, name: repo.name, url });
      } catch (err) {
        throw new HttpError(422, "Validation Failed", [
          `url: the server could not fetch ${url}: ${(err as Error).message}`,
        ]);
      }
    }
    const updated = await ctx.store.upsertRepo({
      owner: repo.owner,
      name: repo.name,
      url,
      defaultBranch: body.default_branch ?? repo.defaultBranch,
      pollIntervalSeconds: body.poll_interval_seconds ?? repo.pollIntervalSeconds,
      requiredChecks: body.required_checks ?? repo.requiredChecks,
      forkApproval: body.fork_approval ?? repo.forkApproval,
    });
    await ctx.audit.record(c, "repo.update", {
      repo: updated,
      details: { changes: { ...body, ...(body.url === undefined ? {} : { url: safeUrl(body.url) }) } },
    });
    return c.json(await shown(c, updated));
  });
  // GitHub's DELETE /repos/{owner}/{repo}: an admin's, 204. It removes the repository, its clone
  // and its runs (jobs, steps, logs, annotations, summaries, artifacts) and pull requests; while a
  // run of it is queued or in progress it refuses (409): a job's worktree and log would be pulled
  // from under it, and its result would have nowhere to go. A repository of the config file comes
  // back at the next start.
  app.delete("/repos/:owner/:repo", async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    const active = (await ctx.store.listUnfinishedRuns()).filter((r) => r.repoId === repo.id);
    if (active.length > 0) {
      throw new HttpError(
        409,
        `${repo.owner}/${repo.name} has ${active.length} run(s) not completed (queued, pending, waiting or in progress: ${active
          .map((r) => r.id)
          .join(", ")}): cancel them, or wait for them to finish, before removing it`,
      );
    }
    const { runIds } = await ctx.store.removeRepo(repo.id);
    await ctx.audit.record(c, "repo.destroy", { repo, details: { runs_removed: runIds.length } });
    await ctx.clones.remove(repo);
    for (const id of runIds) {
      await ctx.logs.removeRun(id);
      ctx.notes?.removeRun(id);
      await ctx.artifacts?.removeRun(String(id));
    }
    return c.body(null, 204);
  });
  return app;
}
