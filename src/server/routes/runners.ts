// GitHub's self-hosted runners API, as people use it: registration tokens for `gantry runner`, the
// runners list (status, busy, labels, what each runs now) and removing a runner. A repository's
// runners under /repos/{owner}/{repo}/actions/runners for its admins; every runner of the server
// (the built-in pool as id 0, the server-wide runner machines and every repository's) under
// /actions/runners for site admins. A job's GITHUB_TOKEN never gets in: it never administers.
// Registering with a token, and everything a runner machine says, is the runner protocol's
// (routes/runner-protocol.ts).
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { hashToken, newTokenValue, REGISTRATION_PREFIX } from "../../identity/index.js";
import type { Job, Repo, Runner } from "../../store/index.js";
import { actorOf, repoAccess, requireSiteAdmin } from "../access.js";
import { baseUrl, HttpError, idParam, queryOf, type ServerContext } from "../context.js";
import { githubPageFields, pageOf, setLinkHeader } from "../paging.js";
import type { RunnerJobJson, RunnerJson } from "../runner-schemas.js";
import { builtInRunnerJson, runnerJobJson, runnerJson } from "../runner-shapes.js";
import { BUILT_IN_RUNNER_ID } from "../runner-status.js";
import { idQuery } from "../validate.js";

/** GitHub's life of a registration token: one hour, reusable until then. */
export const REGISTRATION_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

const listQuery = z.object({
  /** GitHub's filter: the runner of this name. */
  name: z.string().max(200, "name must be at most 200 characters").optional(),
  ...githubPageFields,
});

export function runnerRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const { store } = ctx;

  /** Repositories by id, looked up once per answer. */
  function repoCache(): (id: number) => Promise<Repo | undefined> {
    const known = new Map<number, Promise<Repo | undefined>>();
    return (id) => {
      let repo = known.get(id);
      if (!repo) {
        repo = store.getRepoById(id);
        known.set(id, repo);
      }
      return repo;
    };
  }

  /** The jobs as a runner's `jobs` (those of `onlyRepo` alone, when given: a repository admin's view). */
  async function jobsJson(
    jobs: Job[],
    base: string,
    repoById: (id: number) => Promise<Repo | undefined>,
    onlyRepo?: Repo,
  ): Promise<Array<{ job: Job; json: RunnerJobJson }>> {
    const out: Array<{ job: Job; json: RunnerJobJson }> = [];
    for (const job of jobs) {
      const run = await store.getRun(job.runId);
      const repo = run && (await repoById(run.repoId));
      if (!repo || (onlyRepo && repo.id !== onlyRepo.id)) continue;
      out.push({ job, json: runnerJobJson(job, repo, base) });
    }
    return out;
  }

  /** The runner machines in GitHub's shape, each with the jobs it runs now. */
  async function machinesJson(c: Context, runners: Runner[], onlyRepo?: Repo): Promise<RunnerJson[]> {
    const base = baseUrl(c);
    const repoById = repoCache();
    const jobs = await store.runnersJobs(runners.map((r) => r.id));
    const shown = await jobsJson(jobs, base, repoById, onlyRepo);
    const at = Date.now();
    const out: RunnerJson[] = [];
    for (const runner of runners) {
      const repo = runner.repoId === null ? null : ((await repoById(runner.repoId)) ?? null);
      const busy = jobs.some((j) => j.runnerId === runner.id);
      const its = shown.filter((j) => j.job.runnerId === runner.id).map((j) => j.json);
      out.push(runnerJson(runner, repo, { busy, jobs: its }, at));
    }
    return out;
  }

  /** The server's built-in pool as a runner, unless it is turned off (no slots). */
  async function builtInJson(c: Context): Promise<RunnerJson | undefined> {
    const { slots, labels, name } = ctx.pool.opts;
    if (slots <= 0) return undefined;
    const jobs: Job[] = [];
    for (const id of ctx.pool.jobIds) {
      const job = await store.getJob(id);
      if (job) jobs.push(job);
    }
    const running = await jobsJson(jobs, baseUrl(c), repoCache());
    return builtInRunnerJson(
      { name, slots, labels },
      running.map((j) => j.json),
    );
  }

  /** GitHub's list answer: filtered by name, paged, with the Link header. */
  function listAnswer(c: Context, runners: RunnerJson[]) {
    const q = queryOf(c, listQuery);
    const matching = q.name === undefined ? runners : runners.filter((r) => r.name === q.name);
    setLinkHeader(c, q.page, q.per_page, matching.length);
    return c.json({
      total_count: matching.length,
      runners: pageOf(matching, q.page, q.per_page),
    });
  }

  /** A new registration token for the repository's runners (null: server-wide ones). */
  async function registrationToken(c: Context, repo: Repo | null) {
    const token = newTokenValue(REGISTRATION_PREFIX);
    const expiresAt = new Date(Date.now() + REGISTRATION_TOKEN_LIFETIME_MS).toISOString();
    await store.addRunnerRegistration(hashToken(token), {
      repoId: repo?.id ?? null,
      createdBy: actorOf(c).actor,
      expiresAt,
    });
    // The token is in the answer only: the trail has when it expires, never its value.
    await ctx.audit.record(
      c,
      repo ? "repo.create_runner_registration_token" : "org.create_runner_registration_token",
      { repo, details: { expires_at: expiresAt } },
    );
    c.header("cache-control", "no-store");
    return c.json({ token, expires_at: expiresAt }, 201);
  }

  /** Removes the runner (its credential stops working with its row): 204. */
  async function remove(c: Context, runner: Runner) {
    if (!(await store.removeRunner(runner.id)))
      throw new HttpError(404, `Not Found: no runner ${runner.id} on this server`);
    const repo = runner.repoId === null ? null : ((await store.getRepoById(runner.repoId)) ?? null);
    await ctx.audit.record(c, repo ? "repo.remove_self_hosted_runner" : "org.remove_self_hosted_runner", {
      repo,
      details: { runner_id: runner.id, name: runner.name, labels: runner.labels },
    });
    return c.body(null, 204);
  }

  // A repository's runners: its admins (and site admins).
  const repoPath = "/repos/:owner/:repo/actions/runners";

  /** The path's runner of the repository: 404 for another's or none. */
  async function repoRunner(c: Context, repo: Repo): Promise<Runner> {
    const id = idParam(c, "runner_id");
    const runner = await store.getRunner(id);
    if (!runner || runner.repoId !== repo.id)
      throw new HttpError(404, `Not Found: no runner ${id} on ${repo.owner}/${repo.name}`);
    return runner;
  }

  app.post(`${repoPath}/registration-token`, async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    return registrationToken(c, repo);
  });

  app.get(repoPath, async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    return listAnswer(c, await machinesJson(c, await store.listRunners(repo.id), repo));
  });

  app.get(`${repoPath}/:runner_id`, async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    const [json] = await machinesJson(c, [await repoRunner(c, repo)], repo);
    return c.json(json);
  });

  app.delete(`${repoPath}/:runner_id`, async (c) => {
    const repo = await repoAccess(ctx, c, "admin");
    return remove(c, await repoRunner(c, repo));
  });

  // Every runner of the server: site admins.
  const serverPath = "/actions/runners";

  /** The path's runner id: a runner machine's, or the built-in pool's (0). */
  function serverRunnerId(c: Context): number {
    return c.req.param("runner_id") === String(BUILT_IN_RUNNER_ID)
      ? BUILT_IN_RUNNER_ID
      : idParam(c, "runner_id");
  }

  app.post(`${serverPath}/registration-token`, async (c) => {
    requireSiteAdmin(c);
    return registrationToken(c, null);
  });

  app.get(serverPath, async (c) => {
    requireSiteAdmin(c);
    const builtIn = await builtInJson(c);
    const machines = await machinesJson(c, await store.listRunners());
    return listAnswer(c, builtIn ? [builtIn, ...machines] : machines);
  });

  app.get(`${serverPath}/:runner_id`, async (c) => {
    requireSiteAdmin(c);
    const id = serverRunnerId(c);
    if (id === BUILT_IN_RUNNER_ID) {
      const builtIn = await builtInJson(c);
      if (!builtIn) throw new HttpError(404, "Not Found: the built-in pool is turned off (runners.slots: 0)");
      return c.json(builtIn);
    }
    const runner = await store.getRunner(id);
    if (!runner) throw new HttpError(404, `Not Found: no runner ${id} on this server`);
    const [json] = await machinesJson(c, [runner]);
    return c.json(json);
  });

  app.delete(`${serverPath}/:runner_id`, async (c) => {
    requireSiteAdmin(c);
    const id = serverRunnerId(c);
    if (id === BUILT_IN_RUNNER_ID)
      throw new HttpError(
        422,
        "The server's built-in pool (runner 0) is not removed through the API: set runners.slots to 0 in the server's config to turn it off",
      );
    const runner = await store.getRunner(id);
    if (!runner) throw new HttpError(404, `Not Found: no runner ${id} on this server`);
    return remove(c, runner);
  });

  return app;
}
