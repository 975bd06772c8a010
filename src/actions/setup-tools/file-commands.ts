import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { type ActionStepRequest, writeJobFile } from "../../runner/index.js";

/**
 * The effects a setup-* action has on later steps, through the file commands every action
 * uses (GITHUB_PATH, GITHUB_ENV; the runner applies them after the step), and on its own
 * later commands (`env` is updated at once, as @actions/core updates process.env).
 */
export class StepEffects {
  /** The step's environment with this step's own additions (PATH, exported variables). */
  readonly env: Record<string, string>;

  constructor(private readonly req: ActionStepRequest) {
    this.env = { ...req.env };
  }

  /** core.addPath: prepends `dir` to PATH for later steps and for this step's own commands. */
  addPath(dir: string): void {
    const file = this.env.GITHUB_PATH;
    if (!file) throw new Error("GITHUB_PATH is not set: the runner gave this step no file commands");
    writeJobFile(file, `${dir}\n`, { append: true });
    this.env.PATH = this.env.PATH ? `${dir}${delimiter}${this.env.PATH}` : dir;
  }

  /** core.exportVariable: sets `name` for later steps and for this step's own commands. */
  exportVariable(name: string, value: string): void {
    const file = this.env.GITHUB_ENV;
    if (!file) throw new Error("GITHUB_ENV is not set: the runner gave this step no file commands");
    if (value.includes("\n")) {
      const delim = `ghadelimiter_${randomUUID()}`;
      writeJobFile(file, `${name}<<${delim}\n${value}\n${delim}\n`, { append: true });
    } else {
      writeJobFile(file, `${name}=${value}\n`, { append: true });
    }
    this.env[name] = value;
  }

  info(line: string): void {
    this.req.log(line);
  }

  /** A warning shown in the log as the runner shows `::warning::` annotations. */
  warning(line: string): void {
    this.req.warn(`${line}`);
  }
}

/** Reads a `*-version-file` input relative to the workspace, as the setup-* actions do. */
export function readVersionFile(req: ActionStepRequest, input: string, file: string): string {
  const full = resolve(req.workspace, file);
  if (!existsSync(full)) {
    throw new Error(
      `The ${input} '${file}' does not exist (looked for ${full}; the workspace holds the repository only after actions/checkout)`,
    );
  }
  // A link the job made must not read the server's files for it (src/sandbox).
  if (req.sandbox && !req.sandbox.visible(full)) {
    throw new Error(`The ${input} '${file}' is not a file this job can read`);
  }
  return readFileSync(full, "utf8");
}

/** The job's temp folder (RUNNER_TEMP), for helper folders an action makes. */
export function runnerTemp(req: ActionStepRequest): string {
  return req.env.RUNNER_TEMP || join(req.workspace, "..", "..", "temp");
}

/** True for a boolean input written as true (any case), as core.getBooleanInput reads it. */
export function booleanInput(req: ActionStepRequest, name: string): boolean {
  return (req.inputs[name] ?? "").trim().toLowerCase() === "true";
}

/** Logs what offline means for common inputs every setup-* action has. */
export function warnOfflineInputs(fx: StepEffects, req: ActionStepRequest, action: string): void {
  if (booleanInput(req, "check-latest")) {
    fx.info(
      `check-latest: gantry runs offline and cannot ask for newer releases; it uses the newest matching version already on this machine.`,
    );
  }
}

/** The runner's tool cache (RUNNER_TOOL_CACHE). */
export function toolCacheRoot(req: ActionStepRequest): string {
  const dir = req.env.RUNNER_TOOL_CACHE;
  if (!dir) throw new Error("RUNNER_TOOL_CACHE is not set: gantry has no tool cache to look in");
  return dir;
}
