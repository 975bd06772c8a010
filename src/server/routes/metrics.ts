// Delivery metrics: GET /repos/{owner}/{repo}/environments/{name}/metrics gives DORA's four keys
// for the environment over [since, until) (the last 30 days unless said): deployment frequency,
// lead time for changes, change failure rate and time to restore. Readers of the repository may
// take them (they are drawn from deployments and commits the reader can see already).
import { Hono } from "hono";
import { z } from "zod";
import { repoAccess } from "../access.js";
import { HttpError, queryOf, type ServerContext } from "../context.js";
import { doraJson, gatherDora } from "../dora.js";
import { isoTime } from "../validate.js";

const DAY = 86_400_000;
/** The window's default length, and the longest one asked for (a deployment's statuses are read one by one). */
const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;

const metricsQuery = z.object({ since: isoTime.optional(), until: isoTime.optional() }).strict();

export function metricsRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  app.get("/repos/:owner/:repo/environments/:name/metrics", async (c) => {
    const repo = await repoAccess(ctx, c, "read");
    const query = queryOf(c, metricsQuery);
    const env = await ctx.store.getEnvironment(repo.id, c.req.param("name") ?? "");
    if (!env) throw new HttpError(404, "Not Found");
    const until = query.until ?? new Date().toISOString();
    const since = query.since ?? new Date(Date.parse(until) - DEFAULT_DAYS * DAY).toISOString();
    const span = Date.parse(until) - Date.parse(since);
    if (span <= 0) throw new HttpError(422, `since (${since}) must come before until (${until})`);
    if (span > MAX_DAYS * DAY)
      throw new HttpError(422, `the window may be at most ${MAX_DAYS} days (since ${since}, until ${until})`);
    const metrics = await gatherDora(ctx, repo, env.name, { since, until });
    return c.json(doraJson(repo, env.name, metrics));
  });
  return app;
}
