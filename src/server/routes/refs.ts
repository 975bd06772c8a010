import { Hono } from "hono";
import { z } from "zod";
import { repoAccess } from "../access.js";
import { baseUrl, queryOf, type ServerContext } from "../context.js";
import { githubPageFields, pageOf } from "../paging.js";

const pageQuery = z.object(githubPageFields);

/**
 * GitHub's branch and tag lists (`GET /repos/{owner}/{repo}/branches`, `/tags`), from the server's
 * clone, by name and paged as GitHub pages them: what the dispatch form's ref picker offers.
 */
export function refRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  for (const [path, kind] of [
    ["branches", "heads"],
    ["tags", "tags"],
  ] as const) {
    app.get(`/repos/:owner/:repo/${path}`, async (c) => {
      const repo = await repoAccess(ctx, c, "read", "contents");
      const { page, per_page } = queryOf(c, pageQuery);
      const refs = await ctx.clones.listRefs(repo, kind);
      const api = `${baseUrl(c)}/api/v1/repos/${repo.owner}/${repo.name}`;
      return c.json(
        pageOf(refs, page, per_page).map((r) => ({
          name: r.name,
          commit: { sha: r.sha, url: `${api}/commits/${r.sha}` },
          ...(kind === "heads" ? { protected: false } : {}),
        })),
      );
    });
  }
  return app;
}
