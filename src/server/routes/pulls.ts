import type { Context } from "hono";
import { Hono } from "hono";
import type { PullRequest, Repo } from "../../store/index.js";
import { actorOf, repoAccess } from "../access.js";
import { commitChecks } from "../commit-checks.js";
import { baseUrl, bodyOf, idParam, queryOf, type ServerContext } from "../context.js";
import { createPullBody, pullsQuery, updatePullBody } from "../pull-schemas.js";
import { pullRequestJson } from "../pull-shapes.js";

/**
 * gantry's pull requests, in GitHub's REST shapes: open (POST), list, get, and close, reopen or
 * retitle (PATCH). Each answer carries `checks_state`, the combined status of the pull request's
 * head and merge commits.
 */
export function pullRoutes(ctx: ServerContext): Hono {
  const app = new Hono();

  async function json(c: Context, repo: Repo, pull: PullRequest) {
    const checks = await commitChecks(ctx.store, repo, pull.headSha);
    return pullRequestJson(pull, repo, baseUrl(c), checks.state);
  }

  app.post("/repos/:owner/:repo/pulls", async (c) => {
    const repo = await repoAccess(ctx, c, "write", "pull-requests");
    const body = await bodyOf(c, createPullBody);
    const { pull } = await ctx.pulls.open(repo, body, actorOf(c).actor);
    await ctx.audit.record(c, "pull_request.create", {
      repo,
      details: { number: pull.number, head: pull.headRef, base: pull.baseRef },
    });
    return c.json(await json(c, repo, pull), 201);
  });

  app.get("/repos/:owner/:repo/pulls", async (c) => {
    const repo = await repoAccess(ctx, c, "read", "pull-requests");
    const q = queryOf(c, pullsQuery);
    const prefix = `${repo.owner}:`;
    const branch = (given: string | undefined) =>
      given?.startsWith(prefix) ? given.slice(prefix.length) : given;
    const { pulls } = await ctx.store.listPullRequests({
      repoId: repo.id,
      state: q.state,
      headRef: branch(q.head),
      baseRef: branch(q.base),
      page: q.page,
      perPage: q.per_page,
    });
    const list = [];
    for (const pull of pulls) list.push(await json(c, repo, pull));
    return c.json(list);
  });

  app.get("/repos/:owner/:repo/pulls/:number", async (c) => {
    const repo = await repoAccess(ctx, c, "read", "pull-requests");
    const pull = await ctx.store.getPullRequest(repo.id, idParam(c, "number"));
    if (!pull) return c.json({ message: "Not Found: no such pull request" }, 404);
    return c.json(await json(c, repo, pull));
  });

  app.patch("/repos/:owner/:repo/pulls/:number", async (c) => {
    const repo = await repoAccess(ctx, c, "write", "pull-requests");
    const number = idParam(c, "number");
    const body = await bodyOf(c, updatePullBody);
    const before = await ctx.store.getPullRequest(repo.id, number);
    const { pull } = await ctx.pulls.update(repo, number, body, actorOf(c).actor);
    // GitHub's actions: close and reopen when the state changed, else update (title, body).
    const action =
      before?.state === pull.state
        ? "pull_request.update"
        : pull.state === "closed"
          ? "pull_request.close"
          : "pull_request.reopen";
    await ctx.audit.record(c, action, {
      repo,
      details: {
        number,
        changed: Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined),
      },
    });
    return c.json(await json(c, repo, pull));
  });

  return app;
}
