import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { HttpError, type ServerContext } from "../context.js";
import type { LiveEvent } from "../live-hub.js";
import { meetBacklog } from "../log-overlap.js";
import { RunRepoCache } from "../run-repo-cache.js";
import { StreamAccess } from "../stream-access.js";
import { parseId } from "../validate.js";

/**
 * gantry's live stream (server-sent events): every run event and log line of the repositories the
 * caller reads, or with `run_id` one run's, starting with the log lines its current attempt has
 * written so far and ending when it completes. A run of a repository the caller may not read is
 * one that does not exist (404), and none of its events is sent. What the caller reads is asked
 * again while the stream runs (stream-access.ts): a role taken away stops its repository's events,
 * a token revoked ends the stream.
 */
export function eventRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  app.get("/events", async (c) => {
    const given = c.req.query("run_id");
    const runId = given === undefined ? undefined : parseId(given);
    if (given !== undefined && runId === undefined)
      throw new HttpError(422, `run_id must be a run's id, a positive decimal integer (got '${given}')`);
    const access = await StreamAccess.open(ctx.store, c);
    const found = runId === undefined ? undefined : await ctx.store.getRun(runId);
    const run = found && (await access.reads(found.repoId)) ? found : undefined;
    if (runId !== undefined && !run) throw new HttpError(404, "Not Found: no such run");
    /** Each run's repository, for the runs seen last (a stream open for days sees many). */
    const repos = new RunRepoCache(async (id) => (await ctx.store.getRun(id))?.repoId);
    const visible = async (id: number): Promise<boolean> => {
      const repoId = await repos.repoOf(id);
      return repoId !== undefined && (await access.reads(repoId));
    };
    // logs=0: run, job and step events without the log lines (the UI's overview pages).
    const withLogs = !["0", "false"].includes(c.req.query("logs") ?? "");
    return streamSSE(c, async (stream) => {
      const queue: LiveEvent[] = [];
      let wake: (() => void) | undefined;
      // The log files so far and the subscription, in one synchronous step (nothing lost or doubled).
      const backlog: Array<{ file: string; lines: string[] }> = [];
      if (run && withLogs) {
        const dir = ctx.logs.dirOf(run.id, run.runAttempt);
        const files = existsSync(dir) ? readdirSync(dir).sort() : [];
        for (const f of files) {
          const text = ctx.logs.readNow(join(dir, f));
          if (text === undefined || !f.endsWith(".log")) continue;
          backlog.push({ file: join(dir, f), lines: text.split("\n").filter((l) => l !== "") });
        }
      }
      // Logs not on this server's disk are read from the blob store after: a finished job's whole,
      // a peer's running job's as far as it has sent it (its lines land there a moment after they
      // are heard, so the peers' lines of the last seconds are taken too, and the two meet below).
      const local = new Set(backlog.map((b) => b.file));
      const early = run && withLogs ? ctx.hub.recentFromPeers(run.id) : [];
      const unsubscribe = ctx.hub.subscribe((e) => {
        if (runId !== undefined && e.runId !== runId) return;
        if (!withLogs && e.type === "job:log") return;
        queue.push(e);
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        if (run) {
          const jobs = await ctx.store.listJobs(run.id, run.runAttempt);
          if (withLogs) {
            const read = new Map<string, string[]>();
            for (const j of jobs) {
              if (!j.logPath || local.has(j.logPath)) continue;
              const text = await ctx.logs.text(j.logPath);
              const lines = text?.split("\n").filter((l) => l !== "") ?? [];
              read.set(j.key, lines);
              if (text !== undefined) backlog.push({ file: j.logPath, lines });
            }
            const onDisk = new Set(jobs.filter((j) => j.logPath && local.has(j.logPath)).map((j) => j.key));
            queue.splice(0, queue.length, ...meetBacklog(early, queue, read, onDisk));
          }
          const names = new Map(jobs.map((j) => [j.logPath, j]));
          const order = (file: string) => names.get(file)?.id ?? Number.MAX_SAFE_INTEGER;
          backlog.sort((a, b) => order(a.file) - order(b.file));
          for (const { file, lines } of backlog) {
            const job = names.get(file);
            for (const line of lines) {
              const data = { runId: run.id, jobKey: job?.key ?? file, job: job?.name ?? file, line };
              await stream.writeSSE({ event: "job:log", data: JSON.stringify(data) });
            }
          }
          const now = await ctx.store.getRun(run.id);
          if (now?.status === "completed") {
            queue.push({ type: "run:completed", runId: run.id, conclusion: now.conclusion });
          }
        }
        while (open) {
          const e = queue.shift();
          if (!e) {
            await new Promise<void>((r) => {
              wake = r;
            });
            continue;
          }
          // A caller whose token no longer holds gets no more (the stream ends).
          if ((await access.current()) === null) break;
          if (!(await visible(e.runId))) {
            // One run's stream whose repository the caller no longer reads: nothing more to send.
            if (runId !== undefined) break;
            continue;
          }
          await stream.writeSSE({ event: e.type, data: JSON.stringify(e) });
          if (runId !== undefined && e.type === "run:completed") break;
        }
      } finally {
        unsubscribe();
      }
    });
  });
  return app;
}
