import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import type { JobReport, WorkflowRunReport } from "../../engine/index.js";
import type { Role } from "../../identity/index.js";
import type { Repo, Run, RunConclusion } from "../../store/index.js";
import { actorOf, repoAccess } from "../access.js";
import { commitChecks } from "../commit-checks.js";
import { attemptQuery, baseUrl, HttpError, idParam, queryOf, type ServerContext } from "../context.js";
import { combinedStatus, jobJson, runJson } from "../github-shapes.js";
import { githubPageFields, pageOf, setLinkHeader } from "../paging.js";
import { topJobId } from "../prior-jobs.js";
import { runAtAttempt } from "../run-attempts.js";
import { runsQuery } from "../schemas.js";
import { refProblem } from "../validate.js";

const pageQuery = z.object(githubPageFields);

/** GitHub's workflow-run endpoints, and gantry's run report. */
export function runRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const { store } = ctx;

  /** The path's run, when the caller has `role` on its repository (GITHUB_TOKEN: `actions`). */
  async function runOf(c: Context, role: Role = "read") {
    const repo = await repoAccess(ctx, c, role, "actions");
    const run = await store.getRun(idParam(c, "id"));
    if (!run || run.repoId !== repo.id) throw new HttpError(404, "Not Found: no such run");
    return { repo, run };
  }

  async function jobsOf(runId: number, attempt: number) {
    const jobs = await store.listJobs(runId, attempt);
    return Promise.all(jobs.map(async (job) => ({ job, steps: await store.listSteps(job.id) })));
  }

  app.get("/repos/:owner/:repo/actions/runs", async (c) => {
    const repo = await repoAccess(ctx, c, "read", "actions");
    const q = queryOf(c, runsQuery);
    const { total, runs } = await store.listRuns({
      repoId: repo.id,
      branch: q.branch,
      event: q.event,
      status: q.status,
      headSha: q.head_sha,
      workflowFile:
        q.workflow === undefined || q.workflow.includes("/") ? q.workflow : `.github/workflows/${q.workflow}`,
      actor: q.actor,
      search: q.q,
      page: q.page,
      perPage: q.per_page,
    });
    const base = baseUrl(c);
    setLinkHeader(c, q.page, q.per_page, total);
    return c.json({ total_count: total, workflow_runs: runs.map((r) => runJson(r, repo, base)) });
  });

  app.get("/repos/:owner/:repo/actions/runs/:id", async (c) => {
    const { repo, run } = await runOf(c);
    return c.json(runJson(run, repo, baseUrl(c)));
  });

  // GitHub's "Get a workflow run attempt": the run with that attempt's own status, times and problems.
  app.get("/repos/:owner/:repo/actions/runs/:id/attempts/:attempt", async (c) => {
    const { repo, run } = await runOf(c);
    const attempt = idParam(c, "attempt");
    const shown = await runAtAttempt(store, run, attempt);
    if (!shown) throw new HttpError(404, `Not Found: run ${run.id} has no attempt ${attempt}`);
    const json = runJson(shown, repo, baseUrl(c));
    // This attempt's jobs, logs and page (GitHub's attempt answer points at its own).
    const own = `${json.url}/attempts/${attempt}`;
    const page = attempt === run.runAttempt ? json.html_url : `${json.html_url}?attempt=${attempt}`;
    return c.json({ ...json, jobs_url: `${own}/jobs`, logs_url: `${own}/logs`, html_url: page });
  });

  /**
   * GitHub's jobs list of one attempt: a page of its jobs (in the order they were made) with their
   * steps, total_count all of them, and the Link header to the other pages.
   */
  async function jobsPage(c: Context, repo: Repo, run: Run, attempt: number) {
    const q = queryOf(c, pageQuery);
    const all = await store.listJobs(run.id, attempt);
    const page = await Promise.all(
      pageOf(all, q.page, q.per_page).map(async (job) => ({ job, steps: await store.listSteps(job.id) })),
    );
    const base = baseUrl(c);
    setLinkHeader(c, q.page, q.per_page, all.length);
    return c.json({
      total_count: all.length,
      jobs: page.map(({ job, steps }) => jobJson(job, steps, run, repo, base)),
    });
  }

  app.get("/repos/:owner/:repo/actions/runs/:id/jobs", async (c) => {
    const { repo, run } = await runOf(c);
    return jobsPage(c, repo, run, attemptQuery(c, run.runAttempt));
  });

  app.get("/repos/:owner/:repo/actions/runs/:id/attempts/:attempt/jobs", async (c) => {
    const { repo, run } = await runOf(c);
    const attempt = idParam(c, "attempt");
    if (attempt > run.runAttempt)
      throw new HttpError(404, `Not Found: run ${run.id} has no attempt ${attempt}`);
    return jobsPage(c, repo, run, attempt);
  });

  // gantry's own: the run as the run report (the `gantry run --report` shape) shows it.
  app.get("/repos/:owner/:repo/actions/runs/:id/report", async (c) => {
    const { run } = await runOf(c);
    const jobs: JobReport[] = (await jobsOf(run.id, run.runAttempt)).map(({ job, steps }) => ({
      id: topJobId(job.key, run.workflowFile),
      name: job.name,
      matrix: job.matrix,
      result: job.conclusion ?? "cancelled",
      outputs: job.outputs,
      startedAt: job.startedAt,
      completedAt: job.completedAt,
      ...(job.logPath ? { log: job.logPath } : {}),
      steps: steps.map((s) => ({
        id: s.stepId,
        name: s.name,
        outcome: s.outcome ?? "skipped",
        conclusion: s.conclusion ?? "skipped",
        outputs: s.outputs,
      })),
    }));
    const report: Omit<WorkflowRunReport, "conclusion"> & {
      conclusion: RunConclusion;
      runAttempt: number;
      problems: string[];
      status: string;
    } = {
      runId: String(run.id),
      runAttempt: run.runAttempt,
      workflow: run.workflowName,
      file: run.workflowFile,
      event: run.event,
      ref: run.ref,
      sha: run.headSha,
      status: run.status as "completed",
      conclusion: run.conclusion ?? "cancelled",
      problems: run.problems,
      jobs,
    };
    return c.json(report);
  });

  app.post("/repos/:owner/:repo/actions/runs/:id/cancel", async (c) => {
    const { repo, run } = await runOf(c, "write");
    const answer = await ctx.runs.cancel(run, actorOf(c).actor);
    if (answer === "completed") throw new HttpError(409, "Cannot cancel a workflow run that is completed.");
    await ctx.audit.record(c, "workflows.cancel_workflow_run", {
      repo,
      details: { run_id: run.id, run_attempt: run.runAttempt, workflow: run.workflowFile },
    });
    return c.json({}, 202);
  });

  for (const [path, which] of [
    ["rerun", "all"],
    ["rerun-failed-jobs", "failed"],
  ] as const) {
    app.post(`/repos/:owner/:repo/actions/runs/:id/${path}`, async (c) => {
      const { repo, run } = await runOf(c, "write");
      const next = await ctx.runs.rerun(run, which);
      if (next === "running")
        throw new HttpError(403, "This workflow run is not completed: it cannot be re-run yet.");
      await ctx.audit.record(c, "workflows.rerun_workflow_run", {
        repo,
        details: { run_id: run.id, run_attempt: next.runAttempt, jobs: which, workflow: run.workflowFile },
      });
      return c.json({}, 201);
    });
  }

  // GitHub's "approve and run": a fork's run waiting as action_required (the repository's
  // fork_approval) runs once one who writes to the repository approves it (GitHub's rule); 201 with
  // an empty body, as GitHub answers.
  app.post("/repos/:owner/:repo/actions/runs/:id/approve", async (c) => {
    const { repo, run } = await runOf(c, "write");
    if (!(await ctx.runs.approve(run))) {
      throw new HttpError(
        403,
        "This workflow run is not waiting for approval: only a fork's pull request run that is action_required can be approved.",
      );
    }
    await ctx.audit.record(c, "workflows.approve_workflow_run", {
      repo,
      details: { run_id: run.id, workflow: run.workflowFile },
    });
    return c.json({}, 201);
  });

  app.get("/repos/:owner/:repo/commits/:ref/status", async (c) => {
    const repo = await repoAccess(ctx, c, "read", "statuses");
    const ref = c.req.param("ref");
    const problem = refProblem(ref);
    if (problem) throw new HttpError(422, `No commit found for SHA: ${ref}: ${problem}`);
    const resolved = /^[0-9a-f]{40}$/i.test(ref)
      ? { sha: ref.toLowerCase() }
      : await ctx.clones.resolveRef(repo, ref);
    if (!resolved) throw new HttpError(422, `No commit found for SHA: ${ref}`);
    const checks = await commitChecks(store, repo, resolved.sha);
    return c.json(combinedStatus(resolved.sha, checks, repo, baseUrl(c)));
  });

  return app;
}
