import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { TokenType } from "@actions/expressions/lexer";
import { truthy } from "@actions/expressions/result";
import type { BasicExpressionToken } from "@actions/workflow-parser/templates/tokens/basic-expression-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import {
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from "@actions/workflow-parser/templates/tokens/type-guards";
import { parse as parseYaml } from "yaml";
import { fromData, type Json, toData } from "./json.js";

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
  const dict = toData(contexts);
  try {
    const lexed = new Lexer(expression).lex();
    // The lexer unescapes only the first '' of a string literal; GitHub unescapes every one.
    for (const token of lexed.tokens) {
      if (token.type === TokenType.STRING) token.value = token.lexeme.slice(1, -1).replaceAll("''", "'");
    }
    const infos = [...functions.values()].map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs }));
    const tree = new Parser(lexed.tokens, Object.keys(contexts), infos).parse();
    const result = new Evaluator(tree, dict as data.Dictionary, functions).evaluate();
    return fromData(result);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ExpressionEvalError(`The expression '${expression}' could not be evaluated: ${reason}`);
  }
}

const OPEN = "${{";

/**
 * Builds the expression for a string with embedded `${{ }}` the way the parser does: the whole
 * string when it is one expression, else `format('literal {0} …', expr, …)`. Undefined when an
 * expression is not closed.
 */
function formatExpression(value: string): string | undefined {
  const escape = (text: string) => text.replace(/'/g, "''").replace(/\{/g, "{{").replace(/\}/g, "}}");
  const args: string[] = [];
  let format = "";
  let i = 0;
  for (let start = value.indexOf(OPEN); start >= 0; start = value.indexOf(OPEN, i)) {
    format += escape(value.slice(i, start));
    let end = -1;
    let inString = false;
    for (let j = start + OPEN.length; j < value.length; j++) {
      if (value[j] === "'") inString = !inString;
      else if (!inString && value[j] === "}" && value[j - 1] === "}") {
        end = j;
        break;
      }
    }
    if (end < 0) return undefined;
    args.push(value.slice(start + OPEN.length, end - 1).trim());
    format += `{${args.length - 1}}`;
    i = end + 1;
  }
  format += escape(value.slice(i));
  if (args.length === 1 && format === "{0}") return args[0];
  return `format('${format}'${args.map((a) => `, ${a}`).join("")})`;
}

/**
 * The value, `${{ }}` left in, of a string that spans several YAML lines. The parser builds the
 * expression of such a string from its raw source (indentation, quotes and line breaks as written,
 * no chomping or folding); GitHub evaluates the scalar's value. An explicit indentation indicator
 * (`|2`) is dropped, so the indentation is detected from the first line.
 */
function multiLineValue(token: BasicExpressionToken): string | undefined {
  const { range, source } = token;
  if (!token.originalExpressions || source === undefined || !range || range.start.line === range.end.line) {
    return undefined;
  }
  const header = token.blockScalarHeader?.replace(/[1-9]/g, "");
  try {
    const doc = parseYaml(header === undefined ? `v: ${source}` : `v: ${header}\n${source}`) as {
      v?: unknown;
    };
    return typeof doc?.v === "string" ? doc.v : undefined;
  } catch {
    return undefined;
  }
}

/** The expression a token stands for, rebuilt from the scalar's value for a multi-line string. */
function expressionOf(token: BasicExpressionToken): string {
  const value = multiLineValue(token);
  return (value !== undefined && formatExpression(value)) || token.expression;
}

/**
 * The text of a string-valued token as written, `${{ }}` left unevaluated (for display, such as a
 * step's default name); undefined for mappings, sequences and other non-strings.
 */
export function templateText(token: TemplateToken): string | undefined {
  if (isString(token)) return token.value;
  if (!isBasicExpression(token)) return undefined;
  if (!token.originalExpressions) return `\${{ ${token.expression} }}`;
  return multiLineValue(token) ?? token.source ?? token.expression;
}

/** Evaluates an `if:` condition (already wrapped in success() by the parser when bare). */
export function evaluateCondition(token: TemplateToken, contexts: Contexts, opts: EvalOptions): boolean {
  if (isBasicExpression(token)) {
    return truthy(toData(evaluateExpression(expressionOf(token), contexts, opts)));
  }
  return truthy(toData(evaluateToken(token, contexts, opts)));
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
