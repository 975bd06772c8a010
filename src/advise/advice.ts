/** One piece of advice: what to do, and the file, line and column it is about. */
export interface Advice {
  kind: "pin" | "cache" | "parallelise" | "split" | "cost";
  file: string;
  line: number;
  col: number;
  message: string;
}

/** As `gantry validate` prints a problem: file:line:col: kind: message. */
export function formatAdvice(a: Advice): string {
  return `${a.file}:${a.line}:${a.col}: ${a.kind}: ${a.message}`;
}
