import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { arch, hostname, platform } from "node:os";
import { join } from "node:path";
import type { JobExecutor, JobOutcome, JobRequest } from "../engine/index.js";
import { evaluateToken, type Json, toText } from "../expressions/index.js";
import { JobSandbox, type SandboxLayout } from "../sandbox/index.js";
import { startCompiledSpawnHelper } from "../spawner/index.js";
import type { ActionProvider } from "./action-port.js";
import { dockerUnavailable, needsDocker } from "./docker.js";
import { findOnPath } from "./find-on-path.js";
import { JobFolderMaker, type JobFolders, jobFolders, makeJobFolders } from "./job-folders.js";
import { jobHomeEnv } from "./job-home.js";
import type { JobServices } from "./job-services.js";
import { JobSession } from "./job-session.js";
import { jobToolsEnv } from "./job-tools.js";
import { type Masker, MaskerCache } from "./masker.js";
import { killProcessGroups } from "./process.js";
import { StepOutput } from "./step-output.js";

export interface LocalRunnerOptions {
  /** runner.name and RUNNER_NAME (a runner machine's registered name); default: the host's name. */
  name?: string;
  /** Directory under which each job gets its own folder (workspace, temp, env files). */
  runsDir: string;
  sourceDir: string;
  repositoryName: string;
  toolCache: string;
  actions: ActionProvider;
  /** Milliseconds between SIGINT and SIGKILL when a step is cancelled. */
  graceMs: number;
  debug: boolean;
  /** The cache and artifact services each job's steps get (their variables in every step's env). */
  services?: JobServices;
  /**
   * Told of each process group a job's step starts, as it starts: the server records them so that,
   * after a crash, the next start can end what the lost jobs left running.
   */
  onProcessGroup?: (jobKey: string, pid: number) => void;
  /**
   * The host environment every step starts from, before what the runner sets (GITHUB_*, RUNNER_*)
   * and the job's `env`: the server gives its allow-listed part (src/sandbox/host-env.ts); absent,
   * the whole of this process's environment (`gantry run` on the user's own machine).
   */
  hostEnv?: Record<string, string>;
  /**
   * Runs each job in a bubblewrap sandbox (src/sandbox) that hides these paths (the server's data
   * directory, its config file …) but for the `readOnly` ones inside them, and lets the job write
   * only its own folder, its /tmp and `writable`, as `user` when given (runners.user: the job's
   * folders and files are then its own). With a sandbox or without, the steps get a HOME of their own.
   */
  sandbox?: Omit<SandboxLayout, "jobDir" | "tmpDir">;
  /**
   * Makes each job's folders ahead, while the job before runs (see JobFolderMaker): `gantry run`
   * without a sandbox. Ignored with `sandbox`.
   */
  prepareAhead?: boolean;
}

/** A run's event payload as its jobs' event.json holds it: the same object for every job of a run. */
const eventTexts = new WeakMap<object, string>();
function eventJson(event: Json): string {
  if (event === null || typeof event !== "object") return JSON.stringify(event, null, 2);
  let text = eventTexts.get(event);
  if (text === undefined) {
    text = JSON.stringify(event, null, 2);
    eventTexts.set(event, text);
  }
  return text;
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
/** Each of GITHUB_ENV_KEYS with its variable's name. */
const GITHUB_ENV_NAMES = GITHUB_ENV_KEYS.map((k) => [k, `GITHUB_${k.toUpperCase()}`] as const);

/** Runs jobs on this machine, each in its own empty workspace. */
export class LocalRunner implements JobExecutor {
  private jobCount = 0;
  /**
   * This process's environment, copied once (when no hostEnv is given): each read of process.env
   * asks the C++ side, key by key, and nothing in gantry changes it while jobs run.
   */
  private processEnv?: Record<string, string>;
  private folders?: JobFolderMaker;
  /** The run folder the last job was made in (made then, if it was not there). */
  private runDirMade?: string;
  /** The maskers of the runs' lists of secrets: each job's is a copy. */
  private readonly maskers = new MaskerCache();
  /** The `corepack` on the host's PATH that each job's tools link to, once looked for. */
  private corepack?: { path: string | undefined };

  constructor(private readonly opts: LocalRunnerOptions) {
    // Steps start from the compiled spawn helper when there is one (`gantry serve` started its
    // helper already): each fork from this process copies its page tables and then faults on every
    // page it writes, a third of its time a job in a chain; the helper's fork costs next to nothing.
    startCompiledSpawnHelper();
  }

  async runJob(req: JobRequest): Promise<JobOutcome> {
    const { bus, runId, jobKey, job } = req;
    const n = ++this.jobCount;
    const runDir = join(this.opts.runsDir, runId);
    const jobDir = join(runDir, String(n));
    // A HOME of the job's own in every mode: `git config --global`, ~/.npmrc, ~/.npm stay in the job.
    const host = this.opts.hostEnv ?? (this.processEnv ??= { ...process.env } as Record<string, string>);
    // The run's own payload (github.event: a dispatch's inputs included), as GitHub writes it.
    const event = eventJson((req.contexts.github as Record<string, Json>).event ?? {});
    let folders: JobFolders;
    let toolsEnv: ReturnType<typeof jobToolsEnv>;
    let eventWritten = false;
    if (this.opts.prepareAhead && !this.opts.sandbox) {
      this.folders ??= new JobFolderMaker(this.opts.repositoryName, findOnPath("corepack", host.PATH));
      const made = this.folders.make(runDir, jobDir, event);
      folders = made;
      eventWritten = made.eventWritten;
      toolsEnv = jobToolsEnv(folders.tools, host.PATH ?? "");
    } else {
      folders = jobFolders(jobDir, this.opts.repositoryName, Boolean(this.opts.sandbox));
      // The run's folder once, then each folder of the job with one mkdir (a recursive one fails
      // its way up first), and `corepack` looked for on PATH once a run, not once a job.
      if (this.runDirMade !== runDir) mkdirSync(runDir, { recursive: true });
      this.runDirMade = runDir;
      this.corepack ??= { path: findOnPath("corepack", host.PATH) };
      // What `npm i -g` and `corepack enable` install stays in the job too.
      makeJobFolders(folders, this.corepack.path);
      toolsEnv = jobToolsEnv(folders.tools, host.PATH ?? "");
    }
    const { workspace, temp, filesDir, eventDir, home, tools } = folders;
    const tmp = folders.tmp ?? join(jobDir, "tmp");
    const hostEnv = jobHomeEnv(host, home); // a copy of the job's own, made into baseEnv below
    const eventPath = join(eventDir, "event.json");
    if (!eventWritten) writeFileSync(eventPath, event);
    const user = this.opts.sandbox?.user;
    if (user) {
      // Everything from the job's folder down to what the steps use is the job user's.
      const owned = [jobDir, join(jobDir, "work"), workspace, temp, filesDir, eventDir];
      for (const p of [...owned, eventPath, home, tmp, tools, join(tools, "bin")])
        chownSync(p, user.uid, user.gid);
    }
    // The sandbox's keeper starts while the rest of the job is made ready.
    const keeper = this.opts.sandbox
      ? JobSandbox.start({ jobDir, tmpDir: tmp, ...this.opts.sandbox }).catch((err: Error) => err)
      : undefined;

    const github: Record<string, Json> = {
      ...(req.contexts.github as Record<string, Json>),
      workspace,
      event_path: eventPath,
      job: job.id,
    };
    const runnerCtx = {
      name: this.opts.name ?? hostname(),
      os: platform() === "darwin" ? "macOS" : platform() === "win32" ? "Windows" : "Linux",
      arch: arch() === "arm64" ? "ARM64" : arch() === "x64" ? "X64" : arch().toUpperCase(),
      temp,
      tool_cache: this.opts.toolCache,
      debug: this.opts.debug ? "1" : "",
      environment: "self-hosted",
    };
    const lease = await this.opts.services?.open({
      runId,
      github,
      workflowFile: req.workflow.file,
      ...(req.environment ? { environment: req.environment } : {}),
    });
    // The host's environment as the job starts from it (jobHomeEnv's copy), then what the runner sets,
    // in that order: one object made a job, not one more (≈ 16 KB with its 80 variables).
    const baseEnv: Record<string, string> = Object.assign(
      hostEnv,
      toolsEnv,
      this.opts.sandbox ? { TMPDIR: "/tmp" } : {},
      { CI: "true", GITHUB_ACTIONS: "true" },
    );
    for (const [key, name] of GITHUB_ENV_NAMES) baseEnv[name] = toText(github[key] ?? "");
    Object.assign(
      baseEnv,
      {
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_JOB: job.id,
        GITHUB_WORKSPACE: workspace,
        RUNNER_ARCH: runnerCtx.arch,
        RUNNER_ENVIRONMENT: runnerCtx.environment,
        RUNNER_NAME: runnerCtx.name,
        RUNNER_OS: runnerCtx.os,
        RUNNER_TEMP: temp,
        RUNNER_TOOL_CACHE: this.opts.toolCache,
      },
      this.opts.debug ? { RUNNER_DEBUG: "1" } : {},
      lease?.env,
    );

    const masker = this.maskers.of(req.secrets);
    for (const s of lease?.secrets ?? []) masker.add(s);
    const output = new StepOutput(bus, runId, jobKey, masker, this.opts.debug);
    const unusable = await this.containerProblem(req);
    const started = await keeper;
    if (started instanceof Error) output.log(`Error: the job's sandbox did not start: ${started.message}`);
    const sandbox = started instanceof JobSandbox ? started : undefined;
    if (unusable || (this.opts.sandbox && !sandbox)) {
      if (unusable) output.log(`Error: ${unusable}`);
      sandbox?.close();
      await lease?.close();
      return { result: "failure", outputs: {}, steps: [], failedStep: undefined };
    }
    const session = new JobSession({
      req,
      workspace,
      temp,
      filesDir,
      sourceDir: this.opts.sourceDir,
      github,
      runnerContext: runnerCtx,
      baseEnv,
      masker,
      output,
      actions: this.opts.actions,
      graceMs: this.opts.graceMs,
      onProcessGroup: (pid) => this.opts.onProcessGroup?.(jobKey, pid),
      sandbox,
      user,
      ...(folders.commandFiles ? { commandFiles: folders.commandFiles } : {}),
    });
    try {
      await session.run();
    } finally {
      // Ends the job's namespace: nothing its steps started outlives it, `setsid` or not.
      sandbox?.close();
      await lease?.close();
    }
    // What the steps left running in the background ends with the job (orphan cleanup).
    killProcessGroups(session.groups);

    const result: JobOutcome["result"] = req.cancellation.cancelled
      ? req.cancellation.reason === "timeout"
        ? "failure"
        : "cancelled"
      : session.jobFailed
        ? "failure"
        : "success";
    const outputs = this.jobOutputs(req, session.jobFrame.steps, github, masker, output);
    return { result, outputs, steps: session.reports, failedStep: session.failedStep };
  }

  /** `container:` and `services:` run in Docker: without an engine the job fails, saying so. */
  private async containerProblem(req: JobRequest): Promise<string | undefined> {
    const wants = [req.job.container ? "`container:`" : "", req.job.services ? "`services:`" : ""].filter(
      Boolean,
    );
    if (wants.length === 0) return undefined;
    const why = await dockerUnavailable();
    return why ? needsDocker(`Job '${req.job.id}' uses ${wants.join(" and ")}, which`, why) : undefined;
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
