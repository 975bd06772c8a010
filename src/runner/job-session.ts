import { randomUUID } from "node:crypto";
import { chownSync, writeFileSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { Cancellation, type JobRequest, type Result, type StepReport } from "../engine/index.js";
import {
  type Contexts,
  evaluateCondition,
  evaluateExpression,
  evaluateString,
  evaluateToken,
  hashFilesFunction,
  type Json,
  type StatusFunctions,
  templateText,
  toText,
} from "../expressions/index.js";
import type { JobUser, Sandbox } from "../sandbox/index.js";
import type { StepDef } from "../workflow/index.js";
import type {
  ActionProvider,
  ActionStepRequest,
  ActionStepResult,
  CompositeResult,
  CompositeScope,
  JobStatus,
  PostAction,
} from "./action-port.js";
import { parseEnvFile, parsePathFile } from "./env-files.js";
import { readJobFile } from "./job-file.js";
import { type CommandFiles, commandFileNames } from "./job-folders.js";
import type { Masker } from "./masker.js";
import { type ProcessResult, runProcess } from "./process.js";
import { resolveShell, which } from "./shell.js";
import type { StepOutput } from "./step-output.js";

/** What a job's steps share: where files go, the environment, the log, what to clean up. */
export interface JobSessionOptions {
  req: JobRequest;
  workspace: string;
  temp: string;
  filesDir: string;
  sourceDir: string;
  github: Record<string, Json>;
  runnerContext: Record<string, Json>;
  /** Process environment every step starts from (host env, CI, GITHUB_*, RUNNER_*). */
  baseEnv: Record<string, string>;
  masker: Masker;
  output: StepOutput;
  actions: ActionProvider;
  graceMs: number;
  /** Told of each process group a step starts, as it starts. */
  onProcessGroup?: (pid: number) => void;
  /** The job's sandbox: every process of its steps runs in it. */
  sandbox?: Sandbox;
  /** The user the steps run as, when not this process's: the files made for them are theirs. */
  user?: JobUser;
  /** File-command files made empty with the job's folders: its first call's (see JobFolderMaker). */
  commandFiles?: CommandFiles;
}

/** A list of steps run together: the job's own, or a composite action's. */
interface Frame {
  /** The `steps` context of this list. */
  steps: Record<string, Json>;
  /** The `env` context the list starts from (job env, or the composite step's env). */
  env: Record<string, string>;
  failed: boolean;
  composite?: CompositeScope & { cancellation: Cancellation; deadline?: number };
}

interface StepResult {
  /** False for a step that never started (skipped, or the job was killed first). */
  started?: boolean;
  outcome: Result;
  conclusion: Result;
  outputs: Record<string, string>;
  action?: ActionStepResult["action"];
}

interface PendingPost {
  post: PostAction;
  mainName: string;
  step: StepDef;
  inputs: Record<string, string>;
  /** The main step's call: its saved state reaches the post part. */
  call?: Call;
}

/** The first line of a script, as the header's title: `Run <first line>`. */
function scriptTitle(script: string): string {
  return script.replace(/^[ \t\r\n]+/, "").split(/[\r\n]/, 1)[0];
}

/** A script's lines, as the header shows them (trailing empty lines left out). */
function scriptLines(script: string): string[] {
  return script.replaceAll("\r\n", "\n").replace(/\n+$/, "").split("\n");
}

/** A header's `with:` block: the inputs with a value. */
function withLines(inputs: Record<string, string>): string[] {
  const set = Object.entries(inputs).filter(([, v]) => v !== "");
  return set.length === 0 ? [] : ["with:", ...set.map(([k, v]) => `  ${k}: ${v}`)];
}

/** A header's `env:` block: the step's `env` context (workflow, job, step and GITHUB_ENV). */
function envLines(env: Record<string, string>): string[] {
  const set = Object.entries(env);
  return set.length === 0 ? [] : ["env:", ...set.map(([k, v]) => `  ${k}: ${v}`)];
}

function positiveMinutes(value: Json, what: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${what} must be a positive number, got '${toText(value)}'`);
  return n;
}

/** Runs one job's steps, pre and post steps included, on this machine. */
export class JobSession {
  readonly reports: StepReport[] = [];
  jobFailed = false;
  failedStep: string | undefined;
  /** Process groups the job's steps started: what they left running ends with the job. */
  readonly groups = new Set<number>();
  /** `env` set with GITHUB_ENV, for every later step. */
  private readonly extraEnv: Record<string, string> = {};
  private readonly extraPath: string[] = [];
  private readonly posts: PendingPost[] = [];
  /** State each step saved (GITHUB_STATE), by step id, for its pre/post parts. */
  private readonly states = new Map<string, Record<string, string>>();
  readonly jobFrame: Frame;
  /** The planned step running now (its index in the job's steps); unset in pre and post parts. */
  private stepIndex: number | undefined;
  /** The file-command files made already, until the first call takes them. */
  private madeFiles: CommandFiles | undefined;

  constructor(private readonly o: JobSessionOptions) {
    this.jobFrame = { steps: {}, env: o.req.env, failed: false };
    this.madeFiles = o.commandFiles;
  }

  private get cancellation(): Cancellation {
    return this.o.req.cancellation;
  }

  jobStatus(): JobStatus {
    return this.cancellation.cancelled ? "cancelled" : this.jobFailed ? "failure" : "success";
  }

  /** "Set up job" (the job's actions resolved), the pre parts, the steps, the post parts in reverse. */
  async run(): Promise<void> {
    this.announcePlan();
    if (!(await this.setUpJob())) return;
    await this.runPres();
    await this.runSteps(this.jobFrame, this.o.req.job.steps);
    while (this.posts.length > 0) {
      const pending = this.posts.pop() as PendingPost;
      await this.runPart("Post", pending.post, pending);
    }
  }

  private contextsFor(frame: Frame, env: Record<string, string>): Contexts {
    const contexts: Contexts = {
      ...this.o.req.contexts,
      github: frame.composite ? { ...this.o.github, action_path: frame.composite.actionPath } : this.o.github,
      runner: this.o.runnerContext,
      steps: frame.steps,
      job: { status: this.jobStatus() },
      env,
    };
    if (frame.composite) contexts.inputs = frame.composite.inputs;
    return contexts;
  }

  private statusFor(frame: Frame): StatusFunctions {
    const failed = () => this.jobFailed || frame.failed;
    return {
      success: () => !this.cancellation.cancelled && !failed(),
      failure: () => failed(),
      cancelled: () => this.cancellation.cancelled,
    };
  }

  private stepName(step: StepDef, contexts: Contexts): string {
    if (step.name) {
      try {
        return this.o.masker.mask(toText(evaluateToken(step.name, contexts)));
      } catch {
        // fall through to the default name
      }
    }
    if (step.uses) return `Run ${step.uses}`;
    const script = step.run ? (templateText(step.run) ?? "") : "";
    const firstLine = script.split("\n").find((l) => l.trim() !== "") ?? "";
    return this.o.masker.mask(`Run ${firstLine.trim()}`);
  }

  /** The job's steps, named as they stand now, for the UI to list before they start. */
  private announcePlan(): void {
    const contexts = this.contextsFor(this.jobFrame, { ...this.jobFrame.env });
    const names = this.o.req.job.steps.map((step) => this.stepName(step, contexts));
    const { req } = this.o;
    req.bus.emit("job:steps", { runId: req.runId, jobKey: req.jobKey, names });
  }

  private async runSteps(frame: Frame, steps: StepDef[]): Promise<void> {
    for (const [index, step] of steps.entries()) {
      const env: Record<string, string> = { ...frame.env, ...this.extraEnv };
      const contexts = this.contextsFor(frame, env);
      const name = this.stepName(step, contexts);
      if (frame === this.jobFrame) this.stepIndex = index;
      const result = await this.runStep(frame, step, name, contexts, env);
      if (frame === this.jobFrame) this.stepIndex = undefined;
      if (step.hasUserId || frame.composite) {
        frame.steps[step.id] = {
          outcome: result.outcome,
          conclusion: result.conclusion,
          outputs: result.outputs,
        };
      }
      if (result.conclusion === "failure") frame.failed = true;
      if (!frame.composite) this.record(step.id, name, result, step.uses);
    }
  }

  private record(id: string, name: string, result: StepResult, uses?: string): void {
    const { masker, req } = this.o;
    const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, masker.mask(v)]));
    const report: StepReport = { id, name, outcome: result.outcome, conclusion: result.conclusion, outputs };
    const errors = this.o.output.takeErrors();
    if (result.outcome === "failure" && errors.length > 0) report.errors = errors;
    if (result.action && uses) report.action = { uses, ...result.action };
    this.reports.push(report);
    if (result.conclusion === "failure" && !this.jobFailed) {
      this.jobFailed = true;
      this.failedStep = name;
    }
    if (result.started !== false) {
      req.bus.emit("step:completed", {
        runId: req.runId,
        jobKey: req.jobKey,
        name,
        outcome: result.outcome,
        conclusion: result.conclusion,
      });
    }
  }

  private started(frame: Frame, name: string): void {
    const { req, output } = this.o;
    if (frame.composite) output.log(`▶ ${name}`);
    else req.bus.emit("step:started", { runId: req.runId, jobKey: req.jobKey, name, index: this.stepIndex });
  }

  private async runStep(
    frame: Frame,
    step: StepDef,
    name: string,
    contexts: Contexts,
    env: Record<string, string>,
  ): Promise<StepResult> {
    const { output } = this.o;
    const parentCancel = frame.composite?.cancellation ?? this.cancellation;
    if (parentCancel.killed)
      return { started: false, outcome: "cancelled", conclusion: "cancelled", outputs: {} };
    const status = this.statusFor(frame);
    const fnOpts = { status, functions: [hashFilesFunction(this.o.workspace)] };
    let shouldRun: boolean;
    try {
      shouldRun = evaluateCondition(step.if, contexts, fnOpts);
    } catch (err) {
      this.started(frame, name);
      output.error(`${(err as Error).message}`);
      return { outcome: "failure", conclusion: "failure", outputs: {} };
    }
    if (!shouldRun) return { started: false, outcome: "skipped", conclusion: "skipped", outputs: {} };
    this.started(frame, name);
    // A step that starts after a cancel (an always() step) is stopped only by a second Ctrl-C.
    const stepCancel = Cancellation.startingUnder(parentCancel);
    let continueOnError = false;
    let result: { outcome: Result; outputs: Record<string, string> };
    let action: ActionStepResult["action"];
    try {
      if (step.continueOnError)
        continueOnError = evaluateToken(step.continueOnError, contexts, fnOpts) === true;
      if (step.env) {
        const values = evaluateToken(step.env, contexts, fnOpts) as Record<string, Json>;
        for (const [k, v] of Object.entries(values ?? {})) env[k] = toText(v);
      }
      let deadline = frame.composite?.deadline;
      if (step.timeoutMinutes) {
        const ms =
          positiveMinutes(evaluateToken(step.timeoutMinutes, contexts, fnOpts), "timeout-minutes") * 60_000;
        deadline = Math.min(deadline ?? Number.POSITIVE_INFINITY, Date.now() + ms);
      }
      const call = this.prepareCall(frame, step.id, env, stepCancel, deadline, this.states.get(step.id));
      let proc: ProcessResult | undefined;
      let actionResult: ActionStepResult | undefined;
      if (step.run) {
        proc = await this.runScript(frame, step, contexts, fnOpts, call);
      } else if (step.uses) {
        const inputs: Record<string, string> = {};
        if (step.with) {
          const values = evaluateToken(step.with, contexts, fnOpts) as Record<string, Json>;
          for (const [k, v] of Object.entries(values ?? {})) inputs[k] = toText(v);
        }
        output.header(`Run ${step.uses}`, [...withLines(inputs), ...envLines(env)]);
        const request = this.request(step, name, inputs, contexts, call, stepCancel);
        actionResult = await this.o.actions.runAction(request);
      }
      result = this.finishCall(call, proc, actionResult, stepCancel);
      action = actionResult?.action;
    } catch (err) {
      output.error(`${(err as Error).message}`);
      result = { outcome: "failure", outputs: {} };
    }
    const conclusion: Result = result.outcome === "failure" && continueOnError ? "success" : result.outcome;
    return { outcome: result.outcome, conclusion, outputs: result.outputs, action };
  }

  private async runScript(
    frame: Frame,
    step: StepDef,
    contexts: Contexts,
    fnOpts: { status: StatusFunctions },
    call: Call,
  ): Promise<ProcessResult> {
    const script = evaluateString(step.run as NonNullable<StepDef["run"]>, contexts, fnOpts);
    let shellName = step.shell ? toText(evaluateToken(step.shell, contexts, fnOpts)) : undefined;
    if (!shellName && frame.composite) {
      throw new Error(
        "Required property is missing: shell (a composite action's run steps must name their shell)",
      );
    }
    shellName ??= frame.composite ? undefined : this.defaultRun("shell", contexts);
    const shell = resolveShell(shellName, call.env.PATH);
    const wd =
      (step.workingDirectory ? toText(evaluateToken(step.workingDirectory, contexts, fnOpts)) : undefined) ??
      (frame.composite ? undefined : this.defaultRun("working-directory", contexts));
    const cwd = wd ? (isAbsolute(wd) ? wd : join(this.o.workspace, wd)) : this.o.workspace;
    this.o.output.header(`Run ${scriptTitle(script)}`, [
      ...scriptLines(script).map((l) => `\x1b[36;1m${l}\x1b[0m`),
      `shell: ${which(shell.command, call.env.PATH) ?? shell.command} ${shell.args.join(" ")}`,
      ...envLines(call.env0),
    ]);
    const scriptFile = join(this.o.temp, `${randomUUID()}${shell.extension}`);
    this.giveToJob(scriptFile, () => writeFileSync(scriptFile, script));
    const args = shell.args.map((a) => a.replaceAll("{0}", scriptFile));
    return call.exec(shell.command, args, cwd);
  }

  /** Makes a file for the steps, theirs when they run as another user. */
  private giveToJob(file: string, make: () => void): void {
    make();
    if (this.o.user) chownSync(file, this.o.user.uid, this.o.user.gid);
  }

  /** `defaults.run.<key>` of the job, else of the workflow. */
  private defaultRun(key: string, contexts: Contexts): string | undefined {
    const { req } = this.o;
    for (const source of [req.job.defaultsRun, req.workflow.defaultsRun]) {
      if (!source) continue;
      const value = evaluateToken(source, contexts) as Record<string, Json> | null;
      if (value && value[key] !== undefined) return toText(value[key]);
    }
    return undefined;
  }

  /**
   * The files and environment of one step (or pre/post part) and a way to run its processes.
   * The file-command files are created empty when something can see them: before the first
   * process starts, or when an action reads the step's environment. A composite action's own
   * step runs no process (its inner steps get files of their own), so it writes none.
   */
  private prepareCall(
    frame: Frame,
    actionId: string,
    env: Record<string, string>,
    cancellation: Cancellation,
    deadline: number | undefined,
    state: Record<string, string> = {},
  ): Call {
    // The job's first call may have its files made already, empty (see JobFolderMaker).
    const made = this.madeFiles;
    this.madeFiles = undefined;
    const files = made ?? commandFileNames(this.o.filesDir);
    const hostPath = this.o.baseEnv.PATH ?? process.env.PATH ?? "";
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    const action: Record<string, string> = frame.composite
      ? {
          GITHUB_ACTION_PATH: frame.composite.actionPath,
          GITHUB_ACTION_REPOSITORY: frame.composite.actionRepository,
          GITHUB_ACTION_REF: frame.composite.actionRef,
        }
      : {};
    const procEnv: Record<string, string> = {
      ...this.o.baseEnv,
      ...env,
      ...stateEnv,
      ...action,
      ...files,
      GITHUB_ACTION: actionId,
      PATH: [...this.extraPath, env.PATH ?? hostPath].join(delimiter),
    };
    const call: Call = {
      files,
      filesCreated: made !== undefined,
      createFiles: () => {
        if (call.filesCreated) return;
        for (const f of Object.values(files)) this.giveToJob(f, () => writeFileSync(f, ""));
        call.filesCreated = true;
      },
      env: procEnv,
      exec: async (command, args, cwd, extra) => {
        call.createFiles();
        const timeoutMs = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
        const result = await runProcess({
          command,
          args,
          cwd,
          env: extra ? { ...procEnv, ...extra } : procEnv,
          onLine: (l) => this.o.output.line(l),
          cancellation,
          timeoutMs,
          graceMs: this.o.graceMs,
          sandbox: this.o.sandbox,
          onStart: (pid) => {
            this.groups.add(pid);
            this.o.onProcessGroup?.(pid);
          },
        });
        return result;
      },
      deadline,
      env0: env,
    };
    return call;
  }

  private finishCall(
    call: Call,
    proc: ProcessResult | undefined,
    actionResult: ActionStepResult | undefined,
    cancellation: Cancellation,
  ): { outcome: Result; outputs: Record<string, string> } {
    const { output } = this.o;
    const outputs: Record<string, string> = { ...output.effects.outputs, ...(actionResult?.outputs ?? {}) };
    output.effects.outputs = {};
    const filesOk = this.readFiles(call, outputs);
    let outcome: Result = filesOk ? "success" : "failure";
    if (proc) {
      if (proc.reason === "spawn-error") output.error(proc.error ?? "The process did not start.");
      else if (proc.reason === "timeout") output.error("The action has timed out.");
      else if (proc.exitCode !== 0 && proc.reason === "exit") {
        output.error(`Process completed with exit code ${proc.exitCode}.`);
      }
      if (proc.reason === "cancelled") {
        // As GitHub's runner ends a step it stopped (its open group ended first).
        output.endOpenGroup();
        output.error("The operation was canceled.");
        outcome = "cancelled";
      } else if (proc.reason !== "exit" || proc.exitCode !== 0) outcome = "failure";
    } else if (actionResult && !actionResult.ok) {
      if (actionResult.error) output.error(`${actionResult.error}`);
      outcome = cancellation.cancelled ? "cancelled" : "failure";
    }
    return { outcome, outputs };
  }

  private readFiles(call: Call, outputs: Record<string, string>): boolean {
    const { output } = this.o;
    let ok = true;
    // A file the step removed (or replaced with a link) holds nothing, as on GitHub's runner.
    const read = (file: string) => {
      try {
        return readJobFile(file);
      } catch (err) {
        output.error(`${(err as Error).message}`);
        ok = false;
        return "";
      }
    };
    const state: Record<string, string> = { ...output.effects.state };
    output.effects.state = {};
    call.state = state;
    // Files that were never created hold nothing.
    if (!call.filesCreated) return ok;
    // A malformed file fails the step, after the entries before the error are applied.
    const parse = (file: string, into: Record<string, string>, what: string) => {
      const parsed = parseEnvFile(read(file));
      for (const [k, v] of parsed.values) into[k] = v;
      for (const e of parsed.errors) {
        output.error(`Unable to process file command '${what}' successfully.`);
        output.error(`${what} line ${e.line}: ${e.message}`);
        ok = false;
      }
    };
    parse(call.files.GITHUB_OUTPUT, outputs, "GITHUB_OUTPUT");
    parse(call.files.GITHUB_ENV, this.extraEnv, "GITHUB_ENV");
    parse(call.files.GITHUB_STATE, state, "GITHUB_STATE");
    this.extraPath.unshift(...parsePathFile(read(call.files.GITHUB_PATH)).reverse());
    const summary = read(call.files.GITHUB_STEP_SUMMARY);
    if (summary.trim()) {
      output.summary(summary);
      output.log("Step summary:");
      for (const l of summary.trimEnd().split("\n")) output.log(`  ${l}`);
    }
    return ok;
  }

  private request(
    step: StepDef,
    name: string,
    inputs: Record<string, string>,
    contexts: Contexts,
    call: Call,
    cancellation: Cancellation,
  ): ActionStepRequest {
    const uses = step.uses as string;
    return {
      uses,
      stepId: step.id,
      inputs,
      contexts,
      workspace: this.o.workspace,
      sourceDir: this.o.sourceDir,
      github: contexts.github as Record<string, Json>,
      // The file-command files exist once an action can see their paths.
      get env() {
        call.createFiles();
        return call.env;
      },
      log: (l) => this.o.output.log(l),
      warn: (m) => this.o.output.warn(m),
      sandbox: this.o.sandbox,
      exec: call.exec,
      jobStatus: () => this.jobStatus(),
      addPost: (post) => this.posts.push({ post, mainName: name, step, inputs, call }),
      runSteps: (steps, scope) => this.runComposite(steps, scope, call, cancellation),
    };
  }

  private async runComposite(
    steps: StepDef[],
    scope: CompositeScope,
    call: Call,
    cancellation: Cancellation,
  ): Promise<CompositeResult> {
    const frame: Frame = {
      steps: {},
      env: call.env0,
      failed: false,
      composite: { ...scope, cancellation, deadline: call.deadline },
    };
    await this.runSteps(frame, steps);
    const contexts = this.contextsFor(frame, { ...frame.env, ...this.extraEnv });
    return { ok: !frame.failed && !cancellation.cancelled, cancelled: cancellation.cancelled, contexts };
  }

  /**
   * Resolves the job's actions before any step runs: an action that cannot be had fails the job
   * here, as GitHub's "Set up job" does, rather than after the steps before it have worked.
   */
  private async setUpJob(): Promise<boolean> {
    const { actions, req, output, workspace } = this.o;
    let problems: string[];
    try {
      problems = (await actions.prepareJob?.(req.job.steps, workspace)) ?? [];
    } catch (err) {
      problems = [(err as Error).message];
    }
    if (problems.length === 0) return true;
    const name = "Set up job";
    this.started(this.jobFrame, name);
    for (const problem of problems) output.error(problem);
    this.record("__set_up_job", name, { outcome: "failure", conclusion: "failure", outputs: {} });
    return false;
  }

  /** Asks each `uses:` step's action for a pre part and runs those that have one. */
  private async runPres(): Promise<void> {
    const { req, actions } = this.o;
    if (!actions.preAction) return;
    for (const step of req.job.steps) {
      if (!step.uses || step.uses.startsWith("./") || step.uses.startsWith("docker://")) continue;
      const env: Record<string, string> = { ...this.jobFrame.env };
      const contexts = this.contextsFor(this.jobFrame, env);
      const name = this.stepName(step, contexts);
      let inputs: Record<string, string> = {};
      try {
        if (step.with) {
          const values = evaluateToken(step.with, contexts, {
            status: this.statusFor(this.jobFrame),
          }) as Record<string, Json>;
          inputs = Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, toText(v)]));
        }
      } catch {
        // the main step reports a bad `with`
        continue;
      }
      const probe = {
        uses: step.uses,
        inputs,
        contexts,
        workspace: this.o.workspace,
        sourceDir: this.o.sourceDir,
        github: this.o.github,
      };
      const pre = await actions.preAction(probe).catch(() => undefined);
      if (!pre) continue;
      await this.runPart("Pre", pre, { post: pre, mainName: name, step, inputs });
    }
  }

  /** Runs a pre or post part as a step of its own: `Pre <name>` / `Post <name>`. */
  private async runPart(kind: "Pre" | "Post", part: PostAction, pending: PendingPost): Promise<void> {
    const { output } = this.o;
    const name = `${kind} ${part.name ?? pending.mainName.replace(/^Run /, "")}`;
    const id = `${kind.toLowerCase()}_${pending.step.id}`;
    const env: Record<string, string> = { ...this.jobFrame.env, ...this.extraEnv };
    const contexts = this.contextsFor(this.jobFrame, env);
    let run: boolean;
    try {
      const value = evaluateExpression(part.condition, contexts, { status: this.statusFor(this.jobFrame) });
      run = !(value === false || value === null || value === 0 || value === "" || Number.isNaN(value));
    } catch (err) {
      this.started(this.jobFrame, name);
      output.error(`${kind.toLowerCase()}-if: ${(err as Error).message}`);
      this.record(id, name, { outcome: "failure", conclusion: "failure", outputs: {} });
      return;
    }
    if (!run) return;
    this.started(this.jobFrame, name);
    if (kind === "Post") output.header("Post job cleanup.", []);
    else output.header(`Run ${pending.step.uses}`, [...withLines(pending.inputs), ...envLines(env)]);
    const cancellation = Cancellation.startingUnder(this.cancellation);
    const state = { ...this.states.get(pending.step.id), ...pending.call?.state };
    const call = this.prepareCall(this.jobFrame, pending.step.id, env, cancellation, undefined, state);
    const request = this.request(pending.step, name, pending.inputs, contexts, call, cancellation);
    let result: { outcome: Result; outputs: Record<string, string> };
    try {
      const actionResult = await part.run(request);
      result = this.finishCall(call, undefined, actionResult, cancellation);
    } catch (err) {
      output.error(`${(err as Error).message}`);
      result = { outcome: "failure", outputs: {} };
    }
    // What a pre part saves is there for the main step and the post part.
    if (kind === "Pre") this.states.set(pending.step.id, call.state ?? {});
    this.record(id, name, { outcome: result.outcome, conclusion: result.outcome, outputs: {} });
  }
}

/** One step's (or part's) files, environment and process runner. */
interface Call {
  files: CommandFiles;
  /** Whether the file-command files exist yet (createFiles makes them, once). */
  filesCreated: boolean;
  createFiles(): void;
  env: Record<string, string>;
  /** The `env` context the step ran with (for a composite action's steps). */
  env0: Record<string, string>;
  exec: ActionStepRequest["exec"];
  deadline: number | undefined;
  /** What the step saved with GITHUB_STATE or ::save-state, once it ended. */
  state?: Record<string, string>;
}
