// Change evidence for auditors: GET /repos/{owner}/{repo}/environments/{name}/evidence lists each
// deployment to the environment in a window with its commit, pull request, CI runs, trigger and
// approvals, flagged where one person held two roles (JSON, or CSV with ?format=csv). Readers of
// the repository may take it (it holds nothing they cannot read already); each export is audited.
import { Hono } from "hono";
import { z } from "zod";
import { evidenceCsv } from "../../delivery/index.js";
import { repoAccess } from "../access.js";
import { baseUrl, HttpError, queryOf, type ServerContext } from "../context.js";
import { evidenceJson, gatherEvidence } from "../evidence.js";
import { isoTime } from "../validate.js";

const evidenceQuery = z
  .object({
    since: isoTime.optional(),
    until: isoTime.optional(),
    format: z.enum(["json", "csv"]).default("json"),
  })
  .strict();

export function evidenceRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  app.get("/repos/:owner/:repo/environments/:name/evidence", async (c) => {
    const repo = await repoAccess(ctx, c, "read");
    const query = queryOf(c, evidenceQuery);
    const env = await ctx.store.getEnvironment(repo.id, c.req.param("name") ?? "");
    if (!env) throw new HttpError(404, "Not Found");
    const records = await gatherEvidence(ctx, baseUrl(c), repo, env.name, query);
    await ctx.audit.record(c, "environment.export_evidence", {
      repo,
      details: {
        environment: env.name,
        since: query.since ?? null,
        until: query.until ?? null,
        format: query.format,
        deployments: records.length,
      },
    });
    if (query.format === "csv") {
      const file = `${repo.owner}-${repo.name}-${env.name}-evidence.csv`.replace(/[^\w.-]/g, "_");
      return c.body(evidenceCsv(records), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${file}"`,
      });
    }
    return c.json({
      repository: `${repo.owner}/${repo.name}`,
      environment: env.name,
      since: query.since ?? null,
      until: query.until ?? null,
      total_count: records.length,
      deployments: records.map(evidenceJson),
    });
  });
  return app;
}
