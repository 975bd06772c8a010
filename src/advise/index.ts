// gantry advise: what a repository's workflows (pin, cache, parallelise) and its run history
// (split, cost) say could be better.
export { type Advice, formatAdvice } from "./advice.js";
export {
  formatMs,
  historyAdvice,
  type JobRecord,
  type RunRecord,
  runnerMinutes,
  type StepRecord,
} from "./history-advice.js";
export { workflowAdvice } from "./workflow-advice.js";
