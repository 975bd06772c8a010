// A run's workflow-level `concurrency:`: the run waits for its group before any job starts, is
// cancelled if a newer run replaces it while pending, and is cancelled while running when a newer
// run of the group asks with cancel-in-progress.
import { Cancellation } from "./cancellation.js";
import type { ConcurrencyGroups } from "./concurrency-groups.js";
import { enterGroup } from "./enter-group.js";
import type { Result, WorkflowRunReport } from "./report.js";
import type { WorkflowRunOptions } from "./run-options.js";

/** Runs `run` inside the workflow's concurrency group, if it has one. */
export async function runInWorkflowGroup(
  opts: WorkflowRunOptions & { concurrency: ConcurrencyGroups },
  run: (opts: WorkflowRunOptions) => Promise<WorkflowRunReport>,
): Promise<WorkflowRunReport> {
  const { runId, workflow, bus } = opts;
  if (!workflow.concurrency) return run(opts);
  const abort = new AbortController();
  opts.cancellation.onCancel(() => abort.abort());
  const entry = await enterGroup({
    groups: opts.concurrency,
    token: workflow.concurrency,
    level: "workflow",
    contexts: { github: opts.github, inputs: opts.inputs, vars: opts.vars },
    holder: runId,
    label: `${workflow.name} #${String(opts.github.run_number ?? "")}, run ${runId}`,
    signal: abort.signal,
    onWaiting: (group) => bus.emit("run:pending", { runId, workflow: workflow.name, group }),
  });
  if (entry.kind === "free") return run(opts);
  if (entry.kind !== "held") {
    const conclusion: Result = entry.kind === "failed" ? "failure" : "cancelled";
    bus.emit("run:annotation", { runId, workflow: workflow.name, level: "error", text: entry.message });
    bus.emit("run:completed", { runId, workflow: workflow.name, conclusion });
    return {
      runId,
      workflow: workflow.name,
      file: workflow.file,
      event: String(opts.github.event_name ?? ""),
      ref: String(opts.github.ref ?? ""),
      sha: String(opts.github.sha ?? ""),
      status: "completed",
      conclusion,
      jobs: [],
    };
  }
  const cancellation = new Cancellation(opts.cancellation);
  entry.slot.onSuperseded((message) => {
    bus.emit("run:annotation", { runId, workflow: workflow.name, level: "error", text: message });
    cancellation.cancel();
  });
  try {
    return await run({ ...opts, cancellation, workflowGroup: entry.setting.group });
  } finally {
    await entry.slot.release();
  }
}
