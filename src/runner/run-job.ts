import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { arch, hostname, platform } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import {
  Cancellation,
  type JobExecutor,
  type JobOutcome,
  type JobRequest,
  type Result,
  type StepReport,
} from "../engine/index.js";
import {
  type Contexts,
  evaluateCondition,
  evaluateString,
  evaluateToken,
  hashFilesFunction,
  type Json,
  type StatusFunctions,
  toText,
} from "../expressions/index.js";
import { type StepDef, templateText } from "../workflow/index.js";
import { parseEnvFile, parsePathFile } from "./env-files.js";
import { Masker } from "./masker.js";
import { killProcessGroups, type ProcessResult, runProcess } from "./process.js";
import { resolveShell } from "./shell.js";
import { StepOutput } from "./step-output.js";

/** What a `uses:` step gets to do its work. */
export interface ActionStepRequest {
  uses: string;
  inputs: Record<string, string>;
  workspace: string;
  /** The repository gantry was started in (what actions/checkout copies). */
  sourceDir: string;
  github: Record<string, Json>;
  env: Record<string, string>;
  log: (line: string) => void;
  /** Runs a command with the step's output handling (commands, masking) and cancellation. */
  exec: (command: string, args: string[], cwd: string) => Promise<ProcessResult>;
}

export interface ActionStepResult {
  ok: boolean;
  outputs?: Record<string, string>;
  error?: string;
}

/** Resolves and runs `uses:` steps; the actions/ folder provides it. */
export interface ActionProvider {
  runAction(request: ActionStepRequest): Promise<ActionStepResult>;
}

export interface LocalRunnerOptions {
  /** Directory under which each job gets its own folder (workspace, temp, env files). */
  runsDir: string;
  sourceDir: string;
  repositoryName: string;
  toolCache: string;
  actions: ActionProvider;
  /** Milliseconds between SIGINT and SIGKILL when a step is cancelled. */
  graceMs: number;
  debug: boolean;
}

/** github context keys the runner also exports as GITHUB_<KEY> to every step. */
const GITHUB_ENV_KEYS = [
  "actor",
  "actor_id",
  "api_url",
  "base_ref",
  "event_name",
  "graphql_url",
  "head_ref",
  "ref",
  "ref_name",
  "ref_protected",
  "ref_type",
  "repository",
  "repository_id",
  "repository_owner",
  "retention_days",
  "run_attempt",
  "run_id",
  "run_number",
  "server_url",
  "sha",
  "triggering_actor",
  "workflow",
  "workflow_ref",
  "workflow_sha",
];

function positiveMinutes(value: Json, what: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${what} must be a positive number, got '${toText(value)}'`);
  return n;
}

function defaultStepName(step: StepDef, contexts: Contexts): string {
  if (step.name) {
    try {
      return toText(evaluateToken(step.name, contexts));
    } catch {
      // fall through to the default name
    }
  }
  if (step.uses) return `Run ${step.uses}`;
  const script = step.run ? (templateText(step.run) ?? "") : "";
  const firstLine = script.split("\n").find((l) => l.trim() !== "") ?? "";
  return `Run ${firstLine.trim()}`;
}

/** Runs jobs on this machine, each in its own empty workspace. */
export class LocalRunner implements JobExecutor {
  private jobCount = 0;

  constructor(private readonly opts: LocalRunnerOptions) {}

  async runJob(req: JobRequest): Promise<JobOutcome> {
    const { bus, runId, jobKey, job } = req;
    const n = ++this.jobCount;
    const jobDir = join(this.opts.runsDir, runId, String(n));
    const workspace = join(jobDir, "work", this.opts.repositoryName);
    const temp = join(jobDir, "temp");
    const filesDir = join(temp, "_runner_file_commands");
    const eventPath = join(temp, "_github_workflow", "event.json");
    for (const d of [workspace, filesDir, join(temp, "_github_workflow")]) mkdirSync(d, { recursive: true });
    // The run's own payload (github.event: a dispatch's inputs included), as GitHub writes it.
    const event = (req.contexts.github as Record<string, Json>).event ?? {};
    writeFileSync(eventPath, JSON.stringify(event, null, 2));

    const masker = new Masker();
    for (const s of req.secrets) masker.add(s);
    const github: Record<string, Json> = {
      ...(req.contexts.github as Record<string, Json>),
      workspace,
      event_path: eventPath,
      job: job.id,
    };
    const runnerCtx = {
      name: hostname(),
      os: platform() === "darwin" ? "macOS" : platform() === "win32" ? "Windows" : "Linux",
      arch: arch() === "arm64" ? "ARM64" : arch() === "x64" ? "X64" : arch().toUpperCase(),
      temp,
      tool_cache: this.opts.toolCache,
      debug: this.opts.debug ? "1" : "",
      environment: "self-hosted",
    };
    const stepsCtx: Record<string, Json> = {};
    const reports: StepReport[] = [];
    const extraEnv: Record<string, string> = {};
    const extraPath: string[] = [];
    let jobFailed = false;
    let failedStep: string | undefined;
    const output = new StepOutput(bus, runId, jobKey, masker, this.opts.debug);

    const baseEnv: Record<string, string> = {
      ...(process.env as Record<string, string>),
      CI: "true",
      GITHUB_ACTIONS: "true",
      ...Object.fromEntries(
        GITHUB_ENV_KEYS.map((k) => [`GITHUB_${k.toUpperCase()}`, toText(github[k] ?? "")]),
      ),
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_JOB: job.id,
      GITHUB_WORKSPACE: workspace,
      RUNNER_ARCH: runnerCtx.arch,
      RUNNER_ENVIRONMENT: runnerCtx.environment,
      RUNNER_NAME: runnerCtx.name,
      RUNNER_OS: runnerCtx.os,
      RUNNER_TEMP: temp,
      RUNNER_TOOL_CACHE: this.opts.toolCache,
      ...(this.opts.debug ? { RUNNER_DEBUG: "1" } : {}),
    };

    const jobCancel = req.cancellation;
    // Process groups of the job's steps: what they left running ends with the job.
    const groups = new Set<number>();
    for (const step of job.steps) {
      const jobStatus = (): "success" | "failure" | "cancelled" =>
        jobCancel.cancelled ? "cancelled" : jobFailed ? "failure" : "success";
      const env: Record<string, string> = { ...req.env, ...extraEnv };
      const contexts: Contexts = {
        ...req.contexts,
        github,
        runner: runnerCtx,
        steps: stepsCtx,
        job: { status: jobStatus() },
        env,
      };
      const status: StatusFunctions = {
        success: () => jobStatus() === "success",
        failure: () => jobStatus() === "failure",
        cancelled: () => jobCancel.cancelled,
      };
      const fnOpts = { status, functions: [hashFilesFunction(workspace)] };
      const name = masker.mask(defaultStepName(step, contexts));
      const record = (outcome: Result, conclusion: Result, outputs: Record<string, string> = {}) => {
        const masked = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, masker.mask(v)]));
        if (step.hasUserId) stepsCtx[step.id] = { outcome, conclusion, outputs };
        reports.push({ id: step.id, name, outcome, conclusion, outputs: masked });
        if (conclusion === "failure" && !jobFailed) {
          jobFailed = true;
          failedStep = name;
        }
        bus.emit("step:completed", { runId, jobKey, name, outcome, conclusion });
      };
      if (jobCancel.killed) {
        reports.push({ id: step.id, name, outcome: "cancelled", conclusion: "cancelled", outputs: {} });
        continue;
      }
      let shouldRun: boolean;
      try {
        shouldRun = evaluateCondition(step.if, contexts, fnOpts);
      } catch (err) {
        bus.emit("step:started", { runId, jobKey, name });
        output.log(`Error: ${(err as Error).message}`);
        record("failure", "failure");
        continue;
      }
      if (!shouldRun) {
        reports.push({ id: step.id, name, outcome: "skipped", conclusion: "skipped", outputs: {} });
        if (step.hasUserId) stepsCtx[step.id] = { outcome: "skipped", conclusion: "skipped", outputs: {} };
        continue;
      }
      bus.emit("step:started", { runId, jobKey, name });
      // A step that starts after a cancel (an always() step) is stopped only by a second Ctrl-C.
      const stepCancel = Cancellation.startingUnder(jobCancel);
      let result: { outcome: Result; outputs: Record<string, string> };
      let continueOnError = false;
      try {
        if (step.continueOnError)
          continueOnError = evaluateToken(step.continueOnError, contexts, fnOpts) === true;
        if (step.env) {
          const values = evaluateToken(step.env, contexts, fnOpts) as Record<string, Json>;
          for (const [k, v] of Object.entries(values ?? {})) env[k] = toText(v);
        }
        const timeoutMs = step.timeoutMinutes
          ? positiveMinutes(evaluateToken(step.timeoutMinutes, contexts, fnOpts), "timeout-minutes") * 60_000
          : undefined;
        const files = {
          GITHUB_OUTPUT: join(filesDir, `set_output_${randomUUID()}`),
          GITHUB_ENV: join(filesDir, `set_env_${randomUUID()}`),
          GITHUB_PATH: join(filesDir, `add_path_${randomUUID()}`),
          GITHUB_STEP_SUMMARY: join(filesDir, `step_summary_${randomUUID()}`),
          GITHUB_STATE: join(filesDir, `save_state_${randomUUID()}`),
        };
        for (const f of Object.values(files)) writeFileSync(f, "");
        const hostPath = process.env.PATH ?? "";
        const procEnv: Record<string, string> = {
          ...baseEnv,
          ...env,
          ...files,
          GITHUB_ACTION: step.id,
          PATH: [...extraPath, env.PATH ?? hostPath].join(delimiter),
        };
        const exec = async (command: string, args: string[], cwd: string) => {
          const result = await runProcess({
            command,
            args,
            cwd,
            env: procEnv,
            onLine: (l) => output.line(l),
            cancellation: stepCancel,
            timeoutMs,
            graceMs: this.opts.graceMs,
          });
          if (result.pid !== undefined) groups.add(result.pid);
          return result;
        };
        let proc: ProcessResult | undefined;
        let actionResult: { ok: boolean; outputs?: Record<string, string>; error?: string } | undefined;
        if (step.run) {
          const script = evaluateString(step.run, contexts, fnOpts);
          const shellName =
            (step.shell ? toText(evaluateToken(step.shell, contexts, fnOpts)) : undefined) ??
            this.defaultRun(req, "shell", contexts);
          const shell = resolveShell(shellName, procEnv.PATH);
          const wd =
            (step.workingDirectory
              ? toText(evaluateToken(step.workingDirectory, contexts, fnOpts))
              : undefined) ?? this.defaultRun(req, "working-directory", contexts);
          const cwd = wd ? (isAbsolute(wd) ? wd : join(workspace, wd)) : workspace;
          const scriptFile = join(temp, `${randomUUID()}${shell.extension}`);
          writeFileSync(scriptFile, script);
          const args = shell.args.map((a) => a.replaceAll("{0}", scriptFile));
          proc = await exec(shell.command, args, cwd);
        } else if (step.uses) {
          const inputs: Record<string, string> = {};
          if (step.with) {
            const values = evaluateToken(step.with, contexts, fnOpts) as Record<string, Json>;
            for (const [k, v] of Object.entries(values ?? {})) inputs[k] = toText(v);
          }
          actionResult = await this.opts.actions.runAction({
            uses: step.uses,
            inputs,
            workspace,
            sourceDir: this.opts.sourceDir,
            github,
            env: procEnv,
            log: (l) => output.log(l),
            exec: (c, a, cwd) => exec(c, a, cwd),
          });
        }
        const outputs: Record<string, string> = {
          ...output.effects.outputs,
          ...(actionResult?.outputs ?? {}),
        };
        output.effects.outputs = {};
        const filesOk = this.readFiles(files, outputs, extraEnv, extraPath, output);
        let outcome: Result = filesOk ? "success" : "failure";
        if (proc) {
          if (proc.reason === "spawn-error") output.log(`Error: ${proc.error}`);
          else if (proc.reason === "timeout") output.log("Error: The action has timed out.");
          else if (proc.exitCode !== 0 && proc.reason === "exit") {
            output.log(`Error: Process completed with exit code ${proc.exitCode}.`);
          }
          if (proc.reason === "cancelled") outcome = "cancelled";
          else if (proc.reason !== "exit" || proc.exitCode !== 0) outcome = "failure";
        } else if (actionResult && !actionResult.ok) {
          if (actionResult.error) output.log(`Error: ${actionResult.error}`);
          outcome = jobCancel.cancelled ? "cancelled" : "failure";
        }
        result = { outcome, outputs };
      } catch (err) {
        output.log(`Error: ${(err as Error).message}`);
        result = { outcome: "failure", outputs: {} };
      }
      const conclusion: Result = result.outcome === "failure" && continueOnError ? "success" : result.outcome;
      record(result.outcome, conclusion, result.outputs);
    }
    // What the steps left running in the background ends with the job (orphan cleanup).
    killProcessGroups(groups);

    const result: JobOutcome["result"] = jobCancel.cancelled
      ? jobCancel.reason === "timeout"
        ? "failure"
        : "cancelled"
      : jobFailed
        ? "failure"
        : "success";
    const outputs = this.jobOutputs(req, stepsCtx, github, masker, output);
    return { result, outputs, steps: reports, failedStep };
  }

  /** `defaults.run.<key>` of the job, else of the workflow. */
  private defaultRun(req: JobRequest, key: string, contexts: Contexts): string | undefined {
    for (const source of [req.job.defaultsRun, req.workflow.defaultsRun]) {
      if (!source) continue;
      const value = evaluateToken(source, contexts) as Record<string, Json> | null;
      if (value && value[key] !== undefined) return toText(value[key]);
    }
    return undefined;
  }

  private readFiles(
    files: Record<string, string>,
    outputs: Record<string, string>,
    env: Record<string, string>,
    path: string[],
    output: StepOutput,
  ): boolean {
    // A file the step removed holds nothing, as on GitHub's runner.
    const read = (file: string) => {
      try {
        return readFileSync(file, "utf8");
      } catch {
        return "";
      }
    };
    let ok = true;
    // A malformed file fails the step, after the entries before the error are applied.
    const parse = (file: string, into: Record<string, string>, what: string) => {
      const parsed = parseEnvFile(read(file));
      for (const [k, v] of parsed.values) into[k] = v;
      for (const e of parsed.errors) {
        output.log(`Error: Unable to process file command '${what}' successfully.`);
        output.log(`Error: ${what} line ${e.line}: ${e.message}`);
        ok = false;
      }
    };
    parse(files.GITHUB_OUTPUT, outputs, "GITHUB_OUTPUT");
    parse(files.GITHUB_ENV, env, "GITHUB_ENV");
    path.unshift(...parsePathFile(read(files.GITHUB_PATH)).reverse());
    const summary = read(files.GITHUB_STEP_SUMMARY);
    if (summary.trim()) {
      output.log("Step summary:");
      for (const l of summary.trimEnd().split("\n")) output.log(`  ${l}`);
    }
    return ok;
  }

  private jobOutputs(
    req: JobRequest,
    steps: Record<string, Json>,
    github: Record<string, Json>,
    masker: Masker,
    output: StepOutput,
  ): Record<string, string> {
    const out: Record<string, string> = {};
    if (!req.job.outputs) return out;
    for (const pair of req.job.outputs) {
      const key = toText(evaluateToken(pair.key, {}));
      try {
        const value = toText(evaluateToken(pair.value, { ...req.contexts, github, steps }));
        // GitHub drops an output that would carry a secret rather than print it.
        if (masker.mask(value) !== value) {
          output.log(`Warning: Skip output '${key}' since it may contain secret.`);
          continue;
        }
        out[key] = value;
      } catch (err) {
        output.log(`Error: output '${key}': ${(err as Error).message}`);
      }
    }
    return out;
  }
}
