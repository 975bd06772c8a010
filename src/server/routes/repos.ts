import { Hono } from "hono";
import { StoreError } from "../../store/index.js";
import { bodyOf, HttpError, repoOf, type ServerContext } from "../context.js";
import { repoJson } from "../github-shapes.js";
import { repoUrlProblem } from "../repo-url.js";
import { repoBody, repoPatchBody } from "../schemas.js";

/** gantry's own: register repositories (the server clones each), read and change them. */
export function repoRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  app.get("/repos", async (c) => c.json((await ctx.store.listRepos()).map(repoJson)));
  app.post("/repos", async (c) => {
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
      });
      return c.json(repoJson(repo), 201);
    } catch (err) {
      if (err instanceof StoreError && err.code === "conflict")
        throw new HttpError(422, "Validation Failed", [err.message]);
      throw err;
    }
  });
  app.get("/repos/:owner/:repo", async (c) => c.json(repoJson(await repoOf(ctx, c))));
  // A repository of the config file gets the file's settings back at the next start.
  app.patch("/repos/:owner/:repo", async (c) => {
    const repo = await repoOf(ctx, c);
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
    });
    return c.json(repoJson(updated));
  });
  return app;
}
