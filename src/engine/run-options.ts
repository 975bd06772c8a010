// What the engine's run of a workflow takes and gives, and what its parts (the graph, called
// workflows, the workflow-level group) share: kept apart so that they import it, not each other.
import type { Contexts, Json } from "../expressions/index.js";
import type { JobDef, MatrixCombination, WorkflowDef } from "../workflow/index.js";
import type { Cancellation } from "./cancellation.js";
import type { ConcurrencyGroups } from "./concurrency-groups.js";
import type { EventBus } from "./events.js";
import type { JobExecutor } from "./executor.js";
import type { EnvironmentEntry, EnvironmentRequest } from "./job-environment.js";
import type { JobReport, Result, WorkflowRunReport } from "./report.js";
import type { Semaphore } from "./semaphore.js";

/** The repository and commit a remote workflow was read from. */
export interface RemoteSource {
  owner: string;
  repo: string;
  commit: string;
}

/** A workflow a job calls, ready to run. */
export interface CalledWorkflow {
  workflow: WorkflowDef;
  /** Where its own `./` calls are read from: undefined for the checkout gantry runs in. */
  source?: RemoteSource;
  /** Names the workflow file and commit once, for cycles and the count of unique workflows. */
  id: string;
}

/**
 * The port that reads a called workflow: `uses` as written, `from` the source of the calling
 * workflow (a `./` call reads from the caller's repository and commit). Errors are messages to
 * show, with file:line:col where the called file is invalid.
 */
export type LoadCalledWorkflow = (
  uses: string,
  from: RemoteSource | undefined,
) => Promise<CalledWorkflow | { errors: string[] }>;

/** Where a run sits in the chain of calls that started it. */
export interface CallFrame {
  /** Ids of the workflows from the top-level caller down to this one. */
  chain: string[];
  /** The unique reusable workflows called anywhere in the top-level run. */
  unique: Set<string>;
  source?: RemoteSource;
  /** Prefixes of the run's job keys (events, logs), report ids and display names. */
  keyPrefix: string;
  idPrefix: string;
  namePrefix: string;
  /** Values masked in every job of this run besides its own secrets: the callers'. */
  masks: string[];
  /** The calling jobs from the top-level workflow's down, each with its workflow (empty at the top). */
  callers: { workflow: WorkflowDef; job: JobDef }[];
}

export interface WorkflowRunOptions {
  runId: string;
  workflow: WorkflowDef;
  /** The github context for the run (job-specific keys are added per job). */
  github: Record<string, Json>;
  inputs: Record<string, Json>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  /** When set, only these jobs run (a job named with --job plus what it needs). */
  onlyJobs?: Set<string>;
  /**
   * `--matrix K=V`: the values each key may take (act's semantics). A matrix leg runs only when each
   * of its keys that is named here has one of the values given (as text); keys not named pass.
   */
  matrixFilter?: Record<string, string[]>;
  executor: JobExecutor;
  bus: EventBus;
  cancellation: Cancellation;
  slots: Semaphore;
  /** Where a job's log is written, if anywhere; named in the report. */
  logPath?: (jobKey: string, name: string) => string | undefined;
  /** Reads the workflow a job calls (`jobs.<id>.uses`); without it, such a job fails. */
  loadCalledWorkflow?: LoadCalledWorkflow;
  /** Set when this run is a called workflow's: its place in the chain of calls. */
  call?: CallFrame;
  /** Concurrency groups shared with other runs (else this run's own). */
  concurrency?: ConcurrencyGroups;
  /** The workflow-level group the top-level run holds: a job asking for it is a deadlock. */
  workflowGroup?: string;
  /**
   * A job enters its `environment:` when it is ready, before its GITHUB_TOKEN is issued and before
   * any step: the host may make it wait (protection rules), refuse it, or let it in with the
   * environment's secrets and variables (job-environment.ts). Without it, `environment:` gives a
   * job nothing more.
   */
  enterEnvironment?: (request: EnvironmentRequest) => Promise<EnvironmentEntry>;
  /**
   * Jobs (by id) that already finished in an earlier attempt of this run: they are not run again,
   * and their result, outputs and reports stand (re-run failed jobs, recovery after a crash).
   */
  prior?: Record<string, PriorJob>;
}

/** A job's outcome carried over from before: what dependants see, and its reports. */
export interface PriorJob {
  result: Result;
  outputs: Record<string, string>;
  reports: JobReport[];
}

/** A finished run of a workflow's graph: its report and what each job tells its dependants. */
export interface WorkflowGraphResult {
  report: WorkflowRunReport;
  jobs: Record<string, { result: Result; outputs: Record<string, string> }>;
}

/** One leg of a job (a matrix combination, or the job itself), as the leg runners get it. */
export interface Leg {
  def: JobDef;
  contexts: Contexts;
  matrix: MatrixCombination | null;
  name: string;
  jobKey: string;
  /** True when the leg must not start: fail-fast, or a cancel of the run its `if` does not survive. */
  mustNotStart: () => boolean;
  /** The cancellation the job's legs share (fail-fast cancels it). */
  group: Cancellation;
}
