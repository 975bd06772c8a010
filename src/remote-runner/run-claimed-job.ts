import { rmSync } from "node:fs";
import { join } from "node:path";
import { ActionRunner, BuiltInActions } from "../actions/index.js";
import { HttpArtifactStore } from "../artifacts/index.js";
import { HttpCacheStore } from "../cache/index.js";
import { Cancellation, EventBus, type EventName, type JobOutcome } from "../engine/index.js";
import { LocalRunner } from "../runner/index.js";
import { type JobIsolation, REPORTED, type RemoteJobClaim, type RemoteJobSpec } from "../server/index.js";
import { deserializeDefs, type WorkflowDef } from "../workflow/index.js";
import { pause, type RunnerClient, ServerRefused } from "./client.js";
import { EventUploader } from "./event-uploader.js";
import { jobSource } from "./job-source.js";
import { RemoteActionSource } from "./remote-actions.js";
import { StartGate } from "./start-gate.js";

/**
 * How long a claimed job's bookkeeping waits for its first process (start-gate.ts): at most 250 ms
 * after the claim, 100 ms after the process started. A cancel is heard at the latest that late.
 */
const START_GATE = { maxWaitMs: 250, afterStartMs: 100 };
/** How long a job handed back may take to send what it reported before it is released. */
const HAND_BACK_FLUSH_MS = 5_000;

export interface ClaimedJobContext {
  client: RunnerClient;
  /** The runner's folder: mirrors, action checkouts, the jobs' folders. */
  workDir: string;
  isolation: JobIsolation;
  log(message: string): void;
  /** Aborts when the runner hands its jobs back (the drain timeout passed). */
  handBack: AbortSignal;
}

/**
 * Runs one job a runner machine claimed: its commit fetched from the server into the runner's
 * mirror when the mirror lacks it (the mirror is the job's source, which actions/checkout fetches
 * from), its steps on the same LocalRunner `gantry serve` uses, every line reported as it comes,
 * its lease renewed (and a cancel heard within a second) until its outcome is with the server. The
 * job's secrets stay in this process's memory: nothing of the claim is written to disk.
 */
export async function runClaimedJob(ctx: ClaimedJobContext, claim: RemoteJobClaim): Promise<void> {
  const { client, workDir } = ctx;
  const spec = deserializeDefs<RemoteJobSpec>(claim.spec);
  const cancellation = new Cancellation();
  let lost = false;
  // The lease's poll and the reports start once the job's first process is under way (start-gate.ts).
  const gate = new StartGate(START_GATE);
  const uploader = new EventUploader(
    client,
    claim.id,
    claim.lease_id,
    () => {
      // Given to another (or taken back): this runner's word counts no more; its steps stop.
      lost = true;
      ctx.log(`job ${claim.id}: the server took the job back; stopping it`);
      cancellation.kill();
    },
    undefined,
    { held: true },
  );
  void gate.opened.then(() => uploader.release());
  const bus = new EventBus();
  // The events the server takes of a job (the engine's own stay with the engine).
  for (const name of Object.keys(REPORTED) as EventName[]) {
    bus.on(name, (payload) => {
      const { runId: _r, jobKey: _k, ...rest } = payload as Record<string, unknown>;
      uploader.push({ type: "bus", name, payload: rest });
      if (name === "job:log") gate.progressed();
    });
  }
  const say = (line: string) => bus.emit("job:log", { runId: spec.runId, jobKey: spec.jobKey, line });
  const done = new AbortController();
  const heartbeat = keepLease(ctx, claim, cancellation, gate.opened, done.signal, () => {
    lost = true;
    cancellation.kill();
  });
  let handedBack = false;
  const handBack = () => {
    handedBack = true;
    lost = true;
    cancellation.kill();
  };
  ctx.handBack.addEventListener("abort", handBack, { once: true });

  const jobDir = join(workDir, "jobs", String(claim.id));
  let outcome: JobOutcome;
  try {
    const source = await jobSource(client, workDir, {
      id: claim.id,
      repository: spec.repository,
      sha: spec.sha,
    });
    const runner = new LocalRunner({
      name: claim.runner_name,
      runsDir: join(jobDir, "runs"),
      sourceDir: source,
      repositoryName: spec.repository.name,
      ...ctx.isolation,
      // The cache and the artifacts through the server's Actions services: no shared disk.
      actions: new ActionRunner(
        new BuiltInActions({
          jobStores: (env) => ({
            cache: HttpCacheStore.fromEnv(env, { tmpDir: jobDir }),
            artifacts: HttpArtifactStore.fromEnv(env),
          }),
        }),
        new RemoteActionSource(client, claim.id, workDir),
      ),
      graceMs: spec.graceMs,
      debug: spec.debug,
      onProcessGroup: () => gate.processStarted(),
      // The job's services were opened by the server for this job: their variables as given.
      services: { open: async () => ({ ...claim.services, close: async () => {} }) },
    });
    outcome = await runner.runJob({
      runId: spec.runId,
      jobKey: spec.jobKey,
      displayName: spec.displayName,
      // The runner reads the workflow's file and defaults.run alone: its other jobs and its
      // parsed file stay with the server (RemoteJobSpec).
      workflow: { ...spec.workflow, jobs: [], loaded: undefined } as unknown as WorkflowDef,
      job: spec.job,
      matrix: spec.matrix,
      contexts: spec.contexts,
      env: spec.env,
      secrets: [...spec.secrets, ...claim.services.secrets],
      ...(spec.environment ? { environment: spec.environment } : {}),
      cancellation,
      bus,
    });
  } catch (err) {
    say(`Error: ${(err as Error).message}`);
    outcome = { result: "failure", outputs: {}, steps: [] };
  }
  if (handedBack) {
    // Its steps stopped and every line they wrote reported: what the job reported reaches the
    // server first, then it is released (a report after that would be refused, its lines lost).
    await uploader.close(HAND_BACK_FLUSH_MS);
    await client
      .post(
        `_runner/jobs/${claim.id}/release`,
        { lease_id: claim.lease_id },
        { attempts: 2, expect: [200, 409] },
      )
      .catch(() => undefined);
  } else if (!lost) {
    uploader.push({ type: "outcome", outcome });
    // Until the server has it, or the lease is lost (then the server acts without it).
    await uploader.close(claim.lease_seconds * 4000);
  }
  // A job that ended before its gate opened sent its reports with the outcome (close sends what
  // waited) and never polled its lease; its gate's timers go.
  done.abort();
  gate.open();
  await heartbeat;
  ctx.handBack.removeEventListener("abort", handBack);
  rmSync(jobDir, { recursive: true, force: true });
  ctx.log(`job ${claim.id} (${spec.displayName}): ${lost ? "handed back" : outcome.result}`);
}

/**
 * Renews the job's lease from `start` until `stop`: a long poll (a third of the lease) that answers
 * at once when a cancel is asked for. A 409 means the lease is gone: `onLost`.
 */
async function keepLease(
  ctx: ClaimedJobContext,
  claim: RemoteJobClaim,
  cancellation: Cancellation,
  start: Promise<void>,
  stop: AbortSignal,
  onLost: () => void,
): Promise<void> {
  const wait = Math.max(1, Math.floor(claim.lease_seconds / 3));
  // The claim's lease is fresh: the first poll can wait for the job's start (start-gate.ts).
  await Promise.race([
    start,
    new Promise<void>((resolve) => stop.addEventListener("abort", () => resolve(), { once: true })),
  ]);
  while (!stop.aborted) {
    try {
      const answer = await ctx.client.post<{ cancel: boolean }>(
        `_runner/jobs/${claim.id}/lease`,
        { lease_id: claim.lease_id, wait },
        { signal: stop, attempts: 1 },
      );
      if (answer.body.cancel && !cancellation.cancelled) cancellation.cancel();
      if (answer.body.cancel) await pause(1000, stop);
    } catch (err) {
      if (stop.aborted) return;
      if (err instanceof ServerRefused && err.status === 409) {
        onLost();
        return;
      }
      // The server is out of reach: try again soon; the lease runs out if it stays so.
      await pause(1000, stop);
    }
  }
}
