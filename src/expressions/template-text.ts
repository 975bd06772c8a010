import type { BasicExpressionToken } from "@actions/workflow-parser/templates/tokens/basic-expression-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { isBasicExpression, isString } from "@actions/workflow-parser/templates/tokens/type-guards";
import { parse as parseYaml } from "yaml";

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
export function multiLineValue(token: BasicExpressionToken): string | undefined {
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
export function expressionOf(token: BasicExpressionToken): string {
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
