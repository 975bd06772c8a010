// The engine's side of a job's own credentials (JobExecutor.credentials): asked for each leg before
// its env is evaluated, given to github.token, secrets.GITHUB_TOKEN and the masks, and released once
// however the leg ends. The executor here is a port implementation that records what it is given.
import { describe, expect, it } from "vitest";
import { buildWorkflowDef, loadWorkflow } from "../workflow/index.js";
import { Cancellation } from "./cancellation.js";
import { EventBus } from "./events.js";
import type { CredentialsRequest, JobExecutor, JobOutcome, JobRequest } from "./executor.js";
import { runWorkflow } from "./run-workflow.js";
import { Semaphore } from "./semaphore.js";

async function workflow(yaml: string) {
  const loaded = await loadWorkflow("ci.yml", yaml);
  if (!loaded.workflow) throw new Error(JSON.stringify(loaded.problems));
  return buildWorkflowDef(loaded.workflow);
}

/** Runs each job as `outcome` says, recording the requests, the credentials asked for and released. */
class RecordingExecutor implements JobExecutor {
  readonly requests: JobRequest[] = [];
  readonly asked: CredentialsRequest[] = [];
  readonly released: string[] = [];
  constructor(
    private readonly outcome: (req: JobRequest) => Promise<JobOutcome>,
    private readonly refuse?: string,
  ) {}

  async credentials(request: CredentialsRequest) {
    this.asked.push(request);
    if (request.job.id === this.refuse) throw new Error("no token for you");
    const token = `token-of-${request.jobKey}`;
    return {
      token,
      github: { api_url: "http://127.0.0.1:1/api/v1" },
      release: async () => {
        this.released.push(token);
      },
    };
  }

  runJob(req: JobRequest): Promise<JobOutcome> {
    this.requests.push(req);
    return this.outcome(req);
  }
}

function run(
  def: Awaited<ReturnType<typeof workflow>>,
  executor: JobExecutor,
  cancellation = new Cancellation(),
) {
  return runWorkflow({
    runId: "1",
    workflow: def,
    github: { token: "the-run-s-placeholder", event_name: "push" },
    inputs: {},
    vars: {},
    secrets: { GITHUB_TOKEN: "the-run-s-placeholder", OTHER: "other-secret" },
    executor,
    bus: new EventBus(),
    cancellation,
    slots: new Semaphore(4),
  });
}

const ok = async (): Promise<JobOutcome> => ({ result: "success", outputs: {}, steps: [] });

describe("a job's own credentials", () => {
  it("reach github.token, secrets.GITHUB_TOKEN, the job's env and its masks, one per leg, released as it ends", async () => {
    const def = await workflow(`on: push
env:
  FROM_WORKFLOW: \${{ github.token }}
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2]
    env:
      FROM_JOB: \${{ secrets.GITHUB_TOKEN }}
    steps:
      - run: echo
`);
    const executor = new RecordingExecutor(ok);
    const report = await run(def, executor);
    expect(report.conclusion).toBe("success");
    expect(executor.requests).toHaveLength(2);
    for (const req of executor.requests) {
      const token = `token-of-${req.jobKey}`;
      const github = req.contexts.github as Record<string, unknown>;
      expect(github.token).toBe(token);
      expect(github.api_url).toBe("http://127.0.0.1:1/api/v1");
      expect((req.contexts.secrets as Record<string, unknown>).GITHUB_TOKEN).toBe(token);
      expect((req.contexts.secrets as Record<string, unknown>).OTHER).toBe("other-secret");
      expect(req.env).toMatchObject({ FROM_WORKFLOW: token, FROM_JOB: token });
      expect(req.secrets).toContain(token);
    }
    expect(new Set(executor.requests.map((r) => r.jobKey)).size).toBe(2);
    expect(executor.released.sort()).toEqual(executor.requests.map((r) => `token-of-${r.jobKey}`).sort());
    expect(executor.asked.every((a) => a.job.id === "build" && a.callers.length === 0)).toBe(true);
  });

  it("are released when the job fails, is cancelled or times out", async () => {
    const def = await workflow(`on: push
jobs:
  fails:
    runs-on: ubuntu-latest
    steps: [{ run: echo }]
  waits:
    runs-on: ubuntu-latest
    timeout-minutes: 0.001
    steps: [{ run: echo }]
`);
    const executor = new RecordingExecutor(async (req) => {
      if (req.job.id === "fails") return { result: "failure", outputs: {}, steps: [] };
      // Until the timeout cancels it.
      await new Promise<void>((resolve) => req.cancellation.onCancel(() => resolve()));
      return { result: "cancelled", outputs: {}, steps: [] };
    });
    const report = await run(def, executor);
    expect(report.conclusion).toBe("failure");
    expect(executor.released.sort()).toEqual(["token-of-ci.yml/fails", "token-of-ci.yml/waits"]);

    const cancellation = new Cancellation();
    const waiting = new RecordingExecutor(async (req) => {
      await new Promise<void>((resolve) => req.cancellation.onCancel(() => resolve()));
      return { result: "cancelled", outputs: {}, steps: [] };
    });
    const cancelled = run(
      await workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{ run: echo }]\n"),
      waiting,
      cancellation,
    );
    while (waiting.requests.length === 0) await new Promise((r) => setImmediate(r));
    expect(waiting.released).toEqual([]);
    cancellation.cancel();
    expect((await cancelled).conclusion).toBe("cancelled");
    expect(waiting.released).toEqual(["token-of-ci.yml/a"]);
  });

  it("that cannot be issued fail the job, saying why, without running it", async () => {
    const def = await workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{ run: echo }]\n");
    const executor = new RecordingExecutor(ok, "a");
    const bus = new EventBus();
    const lines: string[] = [];
    bus.on("job:log", (e) => lines.push(e.line));
    const report = await runWorkflow({
      runId: "1",
      workflow: def,
      github: {},
      inputs: {},
      vars: {},
      secrets: {},
      executor,
      bus,
      cancellation: new Cancellation(),
      slots: new Semaphore(1),
    });
    expect(report.conclusion).toBe("failure");
    expect(executor.requests).toHaveLength(0);
    expect(lines).toContain("Error: GITHUB_TOKEN: no token for you");
  });

  it("an executor without credentials leaves the run's token", async () => {
    const def = await workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{ run: echo }]\n");
    const requests: JobRequest[] = [];
    await run(def, {
      runJob: async (req) => {
        requests.push(req);
        return ok();
      },
    });
    expect((requests[0].contexts.github as Record<string, unknown>).token).toBe("the-run-s-placeholder");
    expect((requests[0].contexts.secrets as Record<string, unknown>).GITHUB_TOKEN).toBe(
      "the-run-s-placeholder",
    );
  });
});
