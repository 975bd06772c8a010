/**
 * Parsers for the file commands GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE and GITHUB_PATH,
 * following actions/runner (`EnvFileKeyValuePairs` / `AddPathFileCommand` in FileCommandManager.cs).
 */

export interface EnvFileError {
  /** 1-based line number of the offending line (for a missing delimiter: the `NAME<<DELIM` line). */
  line: number;
  message: string;
}

/**
 * Parses `NAME=value` and `NAME<<DELIM` … `DELIM` entries.
 *
 * - `=` before `<<` (or no `<<`) means `NAME=value`; the value is everything after the first `=`.
 * - Heredoc values are the lines between the opening line and the line equal to `DELIM`, joined with "\n".
 * - LF and CRLF line endings are both accepted; empty lines between entries are skipped.
 * - Like the runner, parsing stops at the first error: `values` holds the entries before it (the runner
 *   applies those before failing the step), so `errors` has at most one entry.
 *
 * Values are returned in file order; when applying them, later duplicates win.
 */
export function parseEnvFile(text: string): { values: [string, string][]; errors: EnvFileError[] } {
  const lines = splitLines(text);
  const values: [string, string][] = [];
  const fail = (index: number, message: string) => ({ values, errors: [{ line: index + 1, message }] });

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;

    const equals = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = line.slice(0, equals);
      if (name === "") return fail(i, `Invalid format '${line}'. Name must not be empty`);
      values.push([name, line.slice(equals + 1)]);
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (name === "" || delimiter === "") {
        return fail(i, `Invalid format '${line}'. Name must not be empty and delimiter must not be empty`);
      }
      const end = lines.indexOf(delimiter, i + 1);
      if (end < 0) return fail(i, `Invalid value. Matching delimiter not found '${delimiter}'`);
      values.push([name, lines.slice(i + 1, end).join("\n")]);
      i = end;
    } else {
      return fail(i, `Invalid format '${line}'`);
    }
  }
  return { values, errors: [] };
}

/** GITHUB_PATH: one directory per line (trimmed), empty lines skipped, in file order. */
export function parsePathFile(text: string): string[] {
  return splitLines(text)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}
