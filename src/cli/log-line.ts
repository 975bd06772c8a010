/** GitHub's log markers for a line of a level, and the label a reader sees in their place. */
const LEVELS: Array<[string, string]> = [
  ["##[error]", "Error: "],
  ["##[warning]", "Warning: "],
  ["##[notice]", "Notice: "],
];

/**
 * A job log line as the terminal shows it: a group's start (`##[group]name`, GitHub's log
 * marker, which the web UI folds) as `▶ name`; its end not at all (undefined); `##[error]text`
 * (and warning, notice) as `Error: text`, as GitHub's log view shows them.
 */
export function plainLogLine(line: string): string | undefined {
  if (line === "##[endgroup]") return undefined;
  if (line.startsWith("##[group]")) return `▶ ${line.slice("##[group]".length)}`;
  for (const [marker, label] of LEVELS) if (line.startsWith(marker)) return label + line.slice(marker.length);
  return line;
}
