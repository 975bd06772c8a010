import type { Context } from "hono";
import { Hono } from "hono";
import type { Repo } from "../../store/index.js";
import { dispatchInputDefs, formatProblem } from "../../workflow/index.js";
import { repoAccess } from "../access.js";
import { type CommitWorkflow, CommitWorkflows } from "../commit-workflows.js";
import { baseUrl, HttpError, type ServerContext } from "../context.js";
import { refProblem } from "../validate.js";

/**
 * GitHub's workflow endpoints, read from the repository at a ref (default: its default branch):
 * the workflows, and one workflow with gantry's own `dispatch_inputs` (what the UI's dispatch form
 * asks for; null when the workflow has no workflow_dispatch trigger) and `problems`.
 */
export function workflowRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const read = new CommitWorkflows(ctx.clones);

  async function commitOf(c: Context, repo: Repo) {
    const ref = c.req.query("ref") || repo.defaultBranch;
    const problem = refProblem(ref);
    if (problem) throw new HttpError(422, `No ref found for: ${ref}: ${problem}`);
    const found = await ctx.clones.resolveRef(repo, ref);
    if (!found) throw new HttpError(422, `No ref found for: ${ref}`);
    return found.sha;
  }

  function describe(repo: Repo, { file, loaded }: CommitWorkflow, base: string) {
    const wf = loaded.workflow;
    const name = file.split("/").pop() ?? file;
    const url = `${base}/api/v1/repos/${repo.owner}/${repo.name}/actions/workflows/${name}`;
    const dispatchable = wf ? Object.hasOwn(wf.template.events, "workflow_dispatch") : false;
    return {
      id: name,
      node_id: `W_${name}`,
      name: wf?.name ?? file,
      path: file,
      state: "active",
      url,
      // The UI's list of the workflow's runs (GitHub's workflow page).
      html_url: `${base}/runs?repo=${encodeURIComponent(`${repo.owner}/${repo.name}`)}&workflow=${encodeURIComponent(name)}`,
      dispatch_inputs: wf && dispatchable ? dispatchInputDefs(wf) : null,
      problems: loaded.problems.filter((p) => p.severity === "error").map(formatProblem),
    };
  }

  app.get("/repos/:owner/:repo/actions/workflows", async (c) => {
    const repo = await repoAccess(ctx, c, "read", "actions");
    // A repository nothing was pushed to yet has no default branch, so no workflows (as on GitHub).
    const sha = c.req.query("ref")
      ? await commitOf(c, repo)
      : (await ctx.clones.resolveRef(repo, repo.defaultBranch))?.sha;
    if (!sha) return c.json({ total_count: 0, workflows: [] });
    const base = baseUrl(c);
    const workflows = (await read.list(repo, sha)).map((w) => describe(repo, w, base));
    return c.json({ total_count: workflows.length, workflows });
  });

  app.get("/repos/:owner/:repo/actions/workflows/:file", async (c) => {
    const repo = await repoAccess(ctx, c, "read", "actions");
    const name = c.req.param("file");
    if (!/^[\w.-]+\.ya?ml$/.test(name))
      throw new HttpError(404, `Not Found: '${name}' is not a workflow file name`);
    const file = `.github/workflows/${name}`;
    const sha = await commitOf(c, repo);
    const workflow = await read.file(repo, sha, file);
    if (workflow === undefined) throw new HttpError(404, `Not Found: no workflow ${file}`);
    return c.json(describe(repo, workflow, baseUrl(c)));
  });

  return app;
}
