import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, homedir } from "node:os";
import { join } from "node:path";
import { ActionRunner, type ActionStore, BuiltInActions, openActionStore } from "../actions/index.js";
import { FsArtifactStore } from "../artifacts/index.js";
import { FsCacheStore, parseSize } from "../cache/index.js";
import {
  buildGithubContext,
  Cancellation,
  type ConcurrencyGroups,
  calledWorkflowLoader,
  EventBus,
  type JobExecutor,
  MemoryConcurrencyGroups,
  placeholderGithubToken,
  type ReadRemoteFile,
  type RunReport,
  runWorkflow,
  Semaphore,
  type WorkflowRunReport,
} from "../engine/index.js";
import type { Json } from "../expressions/index.js";
import { discardDir, LocalRunner, type LocalRunnerOptions, removeTrash } from "../runner/index.js";
import { HOME_CREDENTIALS, hostEnvForJobs } from "../sandbox/index.js";
import {
  buildWorkflowDef,
  dispatchInputNames,
  fileWouldRun,
  formatProblem,
  type LoadedFile,
  type LoadedWorkflow,
  type Problem,
  resolveDispatchInputs,
  UsageError,
  workflowMatches,
} from "../workflow/index.js";
import { ActionsServer } from "./actions-server.js";
import { actionMirrorFor, cachePolicyFor } from "./config.js";
import { runJobDry } from "./dry-run.js";
import { cacheHome, gantryHome } from "./gantry-home.js";
import { HostLabels } from "./host-labels.js";
import { buildLocalEvent, type LocalEvent } from "./local-event.js";
import { type LocalRepo, readLocalRepo } from "./local-repo.js";

/** The largest artifact the artifact service takes: GANTRY_ARTIFACT_MAX_SIZE, else 10 GB. */
export function maxArtifactSize(): number {
  const text = process.env.GANTRY_ARTIFACT_MAX_SIZE || "10GB";
  const size = parseSize(text);
  if (size === undefined)
    throw new UsageError(`GANTRY_ARTIFACT_MAX_SIZE is not a size: '${text}' (e.g. 2GB)`);
  return size;
}

export interface RunWorkflowsOptions {
  cwd: string;
  /** The checkout at `cwd`, when the caller has read it already. */
  repo?: LocalRepo;
  workflows: LoadedWorkflow[];
  /**
   * Files with errors: each that the event would start (see fileWouldRun) is a failed run naming
   * its problems, as GitHub shows an invalid workflow file; the others are passed over.
   */
  invalid?: LoadedFile[];
  event: string;
  eventPayload?: { [key: string]: Json };
  ref?: string;
  job?: string;
  /** `--matrix K=V`: the values each matrix key may take; legs with another value do not run. */
  matrix?: Record<string, string[]>;
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  maxJobs?: number;
  bus?: EventBus;
  cancellation?: Cancellation;
  /** Mirror URL template for remote actions (--action-mirror); else GANTRY_ACTION_MIRROR, else config.yml. */
  actionMirror?: string;
  /**
   * `sandbox`: each job in a bubblewrap sandbox, as on the server (--isolation sandbox), with the
   * allow-listed host environment only; `none` (the default): on this machine, as the user.
   */
  isolation?: "sandbox" | "none";
  /** Called for each job that starts; returns where its log goes (named in the report). */
  logPath?: (jobKey: string, name: string, workflowFile: string) => string | undefined;
  /** Reads a file of another repository (the action store); remote reusable workflows need it. */
  readRemoteFile?: ReadRemoteFile;
  /**
   * runs-on labels to run on this machine beyond those it satisfies (`--platform LABEL=host`); a
   * leg asking for another label is skipped with a notice (see HostLabels).
   */
  platforms?: string[];
  /** Plan only (--dry-run): jobs and steps are announced and reported as they would run, none runs. */
  dryRun?: boolean;
  /** Concurrency groups (`concurrency:`); by default the runs of this call share groups in memory. */
  concurrency?: ConcurrencyGroups;
}

export { cacheHome, gantryHome };

/** The repository's next run number; a dry run reads it without taking it. */
function nextRunNumber(home: string, repo: string, take = true): number {
  const file = join(home, "run-numbers.json");
  let numbers: Record<string, number> = {};
  try {
    numbers = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    // first run
  }
  numbers[repo] = (numbers[repo] ?? 0) + 1;
  if (take) writeFileSync(file, JSON.stringify(numbers));
  return numbers[repo];
}

/** The action store of this gantry home, with the mirror the options, environment or config.yml set. */
/**
 * `gantry run --isolation sandbox`: the jobs see neither gantry's home (other runs, the cache and
 * artifact stores) nor the user's credentials, and get the allow-listed environment only.
 */
function localSandbox(home: string, toolCache: string): Pick<LocalRunnerOptions, "hostEnv" | "sandbox"> {
  // No probe first (a whole bubblewrap start): a job whose sandbox cannot start fails, saying why.
  return {
    hostEnv: hostEnvForJobs(process.env),
    sandbox: {
      hidden: [home, cacheHome(), ...HOME_CREDENTIALS.map((p) => join(homedir(), p))],
      readOnly: [toolCache, join(home, "actions", "checkouts")],
      writable: [],
    },
  };
}

export function runActionStore(home: string, actionMirror?: string): ActionStore {
  return openActionStore(home, actionMirrorFor(home, actionMirror));
}

/** Jobs to run for --job: the job and everything it needs, transitively. */
export function jobClosure(wf: LoadedWorkflow, id: string): Set<string> | undefined {
  const byId = new Map(wf.template.jobs.map((j) => [j.id.value, j]));
  if (!byId.has(id)) return undefined;
  const out = new Set<string>();
  const visit = (j: string) => {
    if (out.has(j)) return;
    out.add(j);
    for (const n of byId.get(j)?.needs ?? []) visit(n.value);
  };
  visit(id);
  return out;
}

/**
 * The payload one workflow's run sees: a dispatch carries its inputs (as strings), and a schedule
 * without a cron in its payload is the workflow's first cron (github.event.schedule).
 */
function eventPayloadFor(
  wf: LoadedWorkflow,
  event: { name: string; payload: { [key: string]: Json } },
  dispatchInputs: Record<string, string> | undefined,
): { [key: string]: Json } {
  if (dispatchInputs) return { ...event.payload, inputs: dispatchInputs };
  const cron = wf.template.events.schedule?.[0]?.cron;
  if (event.name === "schedule" && event.payload.schedule === undefined && cron !== undefined) {
    return { ...event.payload, schedule: cron };
  }
  return event.payload;
}

/**
 * Runs every workflow the event matches, in the checkout at `cwd`, and reports them.
 * Throws UsageError for bad input (unknown job, invalid dispatch inputs).
 */
/** What an event starts: the workflows it matches, and the files with errors that it would start. */
export interface MatchedWorkflows {
  event: LocalEvent;
  matched: LoadedWorkflow[];
  broken: LoadedFile[];
}

/**
 * The workflows the event starts in the checkout (with --job: those holding the job), without
 * running anything. Throws UsageError for a bad ref or a job no matching workflow has.
 */
export function matchWorkflows(
  opts: Pick<RunWorkflowsOptions, "workflows" | "invalid" | "event" | "eventPayload" | "ref" | "job">,
  repo: LocalRepo,
): MatchedWorkflows {
  const event = buildLocalEvent(repo, opts.event, opts.ref, opts.eventPayload);
  const trigger = {
    name: event.name,
    payload: event.payload,
    ref: event.filterRef,
    changedFiles: event.changedFiles,
  };
  let matched = opts.workflows.filter((wf) => workflowMatches(wf.template.events, trigger));
  let broken = (opts.invalid ?? []).filter((f) => fileWouldRun(f, trigger));
  if (opts.job) {
    const job = opts.job;
    matched = matched.filter((wf) => jobClosure(wf, job));
    // A file that cannot be read far enough to know its jobs might hold this one.
    broken = broken.filter((f) => !f.workflow || jobClosure(f.workflow, job));
    if (matched.length + broken.length === 0)
      throw new UsageError(`No workflow matching the event has a job '${job}'`);
  }
  return { event, matched, broken };
}

export async function runWorkflows(opts: RunWorkflowsOptions): Promise<RunReport> {
  const repo = opts.repo ?? readLocalRepo(opts.cwd);
  const { event, matched, broken } = matchWorkflows(opts, repo);
  const home = gantryHome();
  const actionStore = runActionStore(home, opts.actionMirror);
  const runsDir = join(home, "runs");
  const trash = join(home, "runs-trash");
  mkdirSync(runsDir, { recursive: true });
  const bus = opts.bus ?? new EventBus();
  const cancellation = opts.cancellation ?? new Cancellation();
  const slots = new Semaphore(Math.max(1, opts.maxJobs ?? availableParallelism()));
  const concurrency = opts.concurrency ?? new MemoryConcurrencyGroups();
  const repository = `${repo.owner}/${repo.name}`;
  const cachePolicy = cachePolicyFor(home);
  const cache = new FsCacheStore({ root: cacheHome(), eviction: cachePolicy });
  const artifacts = new FsArtifactStore({ root: join(home, "artifacts") });
  const services = new ActionsServer({
    cache,
    stagingDir: join(cacheHome(), "tmp"),
    maxCacheEntrySize: cachePolicy.maxSize,
    artifacts,
    maxArtifactSize: maxArtifactSize(),
  });
  const toolCache = process.env.RUNNER_TOOL_CACHE || join(home, "tool-cache");
  const runner = new LocalRunner({
    runsDir,
    sourceDir: repo.root,
    repositoryName: repo.name,
    toolCache,
    ...(opts.isolation === "sandbox" ? localSandbox(home, toolCache) : { prepareAhead: true }),
    actions: new ActionRunner(
      new BuiltInActions({ cache, artifacts, repositories: actionStore }),
      actionStore,
    ),
    graceMs: Number(process.env.GANTRY_CANCEL_GRACE_MS) || 7500,
    debug: process.env.RUNNER_DEBUG === "1" || opts.secrets?.ACTIONS_STEP_DEBUG === "true",
    services,
  });

  const host = new HostLabels(opts.platforms);
  const executor: JobExecutor = {
    runJob: (request) => (opts.dryRun ? runJobDry(request) : runner.runJob(request)),
    declines: (job, contexts) => host.declines(job, contexts),
  };

  // Check every workflow's inputs before anything runs, so bad input never starts half a run.
  // GitHub dispatches one workflow at a time: an input that another matched workflow declares is
  // meant for that one, while an input no workflow declares is unexpected everywhere.
  const declared = new Set(matched.flatMap(dispatchInputNames));
  const prepared = matched.map((wf) => {
    if (event.name !== "workflow_dispatch") return { wf, dispatch: undefined };
    const own = new Set(dispatchInputNames(wf));
    const given = Object.entries(opts.inputs ?? {}).filter(([k]) => own.has(k) || !declared.has(k));
    return { wf, dispatch: resolveDispatchInputs(wf, Object.fromEntries(given)) };
  });
  const readRemoteFile: ReadRemoteFile =
    opts.readRemoteFile ?? ((owner, name, path, ref) => actionStore.readFile(owner, name, ref, path));
  const loadCalledWorkflow = calledWorkflowLoader(repo.root, readRemoteFile);
  const problems: Problem[] = prepared.flatMap(({ dispatch }) => dispatch?.errors ?? []);
  if (problems.length > 0) throw new UsageError("invalid workflow_dispatch inputs", problems);

  const runs = prepared.map(async ({ wf, dispatch }) => {
    const runId = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
    const payload = eventPayloadFor(wf, event, dispatch?.eventInputs);
    // --secret GITHUB_TOKEN=… when given, else a placeholder (masked) for actions that need one.
    const token = opts.secrets?.GITHUB_TOKEN || placeholderGithubToken();
    const github = buildGithubContext({
      owner: repo.owner,
      repo: repo.name,
      actor: repo.actor,
      event,
      payload,
      runId,
      runNumber: nextRunNumber(home, repository, !opts.dryRun),
      workflowName: wf.name,
      workflowFile: wf.file,
      token,
    });
    return runWorkflow({
      runId,
      workflow: buildWorkflowDef(wf),
      github,
      inputs: dispatch?.inputs ?? {},
      vars: opts.vars ?? {},
      secrets: { ...(opts.secrets ?? {}), GITHUB_TOKEN: token },
      onlyJobs: opts.job ? jobClosure(wf, opts.job) : undefined,
      matrixFilter: opts.matrix,
      executor,
      bus,
      cancellation,
      slots,
      logPath: opts.logPath ? (key, name) => opts.logPath?.(key, name, wf.file) : undefined,
      loadCalledWorkflow,
      concurrency,
    }).finally(() => {
      // Out of the way at once; deleted in the background once every run is done (removeTrash).
      if (process.env.GANTRY_KEEP_WORKSPACE !== "1") discardDir(join(runsDir, runId), trash);
    });
  });
  const failed = broken.map(
    (f): WorkflowRunReport => ({
      runId: `${Date.now()}${Math.floor(Math.random() * 1000)}`,
      workflow: f.workflow?.name ?? f.file,
      file: f.file,
      event: event.name,
      ref: event.ref,
      sha: event.sha,
      status: "completed",
      conclusion: "failure",
      jobs: [],
      problems: f.problems.filter((p) => p.severity === "error").map(formatProblem),
    }),
  );
  try {
    const all = [...(await Promise.all(runs)), ...failed];
    return { runs: all.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)) };
  } finally {
    await services.close();
    // This call's run folders, and what an earlier call left when it was killed, in a process of
    // their own: the summary and report are not held up, nor is anything else on the event loop.
    removeTrash(trash);
  }
}
