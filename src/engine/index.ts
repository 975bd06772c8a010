export { calledWorkflowLoader, type ReadRemoteFile } from "./called-workflow-loader.js";
export { Cancellation } from "./cancellation.js";
export {
  type Admission,
  abandonedMessage,
  type ConcurrencyGroups,
  type ConcurrencyQueue,
  type ConcurrencyRequest,
  type ConcurrencySetting,
  type ConcurrencySlot,
  deadlockMessage,
  groupKey,
  MAX_PENDING,
  queueFullMessage,
  supersededMessage,
} from "./concurrency-groups.js";
export { CONCURRENCY_CONTEXTS, evaluateConcurrency, QUEUE_MAX_WITH_CANCEL } from "./concurrency-setting.js";
export { EventBus, type EventName, type GantryEvents, type Listener } from "./events.js";
export type {
  CredentialsRequest,
  JobCredentials,
  JobExecutor,
  JobOutcome,
  JobRequest,
} from "./executor.js";
export { buildGithubContext, type GithubContextInput, placeholderGithubToken } from "./github-context.js";
export type { EnvironmentEntry, EnvironmentOutcome, EnvironmentRequest } from "./job-environment.js";
export { MemoryConcurrencyGroups } from "./memory-concurrency-groups.js";
export type { JobReport, Result, RunReport, StepReport, WorkflowRunReport } from "./report.js";
export type {
  CalledWorkflow,
  LoadCalledWorkflow,
  PriorJob,
  RemoteSource,
  WorkflowRunOptions,
} from "./run-options.js";
export { defaultRunTitle, evaluateRunName, hasRunName, type RunNameResult } from "./run-title.js";
export { runWorkflow } from "./run-workflow.js";
export { requestedLabels } from "./runs-on.js";
export { Semaphore } from "./semaphore.js";
