// A job's `environment:` (a name, or a mapping with `name`, evaluated with the job's contexts),
// entered through WorkflowRunOptions.enterEnvironment:
// the environment's secrets and variables take the place of the run's of the same name, its
// secrets are masked, and a job without one, or a run without the hook, gets the run's own.
import { describe, expect, it } from "vitest";
import { buildWorkflowDef, loadWorkflow } from "../workflow/index.js";
import { Cancellation } from "./cancellation.js";
import { EventBus } from "./events.js";
import type { JobExecutor, JobOutcome, JobRequest } from "./executor.js";
import type { EnvironmentEntry, EnvironmentRequest } from "./job-environment.js";
import { runWorkflow } from "./run-workflow.js";
import { Semaphore } from "./semaphore.js";

const YAML = `on: push
jobs:
  plain:
    runs-on: ubuntu-latest
    steps:
      - run: echo
  named:
    runs-on: ubuntu-latest
    environment: Production
    steps:
      - run: echo
  mapped:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        stage: [staging]
    environment:
      name: \${{ matrix.stage }}
      url: https://example.com
    steps:
      - run: echo
`;

type Hook = (request: EnvironmentRequest) => Promise<EnvironmentEntry>;

async function run(
  hook?: Hook,
  yaml = YAML,
  outcomeOf: (req: JobRequest) => JobOutcome = () => ({ result: "success", outputs: {}, steps: [] }),
  cancellation = new Cancellation(),
) {
  const loaded = await loadWorkflow("ci.yml", yaml);
  if (!loaded.workflow) throw new Error(JSON.stringify(loaded.problems));
  const requests: JobRequest[] = [];
  const lines: string[] = [];
  const events: string[] = [];
  const executor: JobExecutor = {
    async runJob(req: JobRequest): Promise<JobOutcome> {
      requests.push(req);
      return outcomeOf(req);
    },
  };
  const bus = new EventBus();
  bus.on("job:log", (e) => lines.push(`${e.jobKey}: ${e.line}`));
  bus.on("job:waiting", (e) => events.push(`waiting ${e.jobKey} ${e.environment}`));
  bus.on("job:started", (e) => events.push(`started ${e.jobKey}`));
  bus.on("job:completed", (e) => events.push(`completed ${e.jobKey} ${e.result}`));
  const report = await runWorkflow({
    runId: "1",
    workflow: buildWorkflowDef(loaded.workflow),
    github: { event_name: "push" },
    inputs: {},
    vars: { REGION: "run-region", KEEP: "kept" },
    secrets: { GITHUB_TOKEN: "run-token", TOKEN: "run-secret" },
    executor,
    bus,
    cancellation,
    slots: new Semaphore(4),
    enterEnvironment: hook,
  });
  const byJob = (id: string) => {
    const req = requests.find((r) => r.job.id === id);
    if (!req) throw new Error(`no request for ${id}`);
    return req;
  };
  return { report, byJob, requests, lines, events };
}

describe("a job's environment", () => {
  it("gives its secrets and variables over the run's, masked; others keep the run's", async () => {
    const asked: string[] = [];
    const { report, byJob } = await run(async ({ name }) => {
      asked.push(name);
      return { secrets: { TOKEN: `secret-of-${name}` }, vars: { REGION: `region-of-${name}` } };
    });
    expect(report.conclusion).toBe("success");
    expect(asked.sort()).toEqual(["Production", "staging"]);
    expect(byJob("plain").contexts.secrets).toEqual({ GITHUB_TOKEN: "run-token", TOKEN: "run-secret" });
    expect(byJob("plain").contexts.vars).toEqual({ REGION: "run-region", KEEP: "kept" });
    expect(byJob("named").contexts.secrets).toEqual({
      GITHUB_TOKEN: "run-token",
      TOKEN: "secret-of-Production",
    });
    expect(byJob("named").contexts.vars).toEqual({ REGION: "region-of-Production", KEEP: "kept" });
    expect(byJob("named").secrets).toContain("secret-of-Production");
    expect(byJob("plain").secrets).not.toContain("secret-of-Production");
    expect(byJob("mapped").contexts.secrets).toMatchObject({ TOKEN: "secret-of-staging" });
  });

  it("fails a job its environment refuses at once, in the refusal's words, without running it", async () => {
    const { report, requests, lines } = await run(async ({ name }) =>
      name === "Production"
        ? {
            refused:
              'Branch "feature" is not allowed to deploy to Production due to environment protection rules.',
          }
        : { secrets: { TOKEN: "staging-secret" }, vars: {} },
    );
    const named = report.jobs.find((j) => j.id === "named");
    expect(named?.result).toBe("failure");
    expect(named?.steps).toEqual([]);
    expect(requests.map((r) => r.job.id).sort()).toEqual(["mapped", "plain"]);
    expect(lines.filter((l) => l.includes("named"))).toEqual([
      expect.stringContaining(
        'Error: Branch "feature" is not allowed to deploy to Production due to environment protection rules.',
      ),
    ]);
    expect(report.conclusion).toBe("failure");
  });

  it("fails the job saying why when the environment's secrets cannot be had; without the hook, nothing more", async () => {
    const failing = await run(async () => {
      throw new Error("the master key does not open them");
    });
    expect(failing.report.jobs.find((j) => j.id === "named")?.result).toBe("failure");
    expect(failing.report.jobs.find((j) => j.id === "plain")?.result).toBe("success");
    const without = await run();
    expect(without.byJob("named").contexts.secrets).toEqual({
      GITHUB_TOKEN: "run-token",
      TOKEN: "run-secret",
    });
  });

  it("lets the host hold a job (job:waiting) and hears how it ended, with its url evaluated from its steps", async () => {
    const yaml = `on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: production
      url: \${{ steps.ship.outputs.url }}/\${{ job.status }}/\${{ env.REGION }}
    env:
      REGION: eu-\${{ vars.REGION }}
    steps:
      - id: ship
        run: echo
  rehearse:
    runs-on: ubuntu-latest
    environment:
      name: production
      deployment: false
    steps:
      - run: echo
`;
    const asked: EnvironmentRequest[] = [];
    const left: Array<{ job: string; result: string; url?: string }> = [];
    const { report, events, requests } = await run(
      async (request) => {
        asked.push(request);
        request.waiting();
        return {
          secrets: {},
          vars: {},
          leave: async (outcome) => {
            left.push({ job: request.jobId, ...outcome });
          },
        };
      },
      yaml,
      (req) => ({
        result: "success",
        outputs: {},
        steps: [
          {
            id: "ship",
            name: "ship",
            outcome: "success",
            conclusion: "success",
            outputs: { url: "https://prod.example" },
          },
        ],
      }),
    );
    expect(report.conclusion).toBe("success");
    expect(asked.map((r) => [r.jobId, r.name, r.deployment]).sort()).toEqual([
      ["deploy", "production", true],
      ["rehearse", "production", false],
    ]);
    const deploy = events.filter((e) => e.includes("deploy"));
    expect(deploy).toEqual([
      "waiting ci.yml/deploy production",
      "started ci.yml/deploy",
      "completed ci.yml/deploy success",
    ]);
    expect(left.find((l) => l.job === "deploy")).toEqual({
      job: "deploy",
      result: "success",
      url: "https://prod.example/success/eu-run-region",
    });
    expect(left.find((l) => l.job === "rehearse")).toEqual({ job: "rehearse", result: "success" });
    expect(requests.find((r) => r.job.id === "deploy")?.environment).toBe("production");
  });

  it("cancels a job whose run is cancelled while it waits, without running it", async () => {
    const cancellation = new Cancellation();
    const left: string[] = [];
    const { report, requests, events } = await run(
      async ({ name, cancellation: own, waiting }) => {
        if (name !== "Production") return { secrets: {}, vars: {} };
        waiting();
        await new Promise<void>((resolve) => {
          own.onCancel(resolve);
          cancellation.cancel();
        });
        return { secrets: {}, vars: {}, leave: async (o) => void left.push(o.result) };
      },
      YAML,
      undefined,
      cancellation,
    );
    expect(report.jobs.find((j) => j.id === "named")?.result).toBe("cancelled");
    expect(requests.map((r) => r.job.id)).not.toContain("named");
    expect(events).not.toContain("started ci.yml/named");
    expect(left).toEqual(["cancelled"]);
  });
});
