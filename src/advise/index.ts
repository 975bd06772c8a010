// gantry advise: what a repository's workflows (pin, cache, parallelise) and its run history
// (split, cost) say could be better.
export { type Advice, formatAdvice } from "./advice.js";
export { historyAdvice, type RunRecord } from "./history-advice.js";
export { workflowAdvice } from "./workflow-advice.js";
