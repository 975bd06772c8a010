import { Hono } from "hono";
import { formatProblem, resolveDispatchInputs } from "../../workflow/index.js";
import { actorOf, repoAccess } from "../access.js";
import { baseUrl, bodyOf, HttpError, type ServerContext } from "../context.js";
import { dispatchEvent } from "../dispatch-event.js";
import { pageUrl } from "../github-shapes.js";
import { loadPushedWorkflow } from "../pushed-workflows.js";
import { dispatchBody } from "../schemas.js";

/** POST …/actions/workflows/{file}/dispatches: a workflow_dispatch with typed inputs, GitHub's way. */
export function dispatchRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  app.post("/repos/:owner/:repo/actions/workflows/:file/dispatches", async (c) => {
    // GitHub's: a workflow_dispatch needs write (a GITHUB_TOKEN: actions: write).
    const repo = await repoAccess(ctx, c, "write", "actions");
    const body = await bodyOf(c, dispatchBody);
    const name = c.req.param("file");
    if (!/^[\w.-]+\.ya?ml$/.test(name))
      throw new HttpError(404, `Not Found: '${name}' is not a workflow file name`);
    const file = `.github/workflows/${name}`;
    try {
      await ctx.clones.syncFor(repo, body.ref);
    } catch (err) {
      throw new HttpError(502, `The server could not fetch ${repo.url}: ${(err as Error).message}`);
    }
    const ref = await ctx.clones.resolveRef(repo, body.ref);
    if (!ref) throw new HttpError(422, `No ref found for: ${body.ref}`);
    const content = await ctx.clones.readFile(repo, ref.sha, file).catch(() => undefined);
    if (content === undefined) throw new HttpError(404, `Not Found: no workflow ${file} at ${body.ref}`);
    const loaded = await loadPushedWorkflow(file, content);
    const errors = loaded.problems.filter((p) => p.severity === "error");
    if (!loaded.workflow || errors.length > 0) {
      throw new HttpError(422, `The workflow ${file} is invalid`, errors.map(formatProblem));
    }
    if (!Object.hasOwn(loaded.workflow.template.events, "workflow_dispatch")) {
      throw new HttpError(422, "Workflow does not have 'workflow_dispatch' trigger");
    }
    const given = Object.fromEntries(Object.entries(body.inputs).map(([k, v]) => [k, String(v)]));
    const inputs = resolveDispatchInputs(loaded.workflow, given);
    if (inputs.errors.length > 0) {
      throw new HttpError(422, "Invalid inputs", inputs.errors.map(formatProblem));
    }
    const event = dispatchEvent(repo, ref, file, inputs.eventInputs, actorOf(c).actor);
    const run = await ctx.runs.queueRun(
      repo,
      event,
      {
        file,
        name: loaded.workflow.name,
        loaded: loaded.workflow,
        source: { content, problems: loaded.problems },
      },
      inputs.inputs,
    );
    await ctx.audit.record(c, "workflows.created_workflow_run", {
      repo,
      // The inputs' names only: a value may be anything the caller typed.
      details: {
        event: "workflow_dispatch",
        workflow: file,
        ref: body.ref,
        run_id: run.id,
        inputs: Object.keys(given),
      },
    });
    if (!body.return_run_details) return c.body(null, 204);
    const url = `${baseUrl(c)}/api/v1/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`;
    return c.json(
      { workflow_run_id: run.id, run_url: url, html_url: pageUrl(baseUrl(c), repo, `runs/${run.id}`) },
      200,
    );
  });
  return app;
}
