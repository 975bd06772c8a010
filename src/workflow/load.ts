import { convertWorkflowTemplate } from "@actions/workflow-parser";
import { ErrorPolicy } from "@actions/workflow-parser/model/convert";
import type { WorkflowTemplate } from "@actions/workflow-parser/model/workflow-template";
import type { TemplateValidationError } from "@actions/workflow-parser/templates/template-validation-error";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import { isMapping } from "@actions/workflow-parser/templates/tokens/type-guards";
import { parseWorkflowBounded } from "./bounded-parse.js";
import { checkConcurrency } from "./concurrency.js";
import { suggestKeys } from "./key-suggestions.js";
import { isParserQuirk, withoutWrapperEchoes } from "./parser-quirks.js";
import type { Problem } from "./problems.js";
import {
  checkEventFilters,
  checkJobGraph,
  checkMatrixUse,
  checkStaticMatrices,
  checkStepUses,
} from "./validate.js";

export interface LoadedWorkflow {
  /** Path as shown to the user (relative to the repository when possible). */
  file: string;
  /** `name:` of the workflow, else its path, as GitHub shows it. */
  name: string;
  template: WorkflowTemplate;
  root: MappingToken;
  problems: Problem[];
}

export interface LoadResult {
  workflow?: LoadedWorkflow;
  problems: Problem[];
}

const POSITION = /\(Line: (\d+), Col: (\d+)\)/;

/** A parser error as a problem at its position. */
export function toProblem(file: string, err: TemplateValidationError): Problem {
  let line = err.range?.start.line;
  let col = err.range?.start.column;
  if (line === undefined) {
    const m = POSITION.exec(err.prefix ?? "");
    line = m ? Number(m[1]) : 1;
    col = m ? Number(m[2]) : 1;
  }
  // YAML errors carry a code snippet after the first line; the position already says where.
  const message = err.rawMessage
    .replace(/^.*?: (?=Missing|Unexpected|Implicit|Nested|Map keys|All collection|Flow)/s, "")
    .split("\n")[0]
    .replace(/ at line \d+, column \d+:?$/, "")
    .trim();
  return { file, line, col: col ?? 1, message, severity: "error" };
}

const byPosition = (a: Problem, b: Problem): number => a.line - b.line || a.col - b.col;

/**
 * Parses and validates one workflow file; every problem is returned, none thrown. The work is
 * bounded (bounded-parse.ts): a file over 1 MiB, or whose aliases expand too far, is an error with
 * no workflow.
 */
export async function loadWorkflow(file: string, content: string): Promise<LoadResult> {
  const parsed = parseWorkflowBounded(file, content);
  const root = parsed.value;
  if (!root || !isMapping(root)) {
    const problems = parsed.context.errors.getErrors().map((e) => toProblem(file, e));
    if (parsed.limit) problems.push(parsed.limit);
    if (problems.length === 0) {
      problems.push({ file, line: 1, col: 1, message: "A workflow must be a mapping", severity: "error" });
    }
    return { problems: problems.sort(byPosition) };
  }
  let template: WorkflowTemplate;
  try {
    template = await convertWorkflowTemplate(parsed.context, root, undefined, {
      errorPolicy: ErrorPolicy.TryConversion,
    });
  } catch (err) {
    // The converter throws only on shapes the schema already reported; keep those errors.
    const problems = withoutWrapperEchoes(parsed.context.errors.getErrors().map((e) => toProblem(file, e)));
    if (problems.length === 0) {
      problems.push({ file, line: 1, col: 1, message: String(err), severity: "error" });
    }
    return { problems };
  }
  const problems = withoutWrapperEchoes(
    parsed.context.errors
      .getErrors()
      .filter((e) => !isParserQuirk(root, e))
      .map((e) => toProblem(file, e)),
  );
  problems.push(
    ...checkJobGraph(file, template),
    ...checkStaticMatrices(file, template),
    ...checkEventFilters(file, root),
    ...checkStepUses(file, template),
    ...checkConcurrency(file, root),
    ...checkMatrixUse(file, root),
  );
  problems.sort(byPosition);
  const suggested = suggestKeys(root, content, problems);
  problems.splice(0, problems.length, ...suggested);
  const nameToken = root.find("name");
  const name = nameToken && nameToken.templateTokenType === 0 ? String(nameToken) : file;
  return { workflow: { file, name, template, root, problems }, problems };
}
