import type { TemplateValidationError } from "@actions/workflow-parser/templates/template-validation-error";
import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { isSequence, isString } from "@actions/workflow-parser/templates/tokens/type-guards";

/**
 * Errors the bundled parser reports on workflows GitHub accepts. Its schema gives the string form of
 * `repository_dispatch` the constant `branch_protection_rule`, so `on: repository_dispatch` and
 * `on: [push, repository_dispatch]` are "Unexpected value 'repository_dispatch'" there; GitHub runs
 * them (and the parser takes the mapping form `on: {repository_dispatch: …}`).
 */
export function isParserQuirk(root: MappingToken, err: TemplateValidationError): boolean {
  if (!err.rawMessage.includes("Unexpected value 'repository_dispatch'")) return false;
  const on = root.find("on");
  const items: TemplateToken[] = on && isSequence(on) ? [...on] : on ? [on] : [];
  return items.some(
    (t) =>
      isString(t) &&
      t.value === "repository_dispatch" &&
      t.range?.start.line === err.range?.start.line &&
      t.range?.start.column === err.range?.start.column,
  );
}

const WRAPPER_ECHO = /^Unexpected symbol: '\$\{\{'\. Located at position 1 within expression: \$\{\{/;

/**
 * The parser reads a condition written `if: ${{ X }}` twice, as X and then whole: when X has an
 * error it adds "Unexpected symbol: '${{'" at the same position, though the `${{ }}` around X is
 * fine. Keeps every error but that echo of another.
 */
export function withoutWrapperEchoes<P extends { line: number; col: number; message: string }>(
  problems: P[],
): P[] {
  return problems.filter(
    (p) =>
      !WRAPPER_ECHO.test(p.message) ||
      !problems.some((o) => o !== p && o.line === p.line && o.col === p.col && !WRAPPER_ECHO.test(o.message)),
  );
}
