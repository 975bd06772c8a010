import { Hono } from "hono";
import { actorOf, repoAccess } from "../access.js";
import { bodyOf, HttpError, type ServerContext } from "../context.js";
import { repositoryDispatchEvent } from "../dispatch-event.js";
import { repositoryDispatchBody } from "../schemas.js";

/**
 * POST /repos/{owner}/{repo}/dispatches: a repository_dispatch, GitHub's way. It starts the default
 * branch's workflows whose `on: repository_dispatch` takes the event type, at the branch's head,
 * and answers 204 whether or not any did.
 */
export function repositoryDispatchRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  app.post("/repos/:owner/:repo/dispatches", async (c) => {
    // GitHub's: a repository_dispatch needs write (a GITHUB_TOKEN: contents: write).
    const repo = await repoAccess(ctx, c, "write", "contents");
    const body = await bodyOf(c, repositoryDispatchBody);
    try {
      await ctx.clones.syncFor(repo, `refs/heads/${repo.defaultBranch}`);
    } catch (err) {
      throw new HttpError(502, `The server could not fetch ${repo.url}: ${(err as Error).message}`);
    }
    const head = await ctx.clones.resolveRef(repo, `refs/heads/${repo.defaultBranch}`);
    if (!head) throw new HttpError(422, `The default branch ${repo.defaultBranch} has no commit`);
    const event = repositoryDispatchEvent(
      repo,
      head,
      body.event_type,
      body.client_payload ?? {},
      actorOf(c).actor,
    );
    const runs = await ctx.runs.handleEvent(repo, event);
    // The event type, never the client_payload (it may carry anything).
    await ctx.audit.record(c, "repo.repository_dispatch", {
      repo,
      details: { event_type: body.event_type, run_ids: runs.map((r) => r.id) },
    });
    return c.body(null, 204);
  });
  return app;
}
