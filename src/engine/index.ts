export type { CalledWorkflow, LoadCalledWorkflow, RemoteSource } from "./call-workflow.js";
export { Cancellation } from "./cancellation.js";
export { EventBus, type EventName, type GantryEvents, type Listener } from "./events.js";
export type { JobExecutor, JobOutcome, JobRequest } from "./executor.js";
export type { JobReport, Result, RunReport, StepReport, WorkflowRunReport } from "./report.js";
export { runWorkflow, type WorkflowRunOptions } from "./run-workflow.js";
export { Semaphore } from "./semaphore.js";
