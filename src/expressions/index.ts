export {
  type Contexts,
  type EvalOptions,
  ExpressionEvalError,
  evaluateCondition,
  evaluateExpression,
  evaluateString,
  evaluateToken,
  isSuccessCondition,
  type StatusFunctions,
  toText,
} from "./evaluate.js";
export { hashFiles, hashFilesFunction } from "./hash-files.js";
export { fromData, type Json, toData } from "./json.js";
export { expressionOf, multiLineValue, templateText } from "./template-text.js";
