// A log line's level, as GitHub's log view colours it: `##[error]text` (the runner's own
// errors) shows as `Error: text` in red, and so does a line that reads `Error: …` (an
// annotation's line); the same for warnings and notices; `##[debug]` and `##[command]` lines
// are tinted too. The rest is a plain line.

export type LogLevel = "error" | "warning" | "notice" | "debug" | "command";

const MARKERS: Array<[string, LogLevel, string]> = [
  ["##[error]", "error", "Error: "],
  ["##[warning]", "warning", "Warning: "],
  ["##[notice]", "notice", "Notice: "],
  ["##[debug]", "debug", "Debug: "],
  ["##[command]", "command", ""],
];

const LABELS: Array<[string, LogLevel]> = [
  ["Error:", "error"],
  ["Warning:", "warning"],
  ["Notice:", "notice"],
];

/** The line's level and the text to show (a `##[…]` marker replaced by its label). */
export function lineLevel(text: string): { level: LogLevel | null; text: string } {
  if (text.startsWith("##[")) {
    for (const [marker, level, label] of MARKERS) {
      if (text.startsWith(marker)) return { level, text: label + text.slice(marker.length) };
    }
  }
  for (const [label, level] of LABELS) if (text.startsWith(label)) return { level, text };
  return { level: null, text };
}
