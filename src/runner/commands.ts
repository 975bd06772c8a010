/**
 * Workflow commands in step output (`::name key=value,key2=value2::message`), following actions/runner
 * (`ActionCommand.TryParseV2` and `ActionCommandManager.TryProcessCommand`).
 */

export interface WorkflowCommand {
  /** Lower-cased command name, e.g. "error", "add-mask", "group". */
  command: string;
  /** Unescaped properties, keys as written (the runner compares keys case-insensitively, see `getProperty`). */
  properties: Record<string, string>;
  /** Unescaped message (everything after the second `::`). */
  value: string;
}

const PREFIX = "::";

const DATA_ESCAPES: Record<string, string> = { "%25": "%", "%0D": "\r", "%0A": "\n" };
const PROPERTY_ESCAPES: Record<string, string> = { ...DATA_ESCAPES, "%3A": ":", "%2C": "," };

function unescapeData(text: string): string {
  return text.replace(/%(?:25|0D|0A)/g, (m) => DATA_ESCAPES[m]);
}

function unescapeProperty(text: string): string {
  return text.replace(/%(?:25|0D|0A|3A|2C)/g, (m) => PROPERTY_ESCAPES[m]);
}

/**
 * Parses one output line. Leading whitespace is ignored (the runner trims it); anything else must start
 * with `::` and contain a second `::`. Properties without `=`, with an empty key or an empty value are
 * dropped, as in the runner. Returns undefined for plain output. Any command name is accepted: the
 * runner treats unknown names as plain output, which is the caller's decision here.
 */
export function parseCommand(line: string): WorkflowCommand | undefined {
  const message = line.trimStart();
  if (!message.startsWith(PREFIX)) return undefined;
  const end = message.indexOf(PREFIX, PREFIX.length);
  if (end < 0) return undefined;

  const info = message.slice(PREFIX.length, end);
  const space = info.indexOf(" ");
  const command = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (command === "") return undefined;

  const properties: Record<string, string> = {};
  if (space > 0) {
    const pairs = info
      .slice(space + 1)
      .trim()
      .split(",");
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      if (eq <= 0 || eq === pair.length - 1) continue;
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
  }
  return { command, properties, value: unescapeData(message.slice(end + PREFIX.length)) };
}

/** Looks a property up case-insensitively, like the runner's property dictionary. */
export function getProperty(cmd: WorkflowCommand, key: string): string | undefined {
  if (key in cmd.properties) return cmd.properties[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(cmd.properties)) {
    if (k.toLowerCase() === lower) return v;
  }
  return undefined;
}

/**
 * Per-step command processing with `::stop-commands::TOKEN` … `::TOKEN::` handling.
 *
 * The stop-commands line and the resume line are consumed: `process` returns undefined for them, so they
 * are printed as plain output (the runner echoes both). While stopped, every line is plain output; only a
 * command whose name equals the token (case-insensitively, any properties/message) resumes. As in the
 * runner, `::stop-commands::` with an empty token stops processing for the rest of the step.
 */
export class CommandProcessor {
  private stopToken: string | undefined;

  /** Returns the command to act on, or undefined when the line is plain output. */
  process(line: string): WorkflowCommand | undefined {
    const cmd = parseCommand(line);
    if (this.stopToken !== undefined) {
      if (cmd && this.stopToken !== "" && cmd.command === this.stopToken.toLowerCase()) {
        this.stopToken = undefined;
      }
      return undefined;
    }
    if (cmd?.command === "stop-commands") {
      this.stopToken = cmd.value;
      return undefined;
    }
    return cmd;
  }

  /** True while commands are stopped. */
  get stopped(): boolean {
    return this.stopToken !== undefined;
  }
}

const ANNOTATION_LABELS: Record<string, string> = { error: "Error", warning: "Warning", notice: "Notice" };

/**
 * Formats an `error` / `warning` / `notice` command for a log; undefined for other commands.
 *
 *   `Error: message`
 *   `Error: src/a.ts:3:5: message`          (file, line, col; line and col only when present)
 *   `Warning: Title - src/a.ts:3: message`  (with a title property)
 *   `Notice: Title - message`               (title without file)
 *
 * `line`/`col` without `file` are ignored; `endLine`/`endColumn` are not shown.
 */
export function formatAnnotation(cmd: WorkflowCommand): string | undefined {
  const label = ANNOTATION_LABELS[cmd.command];
  if (label === undefined) return undefined;

  const title = getProperty(cmd, "title");
  const file = getProperty(cmd, "file");
  const line = getProperty(cmd, "line");
  const col = getProperty(cmd, "col");

  let location = "";
  if (file) {
    location = file;
    if (line) {
      location += `:${line}`;
      if (col) location += `:${col}`;
    }
  }
  let text = `${label}: `;
  if (title) text += `${title} - `;
  if (location) text += `${location}: `;
  return text + cmd.value;
}
