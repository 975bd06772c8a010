import { Readable } from "node:stream";
import type { Context } from "hono";
import { Hono } from "hono";
import { zipFiles } from "../../artifacts/index.js";
import { repoAccess } from "../access.js";
import { attemptQuery, baseUrl, HttpError, idParam, type ServerContext } from "../context.js";

/**
 * What the run page shows beside the jobs (gantry's own, except the artifact list, which is
 * GitHub's shape): the annotations and step summaries of an attempt, and the run's artifacts
 * with a zip download of each.
 */
export function runDetailRoutes(ctx: ServerContext): Hono {
  const app = new Hono();

  async function runOf(c: Context) {
    const repo = await repoAccess(ctx, c, "read", "actions");
    const run = await ctx.store.getRun(idParam(c, "id"));
    if (!run || run.repoId !== repo.id) throw new HttpError(404, "Not Found: no such run");
    return { repo, run, attempt: attemptQuery(c, run.runAttempt) };
  }

  /** The job's key within the workflow, and its name, for each stored job of the attempt. */
  async function jobNames(runId: number, attempt: number, workflowFile: string) {
    const jobs = await ctx.store.listJobs(runId, attempt);
    const rel = (key: string) =>
      key.startsWith(`${workflowFile}/`) ? key.slice(workflowFile.length + 1) : key;
    return new Map(jobs.map((j) => [j.key, { key: rel(j.key), name: j.name, id: j.id }]));
  }

  app.get("/repos/:owner/:repo/actions/runs/:id/annotations", async (c) => {
    const { run, attempt } = await runOf(c);
    const names = await jobNames(run.id, attempt, run.workflowFile);
    const annotations = (ctx.notes?.annotations(run.id, attempt) ?? []).map((a) => {
      const job = names.get(a.jobKey);
      return {
        job_id: job?.id ?? null,
        job_key: job?.key ?? a.jobKey,
        job_name: job?.name ?? a.jobKey,
        annotation_level: a.level === "error" ? "failure" : a.level,
        level: a.level,
        title: a.title ?? null,
        message: a.message,
        path: a.file ?? null,
        start_line: a.line ?? null,
        start_column: a.col ?? null,
      };
    });
    return c.json({ total_count: annotations.length, annotations });
  });

  app.get("/repos/:owner/:repo/actions/runs/:id/summaries", async (c) => {
    const { run, attempt } = await runOf(c);
    const names = await jobNames(run.id, attempt, run.workflowFile);
    const summaries = (ctx.notes?.summaries(run.id, attempt) ?? []).map((s) => {
      const job = names.get(s.jobKey);
      return {
        job_id: job?.id ?? null,
        job_key: job?.key ?? s.jobKey,
        job_name: job?.name ?? s.jobKey,
        step: s.step,
        markdown: s.markdown,
      };
    });
    return c.json({ total_count: summaries.length, summaries });
  });

  app.get("/repos/:owner/:repo/actions/runs/:id/artifacts", async (c) => {
    const { repo, run, attempt } = await runOf(c);
    // An attempt's artifacts: of each name the copy of the newest attempt up to it.
    const list = ctx.artifacts ? await ctx.artifacts.list(String(run.id), attempt) : [];
    const base = `${baseUrl(c)}/api/v1/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}/artifacts`;
    const artifacts = list.map((a) => ({
      id: a.id,
      node_id: `A_${run.id}_${a.id}`,
      name: a.name,
      size_in_bytes: a.size,
      digest: a.digest,
      archive_download_url: `${base}/${encodeURIComponent(a.name)}/zip${attempt === run.runAttempt ? "" : `?attempt=${attempt}`}`,
      expired: false,
      created_at: a.createdAt,
      expires_at: a.expiresAt,
      workflow_run: { id: run.id, head_branch: run.headBranch, head_sha: run.headSha },
      /** gantry's own: the attempt that uploaded it. */
      run_attempt: a.attempt ?? 1,
    }));
    return c.json({ total_count: artifacts.length, artifacts });
  });

  app.get("/repos/:owner/:repo/actions/runs/:id/artifacts/:name/zip", async (c) => {
    const { run, attempt } = await runOf(c);
    const name = c.req.param("name");
    const contents = ctx.artifacts ? await ctx.artifacts.contents(String(run.id), name, attempt) : undefined;
    if (!contents)
      throw new HttpError(404, `Not Found: no artifact '${name}' in this run (expired or deleted?)`);
    const body = Readable.toWeb(
      Readable.from(zipFiles(contents.files)),
    ) as unknown as ReadableStream<Uint8Array>;
    const file = encodeURIComponent(`${name}.zip`);
    return new Response(body, {
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${file}"; filename*=UTF-8''${file}`,
      },
    });
  });

  return app;
}
