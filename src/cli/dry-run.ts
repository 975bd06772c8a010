import { arch, hostname, platform } from "node:os";
import type { JobOutcome, JobRequest, StepReport } from "../engine/index.js";
import {
  type Contexts,
  evaluateCondition,
  evaluateToken,
  templateText,
  toText,
} from "../expressions/index.js";
import type { StepDef } from "../workflow/index.js";

/** A step's display name as the runner gives it: its `name`, else `Run` and the action or first line. */
function stepName(step: StepDef, contexts: Contexts): string {
  if (step.name) {
    try {
      return toText(evaluateToken(step.name, contexts));
    } catch {
      // the default name below
    }
  }
  if (step.uses) return `Run ${step.uses}`;
  const script = step.run ? (templateText(step.run) ?? "") : "";
  return `Run ${(script.split("\n").find((l) => l.trim() !== "") ?? "").trim()}`;
}

/**
 * `gantry run --dry-run`: the job's steps are announced and reported as they would run, none is
 * executed. A step's `if` is evaluated as if every step before it succeeded (a step that reads
 * outputs of earlier steps sees none); one that cannot be evaluated is shown as running.
 */
export async function runJobDry(req: JobRequest): Promise<JobOutcome> {
  const contexts: Contexts = {
    ...req.contexts,
    runner: {
      name: hostname(),
      os: platform() === "darwin" ? "macOS" : platform() === "win32" ? "Windows" : "Linux",
      arch: arch() === "arm64" ? "ARM64" : arch() === "x64" ? "X64" : arch().toUpperCase(),
      environment: "self-hosted",
    },
    steps: {},
  };
  const status = { success: () => true, failure: () => false, cancelled: () => false };
  const steps: StepReport[] = [];
  for (const step of req.job.steps) {
    const name = stepName(step, contexts);
    let runs = true;
    try {
      runs = evaluateCondition(step.if, contexts, { status });
    } catch {
      runs = true;
    }
    const result = runs ? "success" : "skipped";
    if (runs) req.bus.emit("step:started", { runId: req.runId, jobKey: req.jobKey, name });
    req.bus.emit("step:completed", {
      runId: req.runId,
      jobKey: req.jobKey,
      name,
      outcome: result,
      conclusion: result,
    });
    steps.push({ id: step.id, name, outcome: result, conclusion: result, outputs: {} });
  }
  return { result: "success", outputs: {}, steps };
}
