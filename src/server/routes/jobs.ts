import { Readable } from "node:stream";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { Role } from "../../identity/index.js";
import { repoAccess } from "../access.js";
import { baseUrl, HttpError, idParam, type ServerContext } from "../context.js";
import { jobJson } from "../github-shapes.js";
import type { LiveEvent } from "../live-hub.js";
import { topJobId } from "../prior-jobs.js";
import { StreamAccess } from "../stream-access.js";

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

/** GitHub's job endpoints: a job, and its log (whole, or followed live as server-sent events). */
export function jobRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const { store } = ctx;

  /** The path's job, when the caller has `role` on its repository (GITHUB_TOKEN: `actions`). */
  async function jobOf(c: Context, role: Role = "read") {
    const repo = await repoAccess(ctx, c, role, "actions");
    const job = await store.getJob(idParam(c, "id"));
    const run = job && (await store.getRun(job.runId));
    if (!job || !run || run.repoId !== repo.id) throw new HttpError(404, "Not Found: no such job");
    return { repo, run, job };
  }

  app.get("/repos/:owner/:repo/actions/jobs/:id", async (c) => {
    const { repo, run, job } = await jobOf(c);
    return c.json(jobJson(job, await store.listSteps(job.id), run, repo, baseUrl(c)));
  });

  // GitHub's "Re-run a job from a workflow run": the job (every leg of its matrix) and the jobs
  // that need it run again as the run's next attempt; the others keep their results and outputs.
  app.post("/repos/:owner/:repo/actions/jobs/:id/rerun", async (c) => {
    const { repo, run, job } = await jobOf(c, "write");
    if (job.runAttempt !== run.runAttempt) {
      throw new HttpError(
        403,
        `This job is of attempt ${job.runAttempt}: only a job of the run's latest attempt (${run.runAttempt}) can be re-run.`,
      );
    }
    const next = await ctx.runs.rerun(run, { job: topJobId(job.key, run.workflowFile) });
    if (next === "running")
      throw new HttpError(403, "This workflow run is not completed: its jobs cannot be re-run yet.");
    await ctx.audit.record(c, "workflows.rerun_workflow_run", {
      repo,
      details: { run_id: run.id, run_attempt: next.runAttempt, jobs: "one", job_id: job.id, job: job.name },
    });
    return c.json({}, 201);
  });

  app.get("/repos/:owner/:repo/actions/jobs/:id/logs", async (c) => {
    const { repo, job } = await jobOf(c);
    const path = job.logPath;
    const follow = ["1", "true"].includes(c.req.query("follow") ?? "");
    if (!follow) {
      // Streamed from the file (or the blob store): a long log starts arriving (and showing) at once.
      const log = path ? await ctx.logs.read(path) : undefined;
      const body = log ? (Readable.toWeb(log) as unknown as ReadableStream<Uint8Array>) : "";
      return c.body(body, 200, { "content-type": "text/plain; charset=utf-8" });
    }
    // Followed, the caller's access is asked again as the log goes on (stream-access.ts): one who no
    // longer reads the repository, or whose token no longer holds, is sent no more.
    const access = await StreamAccess.open(store, c);
    return streamSSE(c, async (stream) => {
      const queue: LiveEvent[] = [];
      let wake: (() => void) | undefined;
      // Read what is written and subscribe in one synchronous step: no line is lost or sent twice.
      // A log no longer on this server's disk is complete (in the blob store): no line is to come.
      const now = path ? ctx.logs.readNow(path) : undefined;
      const sent = now === undefined && path ? ctx.logs.text(path) : undefined;
      const unsubscribe = ctx.hub.subscribe((e) => {
        if (e.runId !== job.runId || e.jobKey !== job.key) return;
        if (e.type !== "job:log" && e.type !== "job:completed") return;
        queue.push(e);
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        const written = lines(now ?? (await sent) ?? "");
        for (const line of written) await stream.writeSSE({ event: "line", data: line });
        let done = (await store.getJob(job.id))?.status === "completed";
        while (open && !done) {
          const e = queue.shift();
          if (!e) {
            await new Promise<void>((r) => {
              wake = r;
            });
            continue;
          }
          if (!(await access.reads(repo.id))) return;
          if (e.type === "job:completed") done = true;
          else await stream.writeSSE({ event: "line", data: String(e.line) });
        }
        const final = await store.getJob(job.id);
        await stream.writeSSE({
          event: "end",
          data: JSON.stringify({ conclusion: final?.conclusion ?? null }),
        });
      } finally {
        unsubscribe();
      }
    });
  });

  return app;
}
