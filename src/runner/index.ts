export { Masker } from "./masker.js";
export { type ProcessResult, runProcess } from "./process.js";
export {
  type ActionProvider,
  type ActionStepRequest,
  type ActionStepResult,
  LocalRunner,
  type LocalRunnerOptions,
} from "./run-job.js";
