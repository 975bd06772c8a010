// The runner protocol: how `gantry runner` on another machine registers, claims jobs, reports on
// them and fetches what they need (JSON over HTTP, under /_runner/; documented in the OpenAPI
// document). A runner authenticates with the credential it got at registration (Bearer), never
// with an API token: these routes sit outside /api/v1 and its bearerAuth, and an API token is
// refused here as a registration token is refused there. A job's routes answer only the runner
// that holds its lease; a lost lease answers 409, so a runner that comes back never reports over a
// job that was given to another.
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import type { ActionStore } from "../../actions/index.js";
import { hashToken, newTokenValue, REGISTRATION_PREFIX, RUNNER_PREFIX } from "../../identity/index.js";
import type { Runner, Store } from "../../store/index.js";
import type { ServerAudit } from "../audit.js";
import { type AuthThrottle, clientAddress, throttled } from "../auth-throttle.js";
import { bodyOf, HttpError, idParam, queryOf } from "../context.js";
import { type RemoteJobs, reportedEvent } from "../remote-jobs.js";
import type { RepoClones } from "../repo-clones.js";

export interface RunnerProtocolDeps {
  store: Store;
  remote: RemoteJobs;
  clones: RepoClones;
  actions: ActionStore;
  audit: ServerAudit;
  throttle?: AuthThrottle;
  log(message: string): void;
}

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, '.', '_' and '-', at most 64");
const label = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}$/, "a label: letters, digits, '.', '_', ':', '+' and '-'");

const registration = z.object({
  token: z.string().min(1).max(200),
  name,
  labels: z.array(label).max(50).default([]),
  slots: z.number().int().min(1).max(64).default(1),
  os: z.enum(["Linux", "macOS", "Windows"]),
  arch: z.enum(["X64", "ARM64", "ARM", "X86"]),
  version: z.string().max(40).default(""),
  ephemeral: z.boolean().default(false),
});

const claimRequest = z.object({
  /** Jobs it can take now. */
  free: z.number().int().min(0).max(64),
  /** Seconds to wait for one (a long poll). */
  wait: z.number().min(0).max(50).default(25),
  /** Stopping: it takes no new job (said so the runners list shows it). */
  draining: z.boolean().default(false),
});

const leaseRequest = z.object({
  lease_id: z.string().min(1).max(64),
  /** Seconds to wait for a cancel before answering (renewed both ways). */
  wait: z.number().min(0).max(50).default(0),
});

const eventsRequest = z.object({
  lease_id: z.string().min(1).max(64),
  events: z.array(z.object({ seq: z.number().int().min(0), body: reportedEvent })).max(5000),
});

const owner = /^[A-Za-z0-9_.-]{1,100}$/;
const resolveQuery = z.object({
  owner: z.string().regex(owner),
  repo: z.string().regex(owner),
  ref: z.string().min(1).max(255),
  mirror: z.enum(["true", "false"]).default("true"),
});
const archiveQuery = z.object({
  owner: z.string().regex(owner),
  repo: z.string().regex(owner),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
});

export function runnerProtocolRoutes(deps: RunnerProtocolDeps): Hono {
  const app = new Hono();
  const { store, remote } = deps;

  /** The runner the request's credential names; 401 (counted against the address) otherwise. */
  async function runnerOf(c: Context): Promise<Runner> {
    const address = clientAddress(c);
    const wait = deps.throttle?.blockedFor(address);
    if (wait !== undefined)
      throw new HttpError(429, `Too many failed authentications: try again in ${wait} s`);
    const header = c.req.header("authorization") ?? "";
    const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(header);
    const runner = m?.[1].startsWith(RUNNER_PREFIX)
      ? await store.findRunnerByToken(hashToken(m[1]))
      : undefined;
    if (!runner) {
      deps.throttle?.fail(address);
      throw new HttpError(
        401,
        "Bad credentials: a runner's credential is required (gantry runner registers for one)",
      );
    }
    return runner;
  }

  /** The job's current lease, the runner's: 409 when the lease is not its own any more. */
  async function leasedTo(runner: Runner, jobId: number): Promise<string> {
    const lease = await store.jobLease(jobId);
    if (!lease || lease.runnerId !== runner.id) {
      throw new HttpError(
        409,
        "This runner does not hold the job (its lease ended or it was given to another)",
      );
    }
    return lease.leaseId;
  }

  app.post("/_runner/register", async (c) => {
    const address = clientAddress(c);
    const wait = deps.throttle?.blockedFor(address);
    if (wait !== undefined) return throttled(c, wait);
    const body = await bodyOf(c, registration);
    const found = body.token.startsWith(REGISTRATION_PREFIX)
      ? await store.findRunnerRegistration(hashToken(body.token), new Date().toISOString())
      : undefined;
    if (!found) {
      deps.throttle?.fail(address);
      throw new HttpError(401, "Bad credentials: the registration token is unknown or expired");
    }
    const credential = newTokenValue(RUNNER_PREFIX);
    // GitHub's default labels of a self-hosted runner, then the runner's own.
    const labels = [
      ...new Set(["self-hosted", body.os.toLowerCase(), body.arch.toLowerCase(), ...body.labels]),
    ];
    const runner = await store.addRunner({
      name: body.name,
      repoId: found.repoId,
      labels,
      slots: body.slots,
      os: body.os,
      arch: body.arch,
      version: body.version,
      ephemeral: body.ephemeral,
      tokenHash: hashToken(credential),
    });
    if (!runner) throw new HttpError(409, `A runner named '${body.name}' is registered already`);
    remote.runnersChanged();
    const repo = found.repoId === null ? undefined : await store.getRepoById(found.repoId);
    await deps.audit.trail.append({
      action: repo ? "repo.register_self_hosted_runner" : "enterprise.register_self_hosted_runner",
      actor: found.createdBy,
      address,
      repo: repo ? `${repo.owner}/${repo.name}` : null,
      details: { runner_id: runner.id, runner_name: runner.name, labels, ephemeral: runner.ephemeral },
    });
    return c.json({ id: runner.id, name: runner.name, labels, credential }, 201);
  });

  app.post("/_runner/claim", async (c) => {
    const runner = await runnerOf(c);
    const body = await bodyOf(c, claimRequest);
    await store.touchRunner(runner.id, new Date().toISOString(), body.draining);
    if (body.draining || body.free === 0) return c.json({ jobs: [] });
    // The job's services at the address the runner reached this server at.
    const jobs = await remote.claim(
      runner,
      body.free,
      body.wait * 1000,
      new URL(c.req.url).origin,
      c.req.raw.signal,
    );
    // Seen again as it takes the jobs; the answer does not wait for that write.
    if (jobs.length > 0) void store.touchRunner(runner.id, new Date().toISOString()).catch(() => undefined);
    return c.json({ jobs });
  });

  app.post("/_runner/jobs/:id/lease", async (c) => {
    const runner = await runnerOf(c);
    const jobId = idParam(c, "id");
    const body = await bodyOf(c, leaseRequest);
    const state = await remote.heartbeat(runner, jobId, body.lease_id, body.wait * 1000, c.req.raw.signal);
    if (!state)
      throw new HttpError(
        409,
        "This runner does not hold the job (its lease ended or it was given to another)",
      );
    await store.touchRunner(runner.id, new Date().toISOString());
    return c.json(state);
  });

  app.post("/_runner/jobs/:id/events", async (c) => {
    const runner = await runnerOf(c);
    const jobId = idParam(c, "id");
    const body = await bodyOf(c, eventsRequest);
    const next = await remote.report(runner, jobId, body.lease_id, body.events);
    if (next === undefined) {
      throw new HttpError(
        409,
        "This runner does not hold the job (its lease ended or it was given to another)",
      );
    }
    return c.json({ next });
  });

  // The runner hands the job back (it stops before the job ended): offered again at once.
  app.post("/_runner/jobs/:id/release", async (c) => {
    const runner = await runnerOf(c);
    const jobId = idParam(c, "id");
    const body = await bodyOf(c, leaseRequest);
    if (!(await remote.release(runner, jobId, body.lease_id))) {
      throw new HttpError(
        409,
        "This runner does not hold the job (its lease ended or it was given to another)",
      );
    }
    return c.json({ released: true });
  });

  // An ephemeral runner after its job, or any runner leaving for good: its registration goes.
  app.delete("/_runner/self", async (c) => {
    const runner = await runnerOf(c);
    await store.removeRunner(runner.id);
    remote.runnersChanged();
    const repo = runner.repoId === null ? undefined : await store.getRepoById(runner.repoId);
    await deps.audit.trail.append({
      action: repo ? "repo.remove_self_hosted_runner" : "enterprise.remove_self_hosted_runner",
      actor: `runner:${runner.name}`,
      address: clientAddress(c),
      repo: repo ? `${repo.owner}/${repo.name}` : null,
      details: { runner_id: runner.id, runner_name: runner.name },
    });
    return c.body(null, 204);
  });

  // The job's repository over git's smart HTTP (fetch only), for its checkout.
  app.get("/_runner/jobs/:id/git/info/refs", async (c) => {
    const runner = await runnerOf(c);
    const dir = await sourceOf(runner, idParam(c, "id"));
    if (c.req.query("service") !== "git-upload-pack")
      throw new HttpError(403, "Only git-upload-pack (fetch) is served");
    const advert = spawnGit(dir, ["upload-pack", "--stateless-rpc", "--advertise-refs", dir]);
    const head = Buffer.from("001e# service=git-upload-pack\n0000");
    const body = Readable.from(
      (async function* () {
        yield head;
        for await (const chunk of advert.stdout) yield chunk as Buffer;
      })(),
    );
    return new Response(Readable.toWeb(body) as ReadableStream, {
      headers: { "content-type": "application/x-git-upload-pack-advertisement", "cache-control": "no-cache" },
    });
  });

  app.post("/_runner/jobs/:id/git/git-upload-pack", async (c) => {
    const runner = await runnerOf(c);
    const dir = await sourceOf(runner, idParam(c, "id"));
    const raw = Buffer.from(await c.req.arrayBuffer());
    const child = spawnGit(dir, ["upload-pack", "--stateless-rpc", dir]);
    const input =
      c.req.header("content-encoding") === "gzip"
        ? Readable.from([raw]).pipe(createGunzip())
        : Readable.from([raw]);
    input.on("error", () => child.kill());
    input.pipe(child.stdin);
    return new Response(Readable.toWeb(child.stdout) as ReadableStream, {
      headers: { "content-type": "application/x-git-upload-pack-result", "cache-control": "no-cache" },
    });
  });

  /** The server's clone of the job's repository, holding the run's commit. */
  async function sourceOf(runner: Runner, jobId: number): Promise<string> {
    await leasedTo(runner, jobId);
    const job = await store.getJob(jobId);
    const run = job && (await store.getRun(job.runId));
    const repo = run && (await store.getRepoById(run.repoId));
    if (!repo || !run) throw new HttpError(404, "Not Found: the job's repository is gone");
    // Another server may have started the run: its commit is fetched here when this clone lacks it.
    const has = await gitOk(deps.clones.path(repo), ["cat-file", "-e", `${run.headSha}^{commit}`]);
    if (!has) await deps.clones.sync(repo);
    return deps.clones.path(repo);
  }

  // The actions a job uses, from the server's action store (its pins, copies and mirror).
  app.get("/_runner/jobs/:id/actions/resolve", async (c) => {
    const runner = await runnerOf(c);
    await leasedTo(runner, idParam(c, "id"));
    const q = queryOf(c, resolveQuery);
    try {
      const found = await deps.actions.resolve(q.owner, q.repo, q.ref, { mirror: q.mirror === "true" });
      return c.json({ commit: found.commit, source: found.source });
    } catch (err) {
      throw new HttpError(404, (err as Error).message);
    }
  });

  app.get("/_runner/jobs/:id/actions/archive", async (c) => {
    const runner = await runnerOf(c);
    await leasedTo(runner, idParam(c, "id"));
    const q = queryOf(c, archiveQuery);
    let dir: string;
    try {
      // Only a commit the store holds already (resolve put it there): never a fetch for a tarball.
      dir = (await deps.actions.resolve(q.owner, q.repo, q.commit, { mirror: false })).dir;
    } catch (err) {
      throw new HttpError(404, (err as Error).message);
    }
    const tar = spawn("tar", ["-C", dir, "-cf", "-", "."], { stdio: ["ignore", "pipe", "ignore"] });
    return new Response(Readable.toWeb(tar.stdout) as ReadableStream, {
      headers: { "content-type": "application/x-tar" },
    });
  });

  return app;
}

function spawnGit(dir: string, args: string[]) {
  // Any commit of the job's own repository may be fetched by its sha (a run's commit need not
  // be a branch's head); nothing of another repository is reachable from here.
  return spawn("git", ["-c", "uploadpack.allowAnySHA1InWant=true", ...args], {
    cwd: dir,
    stdio: ["pipe", "pipe", "ignore"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, GIT_CONFIG_NOSYSTEM: "1" },
  });
}

function gitOk(dir: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn("git", args, { cwd: dir, stdio: "ignore" });
    p.on("error", () => resolve(false));
    p.on("close", (code) => resolve(code === 0));
  });
}
