import { Readable } from "node:stream";
import type { Context } from "hono";
import { Hono } from "hono";
import { type ZipSource, zipFiles } from "../../artifacts/index.js";
import type { Job, Repo, Run } from "../../store/index.js";
import { repoAccess } from "../access.js";
import { HttpError, idParam, type ServerContext } from "../context.js";

/** A job's name as a file name in the archive: no folders, no control characters, never empty. */
function fileName(name: string): string {
  const safe = name.replace(/[\\/:*?"<>|\u0000-\u001f\u007f]+/g, "_").replace(/^[.\s]+/, "");
  return safe.slice(0, 200) || "job";
}

/**
 * The logs of an attempt's jobs as one zip, as GitHub's run log archive: one text file per job
 * that wrote a log (`1_build.txt`, `2_test (18).txt` …, numbered in the jobs' order), as stored
 * (masked, each line stamped).
 */
async function logsZip(ctx: ServerContext, run: Run, attempt: number, jobs: Job[]): Promise<Response> {
  const files: ZipSource[] = [];
  for (const j of jobs) {
    const source = j.logPath
      ? await ctx.logs.zipSource(`${files.length + 1}_${fileName(j.name)}.txt`, j.logPath)
      : undefined;
    if (source) files.push(source);
  }
  const body = Readable.toWeb(Readable.from(zipFiles(files))) as unknown as ReadableStream<Uint8Array>;
  const file = `logs_${run.id}_${attempt}.zip`;
  return new Response(body, {
    headers: {
      "content-type": "application/zip",
      "content-disposition": `attachment; filename="${file}"`,
    },
  });
}

/**
 * GitHub's run log downloads: the latest attempt's (`logs_url`) or one attempt's, as a zip; and
 * the run's workflow file at its commit.
 */
export function runLogRoutes(ctx: ServerContext): Hono {
  const app = new Hono();

  /** The path's run, when the caller reads its repository (GITHUB_TOKEN: `actions`). */
  async function runOf(c: Context): Promise<{ repo: Repo; run: Run }> {
    const repo = await repoAccess(ctx, c, "read", "actions");
    const run = await ctx.store.getRun(idParam(c, "id"));
    if (!run || run.repoId !== repo.id) throw new HttpError(404, "Not Found: no such run");
    return { repo, run };
  }

  app.get("/repos/:owner/:repo/actions/runs/:id/logs", async (c) => {
    const { run } = await runOf(c);
    return logsZip(ctx, run, run.runAttempt, await ctx.store.listJobs(run.id, run.runAttempt));
  });

  app.get("/repos/:owner/:repo/actions/runs/:id/attempts/:attempt/logs", async (c) => {
    const { run } = await runOf(c);
    const attempt = idParam(c, "attempt");
    if (attempt > run.runAttempt)
      throw new HttpError(404, `Not Found: run ${run.id} has no attempt ${attempt}`);
    return logsZip(ctx, run, attempt, await ctx.store.listJobs(run.id, attempt));
  });

  // gantry's own: the run's workflow file as it was at the run's commit, as plain text.
  app.get("/repos/:owner/:repo/actions/runs/:id/workflow-file", async (c) => {
    const { repo, run } = await runOf(c);
    const text = await ctx.clones.readFile(repo, run.headSha, run.workflowFile).catch(() => undefined);
    if (text === undefined)
      throw new HttpError(
        404,
        `Not Found: ${run.workflowFile} is not in the repository's mirror at ${run.headSha}`,
      );
    return c.body(text, 200, {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
    });
  });

  return app;
}
