import { Hono } from "hono";
import type { Repo, Run } from "../../store/index.js";
import { repoAccess, repoOf } from "../access.js";
import { bearerAuth } from "../auth.js";
import { type BadgeStatus, badgeSvg } from "../badge-svg.js";
import { HttpError, type ServerContext } from "../context.js";
import { loadPushedWorkflow } from "../pushed-workflows.js";
import { refProblem } from "../validate.js";

const PASSING = new Set(["success"]);
const FAILING = new Set(["failure", "cancelled", "timed_out", "startup_failure"]);

/**
 * GitHub's workflow status badge, `GET /{owner}/{repo}/actions/workflows/{file}/badge.svg`
 * (`?branch=`, `?event=`): the latest completed run of the workflow on the branch (default: the
 * repository's default branch, else, when that has none, any branch) as "passing" or "failing",
 * "no status" without one. Anyone may read it when the config says `badges: { public: true }`;
 * otherwise it needs an API token of one who reads the repository, as the runs do (one who may not
 * gets 404, as for a repository that does not exist), and is never cached.
 */
export function badgeRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const path = "/:owner/:repo/actions/workflows/:file/badge.svg";
  const isPublic = ctx.config.badges?.public === true;
  if (!isPublic) app.use(path, bearerAuth(ctx.store, ctx.throttle));

  async function latest(repo: Repo, file: string, branch: string | undefined, event: string | undefined) {
    const { runs } = await ctx.store.listRuns({
      repoId: repo.id,
      workflowFile: file,
      branch,
      event,
      status: "completed",
      perPage: 100,
    });
    return runs.find((r) => PASSING.has(r.conclusion ?? "") || FAILING.has(r.conclusion ?? ""));
  }

  /** The workflow's name: its latest run's, else its file's at the default branch; 404 without either. */
  async function nameOf(repo: Repo, file: string, run: Run | undefined): Promise<string> {
    if (run) return run.workflowName;
    const { runs } = await ctx.store.listRuns({ repoId: repo.id, workflowFile: file, perPage: 1 });
    if (runs[0]) return runs[0].workflowName;
    const head = await ctx.clones.resolveRef(repo, repo.defaultBranch).catch(() => undefined);
    const content = head && (await ctx.clones.readFile(repo, head.sha, file).catch(() => undefined));
    if (content === undefined) throw new HttpError(404, `Not Found: no workflow ${file}`);
    return (await loadPushedWorkflow(file, content)).workflow?.name ?? file;
  }

  app.get(path, async (c) => {
    const repo = isPublic ? await repoOf(ctx, c) : await repoAccess(ctx, c, "read", "actions");
    const name = c.req.param("file");
    if (!/^[\w.-]+\.ya?ml$/.test(name))
      throw new HttpError(404, `Not Found: '${name}' is not a workflow file name`);
    const file = `.github/workflows/${name}`;
    const branch = c.req.query("branch") || undefined;
    if (branch !== undefined && refProblem(branch)) throw new HttpError(422, `branch: ${refProblem(branch)}`);
    const event = c.req.query("event") || undefined;
    const run =
      branch !== undefined
        ? await latest(repo, file, branch, event)
        : ((await latest(repo, file, repo.defaultBranch, event)) ??
          (await latest(repo, file, undefined, event)));
    const status: BadgeStatus = !run
      ? "no status"
      : PASSING.has(run.conclusion ?? "")
        ? "passing"
        : "failing";
    const svg = badgeSvg(await nameOf(repo, file, run), status);
    return c.body(svg, 200, {
      "content-type": "image/svg+xml; charset=utf-8",
      // A private badge is kept by no cache; a public one is asked for again each time it is shown.
      "cache-control": isPublic ? "no-cache" : "private, no-store",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    });
  });
  return app;
}
