export type {
  ActionProbe,
  ActionProvider,
  ActionStepRequest,
  ActionStepResult,
  CompositeResult,
  CompositeScope,
  JobStatus,
  PostAction,
} from "./action-port.js";
export { discardDir, removeTrash, removeTrashSoon } from "./discard-dir.js";
export { dockerUnavailable, needsDocker } from "./docker.js";
export { findOnPath } from "./find-on-path.js";
export { readJobFile, writeJobFile } from "./job-file.js";
export { type JobServiceLease, type JobServices, SERVICES_PATH, serverBase } from "./job-services.js";
export { Masker } from "./masker.js";
export { type ProcessResult, runProcess } from "./process.js";
export { LocalRunner, type LocalRunnerOptions } from "./run-job.js";
