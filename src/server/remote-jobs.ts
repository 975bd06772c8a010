import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { EventName, GantryEvents, JobOutcome, JobRequest } from "../engine/index.js";
import type { Contexts, Json } from "../expressions/index.js";
import type { JobServiceLease, JobServices } from "../runner/index.js";
import type { Job, RemoteClaim, Runner, Store } from "../store/index.js";
import { deserializeDefs, type JobDef, serializeDefs, type WorkflowDef } from "../workflow/index.js";
import { labelsMatch } from "./runner-labels.js";
import type { Serial } from "./serial.js";
import { nextSignal, type Signals } from "./signals.js";

/** The reason a job whose runner vanished (a runner machine went silent, a server died) is failed with. */
export const RUNNER_LOST = "the runner was lost";

/** What a runner machine needs to run a job: the engine's request without its live parts. */
export interface RemoteJobSpec {
  v: 1;
  runId: string;
  jobKey: string;
  displayName: string;
  /** What a runner reads of the workflow (LocalRunner): not its other jobs, not its parsed file. */
  workflow: Pick<WorkflowDef, "file" | "name" | "defaultsRun">;
  job: JobDef;
  matrix: Record<string, Json> | null;
  contexts: Contexts;
  env: Record<string, string>;
  /** Values the runner masks in every line it reports. */
  secrets: string[];
  environment?: string;
  /** The repository and commit the job's checkout fetches (through the protocol's git route). */
  repository: { owner: string; name: string };
  sha: string;
  debug: boolean;
  /** Milliseconds between SIGINT and SIGKILL when a step is cancelled. */
  graceMs: number;
}

/** What the runner is handed for a claimed job. */
export interface RemoteJobClaim {
  id: number;
  lease_id: string;
  lease_seconds: number;
  runner_name: string;
  /** The RemoteJobSpec, as serializeDefs wrote it (its template tokens keep their classes). */
  spec: string;
  /** The job's services (cache, artifacts, ID tokens): their variables, and the values to mask. */
  services: { env: Record<string, string>; secrets: string[] };
}

const text = z.string().max(1_000_000);
/** The bus events a runner may report of its job, each with what its payload must hold. */
export const REPORTED: Partial<Record<EventName, z.ZodType>> = {
  "job:log": z.object({ line: text, header: z.boolean().optional() }),
  "job:steps": z.object({ names: z.array(text) }),
  "step:started": z.object({ name: text, index: z.number().int().optional() }),
  "step:completed": z.object({
    name: text,
    outcome: z.enum(["success", "failure", "cancelled", "skipped"]),
    conclusion: z.enum(["success", "failure", "cancelled", "skipped"]),
  }),
  "job:annotation": z.object({ level: z.enum(["error", "warning", "notice"]), text }),
  "step:summary": z.object({ markdown: text }),
};

const result = z.enum(["success", "failure", "cancelled", "skipped"]);
const stepReport = z.object({
  id: z.string(),
  name: z.string(),
  outcome: result,
  conclusion: result,
  outputs: z.record(z.string(), z.string()),
  errors: z.array(z.string()).optional(),
  action: z.object({ uses: z.string(), commit: z.string(), source: z.string() }).optional(),
});

/** One reported event: a bus event of the job, or its outcome (the last). */
export const reportedEvent = z.discriminatedUnion("type", [
  z
    .object({ type: z.literal("bus"), name: z.string(), payload: z.record(z.string(), z.unknown()) })
    .superRefine((e, ctx) => {
      const schema = REPORTED[e.name as EventName];
      if (!schema) ctx.addIssue({ code: "custom", path: ["name"], message: "not an event a runner reports" });
      else if (!schema.safeParse(e.payload).success)
        ctx.addIssue({ code: "custom", path: ["payload"], message: `not a ${e.name} payload` });
    }),
  z.object({
    type: z.literal("outcome"),
    outcome: z.object({
      result: z.enum(["success", "failure", "cancelled"]),
      outputs: z.record(z.string(), z.string()),
      steps: z.array(stepReport),
      failedStep: z.string().optional(),
    }),
  }),
]);
export type ReportedEvent = z.infer<typeof reportedEvent>;

/** How following a job on a runner machine ended. */
/** How many reports a follower reads at a time. */
const JOB_EVENTS_PAGE = 1000;

export type Followed =
  | { kind: "outcome"; outcome: JobOutcome }
  /** Its lease ran out and no retry was left: the runner was lost. */
  | { kind: "lost" }
  /** The server's own pool took it (it was offered to both). */
  | { kind: "local" };

export interface RemoteJobsDeps {
  store: Store;
  serial: Serial;
  signals: Signals;
  /** Seals and opens job requests under the master key (vault.jobSpecs()). */
  specs: { seal(spec: string): string; open(sealed: string): string };
  labelMap: Record<string, string[]>;
  leaseSeconds: number;
  /** Times a lost job is offered again (retries.lost_runner). */
  lostRetries: number;
  /** The services a job's steps reach (cache, artifacts, ID tokens). */
  services?: JobServices;
  log: (message: string) => void;
}

/**
 * Jobs on runner machines, the server's side: offering a job the engine made ready, handing it to
 * a runner's claim, following what the runner reports onto the engine's bus, and noticing a
 * runner that went silent (its lease ran out).
 */
export class RemoteJobs {
  /** Leases of services this server opened for jobs it handed out, closed when the job ends. */
  private leases = new Map<number, JobServiceLease>();
  /** The runner machines as last looked up (or being looked up: jobs asking at once share one look). */
  private runnersSeen: { at: number; list: Promise<Runner[]> } = { at: 0, list: Promise.resolve([]) };
  /** The `offers` signals this server has seen (its own offers, and the others' through NOTIFY). */
  private offersSeen = 0;
  /**
   * `offersSeen` as it stood when a look began that found no offered job at all: until the next
   * signal, a claim woken by the same one need not look (one offer wakes every waiting runner,
   * and each look is a statement or two that the others' wait behind).
   */
  private noneOfferedAt = -1;

  constructor(private readonly deps: RemoteJobsDeps) {
    deps.signals.subscribe("offers", () => {
      this.offersSeen += 1;
    });
  }

  /** The registered runner machines (looked up at most every two seconds). */
  private async runners(): Promise<Runner[]> {
    const now = Date.now();
    if (now - this.runnersSeen.at > 2000) {
      const seen = { at: now, list: this.deps.store.listRunners() };
      this.runnersSeen = seen;
      // A look that failed is not kept: the next asks again.
      seen.list.catch(() => {
        if (this.runnersSeen === seen) this.runnersSeen = { at: 0, list: Promise.resolve([]) };
      });
    }
    return this.runnersSeen.list;
  }

  /** Whether any runner machine is registered. */
  async anyRunner(): Promise<boolean> {
    return (await this.runners()).length > 0;
  }

  /** Whether a registered runner machine's labels satisfy these. */
  async anyFits(labels: string[]): Promise<boolean> {
    return (await this.runners()).some((r) => this.fits(r, labels));
  }

  /** Forgets the runners remembered (one registered or was removed). */
  runnersChanged(): void {
    this.runnersSeen = { at: 0, list: Promise.resolve([]) };
  }

  /** Whether a runner's labels satisfy a job's runs-on (after the server's label_map). */
  fits(runner: Pick<Runner, "labels">, wanted: string[]): boolean {
    return labelsMatch(wanted, runner.labels, this.deps.labelMap);
  }

  /** Offers the job to runner machines; with `queued`, made queued (these labels, matrix, name) at once. */
  async offer(
    jobId: number,
    spec: RemoteJobSpec,
    queued?: Pick<Job, "labels" | "matrix" | "name">,
  ): Promise<void> {
    const box = this.deps.specs.seal(serializeDefs(spec));
    await this.deps.serial.run(() => this.deps.store.offerJob(jobId, box, queued));
    this.deps.signals.publish("offers");
  }

  /** Takes the offer back while nobody claimed it; false when a runner machine has the job. */
  withdraw(jobId: number): Promise<boolean> {
    return this.deps.serial.run(() => this.deps.store.withdrawOffer(jobId));
  }

  /** Asks the job's runner to cancel it; it hears so within a second (its lease poll). */
  async cancel(jobId: number): Promise<void> {
    await this.deps.serial.run(() => this.deps.store.requestJobCancel(jobId));
    this.deps.signals.publish(`job:${jobId}`, "cancel");
  }

  /**
   * Claims up to `free` offered jobs for the runner, waiting up to `waitMs` for one; the job's
   * services are opened for `baseUrl`, the server address the runner reaches.
   */
  async claim(
    runner: Runner,
    free: number,
    waitMs: number,
    serverUrl: string,
    abort?: AbortSignal,
  ): Promise<RemoteJobClaim[]> {
    const deadline = Date.now() + waitMs;
    let first = true;
    for (;;) {
      // Listening before looking: an offer made between the look and the wait still wakes it.
      const stopWaiting = new AbortController();
      const stop = () => stopWaiting.abort();
      abort?.addEventListener("abort", stop, { once: true });
      const woken = nextSignal(
        this.deps.signals,
        "offers",
        Math.max(0, deadline - Date.now()),
        stopWaiting.signal,
      );
      const claims: RemoteJobClaim[] = [];
      try {
        while (claims.length < free) {
          // The first look of a claim always happens; a later one only when an offer may be new.
          const claim = await this.claimOne(runner, serverUrl, !first);
          first = false;
          if (!claim) break;
          claims.push(claim);
        }
        first = false;
        if (claims.length > 0 || Date.now() >= deadline || abort?.aborted) return claims;
        await woken;
      } finally {
        // No listener or timer outlives the look.
        stop();
        abort?.removeEventListener("abort", stop);
      }
      if (Date.now() >= deadline || abort?.aborted) return [];
    }
  }

  /**
   * Claims the oldest offered job the runner fits. With `mayPass`, no look is made when one that
   * began since the last `offers` signal found no job offered (looks run one at a time, in the
   * serial queue, so the runners one offer woke look one after another, not all at once).
   */
  private async claimOne(
    runner: Runner,
    serverUrl: string,
    mayPass: boolean,
  ): Promise<RemoteJobClaim | undefined> {
    const { store, serial, leaseSeconds } = this.deps;
    let claimed: RemoteClaim | undefined;
    for (;;) {
      const lease = { id: randomBytes(16).toString("hex"), expiresAt: leaseEnd(leaseSeconds) };
      claimed = await serial.run(async () => {
        const seen = this.offersSeen;
        if (mayPass && seen === this.noneOfferedAt) return undefined;
        // The offered jobs the look saw (the store asks `accept` of each), whether they fit or not.
        let candidates = 0;
        const found = await store.claimOfferedJob(
          runner,
          (job) => {
            candidates += 1;
            return this.fits(runner, job.labels);
          },
          lease,
        );
        // None offered at all, or none beside the one claimed, as it looked (a repository's
        // runner sees its repository's only: its look says nothing of the others).
        const noneLeft = found ? !found.othersOffered : candidates === 0;
        if (noneLeft && runner.repoId == null && seen > this.noneOfferedAt) this.noneOfferedAt = seen;
        return found;
      });
      if (!claimed) return undefined;
      let text: string;
      let spec: RemoteJobSpec;
      try {
        text = this.deps.specs.open(claimed.specBox);
        spec = deserializeDefs<RemoteJobSpec>(text);
      } catch (err) {
        // Sealed under another master key: no runner can run it; its engine hears it was lost.
        this.deps.log(`job ${claimed.job.id}: its request cannot be opened (${(err as Error).message})`);
        await serial.run(() => store.endLease(claimed?.job.id ?? 0, lease.id, false));
        this.deps.signals.publish(`job:${claimed.job.id}`, "lost");
        continue;
      }
      const services = await this.openServices(claimed.job, spec, serverUrl);
      this.deps.signals.publish(`job:${claimed.job.id}`, "claimed");
      return {
        id: claimed.job.id,
        lease_id: claimed.leaseId,
        lease_seconds: leaseSeconds,
        runner_name: runner.name,
        spec: text,
        services,
      };
    }
  }

  private async openServices(
    job: Job,
    spec: RemoteJobSpec,
    serverUrl: string,
  ): Promise<RemoteJobClaim["services"]> {
    const github = { ...(spec.contexts.github as Record<string, Json>), job: spec.job.id };
    const lease = await this.deps.services?.open({
      runId: spec.runId,
      github,
      workflowFile: spec.workflow.file,
      ...(spec.environment ? { environment: spec.environment } : {}),
      // Where the runner reached this server: every service URL of the job points there.
      serverUrl,
    });
    if (!lease) return { env: {}, secrets: [] };
    this.leases.set(job.id, lease);
    const off = this.deps.signals.subscribe(`job:${job.id}`, (message) => {
      if (message !== "ended" && message !== "lost") return;
      off();
      this.leases.delete(job.id);
      void lease.close().catch(() => undefined);
    });
    return { env: lease.env, secrets: lease.secrets };
  }

  /**
   * Renews the runner's lease on the job; with `waitMs`, first waits (up to then) for a cancel to
   * be asked for. Undefined when the lease is not the runner's any more (lost, given to another).
   */
  async heartbeat(
    runner: Runner,
    jobId: number,
    leaseId: string,
    waitMs: number,
    abort?: AbortSignal,
  ): Promise<{ cancel: boolean } | undefined> {
    const { store, serial, signals, leaseSeconds } = this.deps;
    const renew = () => serial.run(() => store.renewLease(jobId, leaseId, leaseEnd(leaseSeconds)));
    let state = waitMs > 0 ? await store.renewLease(jobId, leaseId) : await renew();
    if (!state.held || state.job.runnerId !== runner.id) return undefined;
    if (waitMs === 0) return { cancel: state.cancelRequested };
    // A long poll renews the lease as it answers; before it waits, only when less than two thirds
    // of the lease is left (a claim's own lease, or the last poll's, is fresher than that).
    if (Date.parse(state.expiresAt) - Date.now() < (leaseSeconds * 2000) / 3) {
      state = await renew();
      if (!state.held) return undefined;
    }
    if (!state.cancelRequested) await nextSignal(signals, `job:${jobId}`, waitMs, abort);
    state = await renew();
    if (!state.held) return undefined;
    return { cancel: state.cancelRequested };
  }

  /**
   * The runner gives the job back before it ended (it is stopping): offered again at once,
   * whatever retries.lost_runner says, as no step of it is known to have failed.
   */
  async release(runner: Runner, jobId: number, leaseId: string): Promise<boolean> {
    const { store, serial, signals } = this.deps;
    const lease = await store.jobLease(jobId);
    if (!lease || lease.leaseId !== leaseId || lease.runnerId !== runner.id) return false;
    const done = await serial.run(() => store.endLease(jobId, leaseId, true));
    if (done) {
      signals.publish(`job:${jobId}`, "lost");
      signals.publish("offers");
    }
    return done;
  }

  /**
   * Stores events the runner reported (seq-ordered, a retry's doubles skipped); the next seq
   * expected, or undefined when the lease is not the runner's any more.
   */
  async report(
    runner: Runner,
    jobId: number,
    leaseId: string,
    events: { seq: number; body: ReportedEvent }[],
  ): Promise<number | undefined> {
    const { store, serial, signals } = this.deps;
    const next = await serial.run(() =>
      store.appendJobEvents(
        jobId,
        leaseId,
        events.map((e) => ({ seq: e.seq, body: e.body as unknown as Json })),
        runner.id,
        events.some((e) => e.body.type === "outcome"),
      ),
    );
    if (next !== undefined) signals.publish(`job:${jobId}`, "reported");
    return next;
  }

  /**
   * Follows the job from its offer to its end: each claim (`claimed`, with the runner's name; again
   * after a lost runner's retry), what the runner reports onto the engine's bus, until its outcome.
   */
  async follow(
    jobId: number,
    req: Pick<JobRequest, "runId" | "jobKey" | "bus">,
    hooks: { claimed(runnerName: string, leaseId: string): void; retried(): void },
  ): Promise<Followed> {
    const { store, signals } = this.deps;
    let leaseId: string | undefined;
    let after = -1;
    for (;;) {
      const woken = nextSignal(signals, `job:${jobId}`, 1000);
      // Its status, runner and lease in one read.
      const job = await store.remoteJobState(jobId);
      if (!job) return { kind: "lost" };
      if (job.status === "in_progress" && job.runnerId === null && leaseId === undefined) {
        return { kind: "local" };
      }
      const lease = job.leaseId;
      if (lease && lease !== leaseId) {
        // Another lease where one was followed: its runner was lost (or handed the job back) and
        // the job given again before this look saw it queued. What the lease given up reported and
        // this look has not read yet (its last lines, sent before its release) comes first.
        if (leaseId !== undefined) {
          const rest = await this.relay(jobId, after, req, job.reportBase);
          after = rest.after;
          hooks.retried();
        }
        leaseId = lease;
        // A follower starting here (a first claim, an adopting server) reads this lease's reports.
        after = Math.max(after, job.reportBase - 1);
        hooks.claimed(job.runnerName ?? "a runner", lease);
      }
      if (leaseId !== undefined) {
        const read = await this.relay(jobId, after, req);
        after = read.after;
        if (read.outcome) return { kind: "outcome", outcome: read.outcome };
        if (!lease) {
          if (job.status === "queued") {
            // Its runner was lost, and a retry was left: offered again.
            leaseId = undefined;
            hooks.retried();
          } else if (job.status === "in_progress" || job.status === "completed") {
            return { kind: "lost" };
          }
        }
      }
      await woken;
    }
  }

  /**
   * Puts the job's reports after seq `after` (and before `before`, when given) onto its engine's
   * bus, stopping at its outcome; says the last seq read and the outcome when it came.
   */
  private async relay(
    jobId: number,
    after: number,
    req: Pick<JobRequest, "runId" | "jobKey" | "bus">,
    before = Number.POSITIVE_INFINITY,
  ): Promise<{ after: number; outcome?: JobOutcome }> {
    for (;;) {
      const events = await this.deps.store.jobEvents(jobId, after, JOB_EVENTS_PAGE);
      for (const event of events) {
        if (event.seq >= before) return { after };
        after = event.seq;
        const parsed = reportedEvent.safeParse(event.body);
        if (!parsed.success) continue;
        const body = parsed.data;
        if (body.type === "outcome") return { after, outcome: body.outcome };
        // The runner's word for its own job only: the run and the job are the engine's.
        const payload = { ...body.payload, runId: req.runId, jobKey: req.jobKey };
        req.bus.emit(body.name as "job:log", payload as unknown as GantryEvents["job:log"]);
      }
      // A long backlog is read in pages (jobEvents' limit); a short page is the end of it.
      if (events.length < JOB_EVENTS_PAGE) return { after };
    }
  }

  /** The job ended on its runner and its outcome is recorded: its request and reports go. */
  async close(jobId: number): Promise<void> {
    await this.deps.serial.run(() => this.deps.store.closeRemoteJob(jobId));
    this.deps.signals.publish(`job:${jobId}`, "ended");
  }

  /**
   * Ends each lease that ran out (its runner went silent): the job is offered again while
   * retries.lost_runner allows, else its engine hears that the runner was lost. Safe to run on
   * several servers at once: only one of them ends a given lease.
   */
  async sweepExpiredLeases(): Promise<number> {
    const { store, serial, signals, lostRetries } = this.deps;
    const at = new Date().toISOString();
    const expired = await store.expiredLeases(at);
    let ended = 0;
    for (const job of expired) {
      const lease = await store.jobLease(job.id);
      if (!lease) continue;
      const lostCount = job.lostCount + 1;
      const requeue = lostCount <= lostRetries;
      const won = await serial.run(async () => {
        // Only while it still runs out: not renewed since the look, no outcome stored since.
        const ok = await store.endLease(job.id, lease.leaseId, requeue, at);
        if (ok) await store.updateJob(job.id, { lostCount });
        return ok;
      });
      if (!won) continue;
      ended += 1;
      this.deps.log(
        `job ${job.id} (${job.key}): runner ${job.runnerName ?? "?"} went silent; ${requeue ? `offered again (retry ${lostCount} of ${lostRetries})` : "the runner was lost"}`,
      );
      signals.publish(`job:${job.id}`, "lost");
      if (requeue) signals.publish("offers");
    }
    return ended;
  }

  /** Closes the services of jobs this server handed out (the server stops). */
  async stop(): Promise<void> {
    await Promise.all([...this.leases.values()].map((l) => l.close().catch(() => undefined)));
    this.leases.clear();
  }
}

function leaseEnd(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}
