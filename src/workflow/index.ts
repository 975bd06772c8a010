export {
  type ActionInput,
  type ActionManifest,
  type ActionOutput,
  type ActionRuns,
  parseActionManifest,
} from "./action-manifest.js";
export { fileSizeProblem, MAX_ALIAS_EXPANSION_NODES, MAX_WORKFLOW_FILE_BYTES } from "./bounded-parse.js";
export { deserializeDefs, serializeDefs } from "./def-json.js";
export {
  type DispatchInputDef,
  type DispatchInputs,
  dispatchInputDefs,
  dispatchInputNames,
  resolveDispatchInputs,
} from "./dispatch-inputs.js";
export { filterAllows, matchesAny, pathsAllow } from "./filters.js";
export { type LoadedWorkflow, type LoadResult, loadWorkflow } from "./load.js";
export {
  type LoadedFile,
  type LoadedSet,
  type LoadWorkflow,
  listWorkflowFiles,
  loadWorkflowFiles,
} from "./load-files.js";
export { expandMatrix, MAX_MATRIX_JOBS, type MatrixCombination, matrixDisplayName } from "./matrix.js";
export {
  buildWorkflowDef,
  child,
  type JobDef,
  literalString,
  type PermissionsValue,
  permissionsOf,
  type StepDef,
  tokenText,
  type WorkflowDef,
} from "./model.js";
export { DEFAULT_PARSE_TIMEOUT_MS, type ParsePoolOptions, WorkflowParsePool } from "./parse-pool.js";
export { formatProblem, type Problem, problemAt, UsageError } from "./problems.js";
export { checkLocalReferences } from "./references.js";
export { type TriggerEvent, workflowMatches } from "./triggers.js";
export {
  type CallInputDef,
  type CallRef,
  checkCalls,
  MAX_CALL_DEPTH,
  MAX_UNIQUE_CALLED_WORKFLOWS,
  parseCallRef,
  readWorkflowCall,
  resolveCallInputs,
  resolveCallSecrets,
  type WorkflowCallSpec,
} from "./workflow-call.js";
export { fileWouldRun, readableEvents } from "./would-run.js";
