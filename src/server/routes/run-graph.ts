import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { Hono } from "hono";
import type { Repo, Run } from "../../store/index.js";
import { child, literalString } from "../../workflow/index.js";
import { repoAccess } from "../access.js";
import { CommitWorkflows } from "../commit-workflows.js";
import { HttpError, idParam, type ServerContext } from "../context.js";

/** A job of a workflow as the UI draws it: its `needs`, and the jobs of the workflow it calls. */
export interface GraphJob {
  /** The job's id (`jobs.<id>`). */
  id: string;
  /** Its `name:` when it is plain text (an expression is known only once the job runs). */
  name: string | null;
  needs: string[];
  /** The called workflow (`uses:`), for a reusable-workflow call. */
  uses: string | null;
  /** Whether it has a `strategy.matrix` (its legs are grouped). */
  matrix: boolean;
  /**
   * The environment it deploys to when its name is plain text (`environment: production`, or a
   * mapping's `name:`); null without one, or when the name is an expression (known once it runs).
   */
  environment: string | null;
  /** The called workflow's jobs, when it is in this repository; null when it cannot be read here. */
  jobs: GraphJob[] | null;
}

const MAX_DEPTH = 4;

/** A job's `environment:` name when it is plain text: the scalar itself, or the mapping's `name`. */
function environmentName(token: TemplateToken | undefined): string | null {
  if (!token) return null;
  const name = literalString(child(token, "name") ?? token);
  return name && !name.includes("${{") ? name : null;
}

async function jobsOf(
  read: CommitWorkflows,
  repo: Repo,
  sha: string,
  file: string,
  depth: number,
): Promise<GraphJob[] | null> {
  const template = (await read.file(repo, sha, file))?.loaded.workflow?.template;
  if (!template) return null;
  return Promise.all(
    template.jobs.map(async (j): Promise<GraphJob> => {
      const uses = j.type === "reusableWorkflowJob" ? j.ref.value : null;
      const local = uses?.startsWith("./") ? uses.slice(2).split("@")[0] : undefined;
      return {
        id: j.id.value,
        name: literalString(j.name) ?? null,
        needs: (j.needs ?? []).map((n) => n.value),
        uses,
        matrix: child(j.strategy, "matrix") !== undefined,
        environment: environmentName(j.type === "job" ? j.environment : undefined),
        jobs: local && depth < MAX_DEPTH ? await jobsOf(read, repo, sha, local, depth + 1) : null,
      };
    }),
  );
}

/**
 * gantry's own: GET …/actions/runs/{id}/graph, the run's workflow as a graph (jobs, `needs`
 * edges, matrix jobs, reusable-workflow calls with their jobs), read at the run's commit. The
 * jobs' states come from …/runs/{id}/jobs; their keys tie the two together.
 */
export function runGraphRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const read = new CommitWorkflows(ctx.clones);
  app.get("/repos/:owner/:repo/actions/runs/:id/graph", async (c) => {
    const repo = await repoAccess(ctx, c, "read", "actions");
    const run: Run | undefined = await ctx.store.getRun(idParam(c, "id"));
    if (!run || run.repoId !== repo.id) throw new HttpError(404, "Not Found: no such run");
    const jobs = await jobsOf(read, repo, run.headSha, run.workflowFile, 0);
    return c.json({ workflow: run.workflowFile, jobs: jobs ?? [] });
  });
  return app;
}
