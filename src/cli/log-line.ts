/**
 * A job log line as the terminal and --log-dir files show it: a group's start (`##[group]name`,
 * GitHub's log marker, which the web UI folds) as `▶ name`; its end not at all (undefined).
 */
export function plainLogLine(line: string): string | undefined {
  if (line === "##[endgroup]") return undefined;
  return line.startsWith("##[group]") ? `▶ ${line.slice("##[group]".length)}` : line;
}
