import type { Json } from "../expressions/index.js";

export type Result = "success" | "failure" | "cancelled" | "skipped";

export interface StepReport {
  id: string;
  name: string;
  outcome: Result;
  conclusion: Result;
  outputs: Record<string, string>;
  /** A failed step: the errors it raised (its `::error` annotations, the runner's own), masked. */
  errors?: string[];
  /** A step that ran an action from the action store: the commit it was pinned to. */
  action?: { uses: string; commit: string; source: string };
}

export interface JobReport {
  id: string;
  name: string;
  matrix: Record<string, Json> | null;
  result: Result;
  outputs: Record<string, string>;
  startedAt: string | null;
  completedAt: string | null;
  log?: string;
  steps: StepReport[];
}

export interface WorkflowRunReport {
  /** github.run_id: where `gantry artifacts` finds the run's artifacts. */
  runId: string;
  workflow: string;
  /** The run's display title: its `run-name`, else the commit message, PR title or workflow name. */
  title?: string;
  file: string;
  event: string;
  ref: string;
  sha: string;
  status: "completed";
  conclusion: Result;
  jobs: JobReport[];
  /** Why the run failed before any job ran (an invalid workflow file), as file:line:col: message. */
  problems?: string[];
}

export interface RunReport {
  runs: WorkflowRunReport[];
}
