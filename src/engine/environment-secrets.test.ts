// A job's `environment:` (a name, or a mapping with `name`, evaluated with the job's contexts),
// entered through WorkflowRunOptions.enterEnvironment:
// the environment's secrets and variables take the place of the run's of the same name, its
// secrets are masked, and a job without one, or a run without the hook, gets the run's own.
import { describe, expect, it } from "vitest";
import { buildWorkflowDef, loadWorkflow } from "../workflow/index.js";
import { Cancellation } from "./cancellation.js";
import { EventBus } from "./events.js";
import type { JobExecutor, JobOutcome, JobRequest } from "./executor.js";
import { type EnvironmentEntry, runWorkflow } from "./run-workflow.js";
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

async function run(hook?: (name: string) => Promise<EnvironmentEntry>) {
  const loaded = await loadWorkflow("ci.yml", YAML);
  if (!loaded.workflow) throw new Error(JSON.stringify(loaded.problems));
  const requests: JobRequest[] = [];
  const lines: string[] = [];
  const executor: JobExecutor = {
    async runJob(req: JobRequest): Promise<JobOutcome> {
      requests.push(req);
      return { result: "success", outputs: {}, steps: [] };
    },
  };
  const bus = new EventBus();
  bus.on("job:log", (e) => lines.push(`${e.jobKey}: ${e.line}`));
  const report = await runWorkflow({
    runId: "1",
    workflow: buildWorkflowDef(loaded.workflow),
    github: { event_name: "push" },
    inputs: {},
    vars: { REGION: "run-region", KEEP: "kept" },
    secrets: { GITHUB_TOKEN: "run-token", TOKEN: "run-secret" },
    executor,
    bus,
    cancellation: new Cancellation(),
    slots: new Semaphore(4),
    enterEnvironment: hook,
  });
  const byJob = (id: string) => {
    const req = requests.find((r) => r.job.id === id);
    if (!req) throw new Error(`no request for ${id}`);
    return req;
  };
  return { report, byJob, requests, lines };
}

describe("a job's environment", () => {
  it("gives its secrets and variables over the run's, masked; others keep the run's", async () => {
    const asked: string[] = [];
    const { report, byJob } = await run(async (name) => {
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
    const { report, requests, lines } = await run(async (name) =>
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
});
