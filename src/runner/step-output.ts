import type { EventBus } from "../engine/index.js";
import {
  CommandProcessor,
  formatAnnotation,
  getProperty,
  parseCommand,
  type WorkflowCommand,
} from "./commands.js";
import type { Masker } from "./masker.js";

/** Side effects of the legacy commands (`::set-output`, `::save-state`) a step printed. */
export interface CommandEffects {
  outputs: Record<string, string>;
  state: Record<string, string>;
}

/**
 * Turns a step's raw output lines into what the log shows: workflow commands acted on,
 * annotations raised, masked values replaced by ***.
 */
export class StepOutput {
  private processor = new CommandProcessor();
  /** The errors raised since the last `takeErrors` (the step's own, for its report). */
  private errors: string[] = [];
  readonly effects: CommandEffects = { outputs: {}, state: {} };
  /** Whether the step opened a `::group::` it has not ended. */
  private inGroup = false;

  constructor(
    private readonly bus: EventBus,
    private readonly runId: string,
    private readonly jobKey: string,
    private readonly masker: Masker,
    private readonly debug: boolean,
  ) {}

  /** Writes a line to the job log, masked. */
  log(line: string): void {
    this.bus.emit("job:log", { runId: this.runId, jobKey: this.jobKey, line: this.masker.mask(line) });
  }

  /**
   * Writes a step's header, masked: what it runs, as GitHub's runner opens each step's log
   * (`##[group]Run …`, then the script or the action's `with:`, and the step's `env:`). A header
   * with nothing to fold is its title alone (an empty group is how the server marks a step).
   */
  header(title: string, lines: string[]): void {
    // A value of several lines (an env variable, an input) is several lines of the log.
    const emit = (line: string) => {
      for (const part of this.masker.mask(line).split(/\r?\n/)) {
        this.bus.emit("job:log", { runId: this.runId, jobKey: this.jobKey, line: part, header: true });
      }
    };
    if (lines.length === 0) {
      emit(title);
      return;
    }
    emit(`##[group]${title}`);
    for (const l of lines) emit(l);
    emit("##[endgroup]");
  }

  /** An error of the runner's own, as GitHub's runner raises one: `##[error]` in the log, and an annotation. */
  error(message: string): void {
    const text = this.masker.mask(message);
    this.errors.push(text);
    this.bus.emit("job:annotation", {
      runId: this.runId,
      jobKey: this.jobKey,
      level: "error",
      text,
      message: text,
    });
    this.log(`##[error]${text}`);
  }

  /** Ends a `::group::` the step left open (it was stopped), so what follows is not folded into it. */
  endOpenGroup(): void {
    if (!this.inGroup) return;
    this.inGroup = false;
    this.log("##[endgroup]");
  }

  /** Raises a warning annotation from gantry's own code (a built-in action), as `::warning::` would. */
  warn(message: string): void {
    const data = message.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
    this.line(`::warning::${data}`);
  }

  /** The errors raised since the last call (masked), the step's report carries them. */
  takeErrors(): string[] {
    const taken = this.errors;
    this.errors = [];
    return taken;
  }

  /** Announces what the step wrote to GITHUB_STEP_SUMMARY, masked. */
  summary(markdown: string): void {
    this.bus.emit("step:summary", {
      runId: this.runId,
      jobKey: this.jobKey,
      markdown: this.masker.mask(markdown),
    });
  }

  /** Handles one line the step printed. */
  line(raw: string): void {
    const found = this.processor.process(raw);
    if (!found) {
      this.log(raw);
      return;
    }
    if (found.command === "add-mask") {
      this.masker.add(found.value);
      return;
    }
    const cmd = this.masked(raw, found);
    switch (cmd.command) {
      // As GitHub's runner writes them in its logs: the UI folds them; the CLI shows `▶ name`.
      case "group":
        this.inGroup = true;
        this.log(`##[group]${cmd.value}`);
        return;
      case "endgroup":
        this.inGroup = false;
        this.log("##[endgroup]");
        return;
      case "debug":
        if (this.debug) this.log(`##[debug]${cmd.value}`);
        return;
      case "set-output": {
        const name = getProperty(found, "name");
        if (name) this.effects.outputs[name] = found.value;
        return;
      }
      case "save-state": {
        const name = getProperty(found, "name");
        if (name) this.effects.state[name] = found.value;
        return;
      }
      case "echo":
        return;
      default: {
        const text = formatAnnotation(cmd);
        if (text === undefined) {
          this.log(raw);
          return;
        }
        const masked = this.masker.mask(text);
        if (cmd.command === "error") this.errors.push(masked.slice("Error: ".length));
        const line = Number(getProperty(cmd, "line"));
        const col = Number(getProperty(cmd, "col"));
        const title = getProperty(cmd, "title");
        const file = getProperty(cmd, "file");
        this.bus.emit("job:annotation", {
          runId: this.runId,
          jobKey: this.jobKey,
          level: cmd.command,
          text: masked,
          message: cmd.value,
          ...(title ? { title } : {}),
          ...(file ? { file } : {}),
          ...(Number.isInteger(line) && line > 0 ? { line } : {}),
          ...(Number.isInteger(col) && col > 0 ? { col } : {}),
        });
        this.log(masked);
      }
    }
  }

  /**
   * The command with its message and properties masked both as the step wrote them and as they
   * read once unescaped: a secret's URI form printed in a command's data has its `%25`s turned
   * into `%` by the unescaping, so it is found in the line as written. (The legacy set-output and
   * save-state keep the value unmasked, as steps read it: outputs are masked where they are recorded.)
   */
  private masked(raw: string, cmd: WorkflowCommand): WorkflowCommand {
    const written = this.masker.mask(raw);
    const reparsed = written === raw ? cmd : parseCommand(written);
    // A secret that spans the command's `::` leaves no command to read: mask the fields as they read.
    const base = reparsed?.command === cmd.command ? reparsed : cmd;
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(base.properties)) properties[k] = this.masker.mask(v);
    return { command: cmd.command, properties, value: this.masker.mask(base.value) };
  }
}
