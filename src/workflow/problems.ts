import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";

/** A problem found in a workflow file, with the position it refers to (1-based). */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
  severity: "error" | "warning";
}

/** A problem at a token's position (1:1 when the token has none). */
export function problemAt(
  file: string,
  token: Pick<TemplateToken, "range"> | undefined,
  severity: Problem["severity"],
  message: string,
): Problem {
  return {
    file,
    line: token?.range?.start.line ?? 1,
    col: token?.range?.start.column ?? 1,
    severity,
    message,
  };
}

export function formatProblem(p: Problem): string {
  const tag = p.severity === "warning" ? "warning: " : "";
  return `${p.file}:${p.line}:${p.col}: ${tag}${p.message}`;
}

/** Thrown for bad usage or input that must stop a command with exit code 2. */
export class UsageError extends Error {
  readonly code = "E_USAGE";
  constructor(
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}
