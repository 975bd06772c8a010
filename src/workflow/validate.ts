import type { WorkflowTemplate } from "@actions/workflow-parser/model/workflow-template";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import {
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from "@actions/workflow-parser/templates/tokens/type-guards";
import { TokenType } from "@actions/workflow-parser/templates/tokens/types";
import { patternError } from "./filters.js";
import { expandMatrix, type Json } from "./matrix.js";
import { type Problem, problemAt } from "./problems.js";

const FILTERS = ["branches", "tags", "paths"];

/**
 * What GitHub rejects in `on:` filters that the parser lets through: a filter and its `-ignore`
 * twin on one event (an error, as on GitHub). A pattern that can match nothing is a warning.
 */
export function checkEventFilters(file: string, root: MappingToken): Problem[] {
  const on = root.find("on");
  if (!on || !isMapping(on)) return [];
  const problems: Problem[] = [];
  for (const event of on) {
    if (!isMapping(event.value)) continue;
    const keys = new Map<string, TemplateToken>();
    for (const pair of event.value) {
      const key = String(pair.key);
      keys.set(key, pair.key);
      const base = key.replace(/-ignore$/, "");
      if (!FILTERS.includes(base)) continue;
      const patterns = isSequence(pair.value) ? [...pair.value] : [pair.value];
      for (const pattern of patterns) {
        if (!isString(pattern)) continue;
        const error = patternError(pattern.value.replace(/^!/, ""));
        if (error) problems.push(problemAt(file, pattern, "warning", `${error}; it matches nothing`));
      }
    }
    for (const name of FILTERS) {
      const ignore = keys.get(`${name}-ignore`);
      if (keys.has(name) && ignore) {
        problems.push(
          problemAt(
            file,
            ignore,
            "error",
            `You may only define one of '${name}' and '${name}-ignore' for a single event`,
          ),
        );
      }
    }
  }
  return problems;
}

/**
 * The parser checks `needs` only when some job has none; when every job has needs it stops
 * at "must contain at least one job with no dependencies". This reports what it then leaves
 * out: each unknown need and each need on a cycle, at the need's position.
 */
export function checkJobGraph(file: string, template: WorkflowTemplate): Problem[] {
  const jobs = template.jobs;
  if (jobs.length === 0 || jobs.some((j) => !j.needs || j.needs.length === 0)) return [];
  const ids = new Set(jobs.map((j) => j.id.value));
  const problems: Problem[] = [];
  for (const job of jobs) {
    for (const need of job.needs ?? []) {
      const known = ids.has(need.value);
      const message = known
        ? `Job '${job.id.value}' depends on job '${need.value}' which creates a cycle in the dependency graph.`
        : `Job '${job.id.value}' depends on unknown job '${need.value}'.`;
      problems.push(problemAt(file, need, "error", message));
    }
  }
  return problems;
}

const ACTION_REF = /^[^/@\s]+\/[^/@\s]+(?:\/[^@\s]*)?@[^@\s]+$/;

/**
 * A step's `uses:` must be a local path (./…), a Docker image (docker://…) or
 * {org}/{repo}[/path]@ref: GitHub rejects the workflow otherwise, the parser does not.
 */
export function checkStepUses(file: string, template: WorkflowTemplate): Problem[] {
  const problems: Problem[] = [];
  for (const job of template.jobs) {
    if (job.type !== "job") continue;
    for (const step of job.steps) {
      const uses = "uses" in step ? step.uses : undefined;
      if (!uses || !isString(uses)) continue;
      const value = uses.value;
      if (value.startsWith("./") || value.startsWith("docker://") || ACTION_REF.test(value)) continue;
      problems.push(
        problemAt(file, uses, "error", `Expected format {org}/{repo}[/path]@ref. Actual '${value}'`),
      );
    }
  }
  return problems;
}

/** The plain data of a token with no `${{ }}` in it; undefined when any part is an expression. */
function literalJson(token: TemplateToken): Json | undefined {
  if (isMapping(token)) {
    const out: Record<string, Json> = {};
    for (const pair of token) {
      const value = literalJson(pair.value);
      if (value === undefined || !isString(pair.key)) return undefined;
      out[pair.key.value] = value;
    }
    return out;
  }
  if (isSequence(token)) {
    const out: Json[] = [];
    for (const item of token) {
      const value = literalJson(item);
      if (value === undefined) return undefined;
      out.push(value);
    }
    return out;
  }
  if (isString(token) || isNumber(token) || isBoolean(token)) return token.value;
  if (token.templateTokenType === TokenType.Null) return null;
  return undefined;
}

/**
 * Expands every matrix written without expressions, so that a bad one (an empty vector, an
 * exclude key that is no dimension, more than 256 jobs) is reported before anything runs.
 * Matrices built by expressions are checked when their job starts.
 */
export function checkStaticMatrices(file: string, template: WorkflowTemplate): Problem[] {
  const problems: Problem[] = [];
  for (const job of template.jobs) {
    const matrix = job.strategy && isMapping(job.strategy) ? job.strategy.find("matrix") : undefined;
    if (!matrix || !isMapping(matrix)) continue;
    const value = literalJson(matrix);
    if (!value || typeof value !== "object" || Array.isArray(value)) continue;
    for (const error of expandMatrix(value).errors) problems.push(problemAt(file, matrix, "error", error));
  }
  return problems;
}

const MATRIX_REF = /(?<![\w.-])matrix\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*'([^']*)'\s*\])/;

/** The first `matrix.x` an expression reads (string literals aside), else undefined. */
function matrixReference(expression: string): string | undefined {
  const m = MATRIX_REF.exec(expression.replace(/'(?:[^']|'')*'/g, "''"));
  if (!m) return undefined;
  // With literals blanked, `matrix['x']` reads as matrix[''], so its name comes from the original.
  return m[1] ?? MATRIX_REF.exec(expression)?.[2] ?? "";
}

/** Every expression in a token tree (`${{ }}` values and the conditions of `if:` keys). */
function* expressionsIn(
  token: TemplateToken,
  key?: string,
): Generator<{ token: TemplateToken; text: string }> {
  if (isBasicExpression(token)) {
    yield { token, text: token.expression };
  } else if (isString(token) && key === "if") {
    yield { token, text: token.value };
  } else if (isMapping(token)) {
    for (const pair of token)
      yield* expressionsIn(pair.value, isString(pair.key) ? pair.key.value : undefined);
  } else if (isSequence(token)) {
    for (const item of token) yield* expressionsIn(item);
  }
}

/**
 * `matrix.x` in a job without `strategy.matrix` (as actionlint flags it): the matrix context is
 * empty there, so it is always ''. A warning: GitHub runs the workflow.
 */
export function checkMatrixUse(file: string, root: MappingToken): Problem[] {
  const jobs = root.find("jobs");
  if (!jobs || !isMapping(jobs)) return [];
  const problems: Problem[] = [];
  for (const pair of jobs) {
    const job = pair.value;
    if (!isMapping(job)) continue;
    const strategy = job.find("strategy");
    if (strategy && (!isMapping(strategy) || strategy.find("matrix"))) continue;
    for (const { token, text } of expressionsIn(job)) {
      const name = matrixReference(text);
      if (name === undefined) continue;
      problems.push(
        problemAt(
          file,
          token,
          "warning",
          `matrix.${name} is used in job '${String(pair.key)}', which has no strategy.matrix: it is always empty`,
        ),
      );
    }
  }
  return problems;
}
