import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { TokenType } from "@actions/expressions/lexer";
import { truthy } from "@actions/expressions/result";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import {
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from "@actions/workflow-parser/templates/tokens/type-guards";
import { fromData, type Json, toData } from "./json.js";
import { expressionOf } from "./template-text.js";

/** The named contexts an expression may read (github, env, matrix, steps, …). */
export type Contexts = Record<string, Json>;

/** Answers the status functions for the place an expression is evaluated (a job or a step). */
export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
}

export interface EvalOptions {
  status?: StatusFunctions;
  /** Extra functions such as hashFiles, keyed by lower-case name. */
  functions?: FunctionDefinition[];
}

export class ExpressionEvalError extends Error {
  readonly code = "E_EXPRESSION";
}

function fn(name: string, minArgs: number, maxArgs: number, call: FunctionDefinition["call"]) {
  return { name, minArgs, maxArgs, call };
}

function functionMap(opts: EvalOptions): Map<string, FunctionDefinition> {
  const map = new Map<string, FunctionDefinition>();
  const status = opts.status;
  if (status) {
    map.set(
      "success",
      fn("success", 0, 0, () => new data.BooleanData(status.success())),
    );
    map.set(
      "failure",
      fn("failure", 0, 0, () => new data.BooleanData(status.failure())),
    );
    map.set(
      "cancelled",
      fn("cancelled", 0, 0, () => new data.BooleanData(status.cancelled())),
    );
    map.set(
      "always",
      fn("always", 0, 0, () => new data.BooleanData(true)),
    );
  }
  for (const f of opts.functions ?? []) map.set(f.name.toLowerCase(), f);
  return map;
}

/** Evaluates one expression (the text inside `${{ }}`) against the contexts. */
export function evaluateExpression(expression: string, contexts: Contexts, opts: EvalOptions = {}): Json {
  const functions = functionMap(opts);
  try {
    const lexed = new Lexer(expression).lex();
    // The lexer unescapes only the first '' of a string literal; GitHub unescapes every one.
    const names = new Set<string>();
    for (const token of lexed.tokens) {
      if (token.type === TokenType.STRING) token.value = token.lexeme.slice(1, -1).replaceAll("''", "'");
      if (token.type === TokenType.IDENTIFIER) names.add(token.lexeme.toLowerCase());
    }
    // Only the contexts the expression names are converted for the evaluator (a context is
    // read through an identifier, case-insensitively): `success()` does not need github.event.
    const used: Contexts = {};
    for (const [name, value] of Object.entries(contexts)) {
      if (names.has(name.toLowerCase())) used[name] = value;
    }
    const dict = toData(used);
    const infos = [...functions.values()].map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs }));
    const tree = new Parser(lexed.tokens, Object.keys(contexts), infos).parse();
    const result = new Evaluator(tree, dict as data.Dictionary, functions).evaluate();
    return fromData(result);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ExpressionEvalError(`The expression '${expression}' could not be evaluated: ${reason}`);
  }
}

/** Evaluates an `if:` condition (already wrapped in success() by the parser when bare). */
export function evaluateCondition(token: TemplateToken, contexts: Contexts, opts: EvalOptions): boolean {
  if (isBasicExpression(token)) {
    const expression = expressionOf(token);
    // What the parser makes of a job or step without `if:`: the status function's own answer,
    // without lexing, parsing and evaluating it once per job and step.
    if (expression === "success()" && opts.status && !opts.functions?.some((f) => /^success$/i.test(f.name)))
      return opts.status.success();
    return truthy(toData(evaluateExpression(expression, contexts, opts)));
  }
  return truthy(toData(evaluateToken(token, contexts, opts)));
}

/**
 * Whether a condition is `success()` alone (what the parser makes of a job or step without `if:`):
 * evaluated with status functions, it calls success() and nothing else.
 */
export function isSuccessCondition(token: TemplateToken): boolean {
  return isBasicExpression(token) && expressionOf(token) === "success()";
}

/** Evaluates a whole token tree: mappings and sequences recursively, expressions in place. */
export function evaluateToken(token: TemplateToken, contexts: Contexts, opts: EvalOptions = {}): Json {
  if (isBasicExpression(token)) return evaluateExpression(expressionOf(token), contexts, opts);
  if (isString(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (isSequence(token)) {
    const out: Json[] = [];
    for (const item of token) out.push(evaluateToken(item, contexts, opts));
    return out;
  }
  if (isMapping(token)) {
    const out: Record<string, Json> = {};
    for (const pair of token) {
      out[String(evaluateToken(pair.key, contexts, opts))] = evaluateToken(pair.value, contexts, opts);
    }
    return out;
  }
  return null;
}

/** Evaluates a token to the string GitHub would use (e.g. a `run:` script or an env value). */
export function evaluateString(token: TemplateToken, contexts: Contexts, opts: EvalOptions = {}): string {
  return toText(evaluateToken(token, contexts, opts));
}

/** Coerces a value to text as GitHub does when an expression result lands in a string. */
export function toText(value: Json): string {
  if (value === null) return "";
  if (typeof value === "object") return JSON.stringify(value, null, 2);
  return toData(value).coerceString();
}
