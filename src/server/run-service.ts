import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AuditTrail } from "../audit/index.js";
import type { EnvironmentEntry } from "../engine/index.js";
import {
  buildGithubContext,
  Cancellation,
  calledWorkflowLoader,
  defaultRunTitle,
  EventBus,
  evaluateRunName,
  hasRunName,
  MemoryConcurrencyGroups,
  placeholderGithubToken,
  type ReadRemoteFile,
  runWorkflow,
  Semaphore,
} from "../engine/index.js";
import type { Json } from "../expressions/index.js";
import type { IssuedJobTokens } from "../identity/index.js";
import type { ActionProvider, JobServices } from "../runner/index.js";
import { discardDir, LocalRunner, removeTrash, removeTrashSoon } from "../runner/index.js";
import type { SecretVault } from "../secrets/index.js";
import type { Conclusion, Repo, Run, Store } from "../store/index.js";
import type { RepoEvent } from "../triggers/index.js";
import {
  buildWorkflowDef,
  fileSizeProblem,
  formatProblem,
  type LoadedWorkflow,
  loadWorkflowFiles,
  type Problem,
  workflowMatches,
} from "../workflow/index.js";
import type { ServerConfig } from "./config.js";
import { Deployments } from "./deployments.js";
import { EnvironmentGate } from "./environment-gate.js";
import { enterEnvironment } from "./environments.js";
import { type GateClock, SYSTEM_CLOCK } from "./gate-clock.js";
import { HttpError } from "./http-error.js";
import { jobCredentials, jobTokenName } from "./job-credentials.js";
import type { JobIsolation } from "./job-isolation.js";
import type { JobLogs } from "./job-logs.js";
import type { LiveHub } from "./live-hub.js";
import { PoolExecutor } from "./pool-executor.js";
import { groupJobs, priorJobs, topJobId } from "./prior-jobs.js";
import type { ProcessLedger } from "./process-ledger.js";
import { loadPushedWorkflow, peekPushedWorkflow, takePushedWorkflow } from "./pushed-workflows.js";
import { type RemoteJobs, RUNNER_LOST } from "./remote-jobs.js";
import type { RepoClones } from "./repo-clones.js";
import type { RunNotes } from "./run-notes.js";
import { RunRecorder } from "./run-recorder.js";
import type { RunnerPool } from "./runner-pool.js";
import type { Serial } from "./serial.js";
import type { Signals } from "./signals.js";
import { chainDepthOf, chainLimitReason, type WorkflowFile, WorkflowRunChain } from "./workflow-run-chain.js";

export interface RunServiceDeps {
  store: Store;
  serial: Serial;
  clones: RepoClones;
  pool: RunnerPool;
  logs: JobLogs;
  hub: LiveHub;
  /** Wake-ups between this server's parts and its peers on one database (signals.ts). */
  signals: Signals;
  /** Jobs on runner machines (remote-jobs.ts). */
  remote?: RemoteJobs;
  dataDir: string;
  config: ServerConfig;
  actions: ActionProvider;
  /** The Actions cache and artifact services every job's steps get, when the server has them. */
  services?: JobServices;
  readRemoteFile: ReadRemoteFile;
  /** The process groups jobs have started, for ending what a crash left running. */
  processes: ProcessLedger;
  /** Where annotations and step summaries are kept. */
  notes?: RunNotes;
  /** The server's URL once it listens, for the `url` fields of workflow_run payloads. */
  baseUrl?: () => string;
  /** The jobs' environment and sandbox (job-isolation.ts). */
  isolation: JobIsolation;
  /** Actions secrets and variables (server-wide, repositories', environments'), encrypted at rest. */
  vault: SecretVault;
  /** The audit trail: an environment a job creates on first use is recorded there. */
  audit?: AuditTrail;
  /** The clock of the environments' wait timers (gate-clock.ts); the system's by default. */
  gateClock?: GateClock;
  /**
   * This server's id where several servers share the database (server-presence.ts): each run it
   * starts records that it drives it, and recovery takes only runs of dead servers. Without it the
   * server is the database's only one.
   */
  serverId?: string;
  /** The job tokens this server issued whose jobs run (IssuedJobTokens): its services look there first. */
  issuedJobTokens?: IssuedJobTokens;
}

/**
 * What a re-run runs again: every job, the jobs that did not succeed and those that need them, or
 * one job (its top-level id) and those that need it; the others keep their results and outputs.
 */
export type RerunSelection = "all" | "failed" | { job: string };

/** A run's workflow as its event parsed it, with the content it was parsed from and its problems. */
interface ParsedWorkflow {
  workflow: LoadedWorkflow;
  content: string;
  problems: Problem[];
}

/** The events whose runs make their sender a known contributor (fork_approval first_time_contributors). */
const CONTRIBUTIONS = new Set(["pull_request", "push", "create", "delete", "release"]);

export { RUNNER_LOST };

function now(): string {
  return new Date().toISOString();
}

function once<T>(fn: () => T): () => T {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: fn() };
    return value.v;
  };
}

/** The branch or tag a run is for, as GitHub's head_branch. */
function headBranchOf(event: RepoEvent): string {
  return event.headRef || event.ref.replace(/^refs\/(heads|tags)\//, "");
}

/**
 * Runs on the server: events become stored runs, runs go through the engine with jobs queued for
 * the runner pool, and their states land in the store. Cancel, re-run and crash recovery live here.
 */
export class RunService {
  private active = new Map<
    number,
    {
      cancellation: Cancellation;
      done: Promise<void>;
      /** The attempt's events once it runs, and its workflow's name. */
      bus?: EventBus;
      workflow?: string;
      /** Who cancelled it, said on its bus (at once, or once it has one). */
      cancelNote?: string;
    }
  >();
  /** Runs a re-run is starting the next attempt of. */
  private readonly rerunning = new Set<number>();
  /** Workflow- and job-level `concurrency:` groups, shared by every run of this server. */
  private readonly groups = new MemoryConcurrencyGroups();
  /**
   * Resolves when the run started last has asked for its concurrency groups. Runs prepare their
   * checkouts side by side but enter groups in the order they were started, so a later push is
   * always the newer request in its group.
   */
  private admission: Promise<void> = Promise.resolve();

  /** workflow_run: each run's requested, in_progress and completed start the workflows that listen. */
  private readonly chain: WorkflowRunChain;
  /** The environments' protection rules a job waits on (wait timer, reviewers) and their reviews. */
  readonly gate: EnvironmentGate;
  /** Deployments (the API's and the jobs') and their events. */
  readonly deployments: Deployments;

  constructor(private readonly deps: RunServiceDeps) {
    this.gate = new EnvironmentGate({ store: deps.store, clock: deps.gateClock ?? SYSTEM_CLOCK });
    this.chain = new WorkflowRunChain({
      store: deps.store,
      clones: deps.clones,
      baseUrl: deps.baseUrl ?? (() => ""),
      log: (message) => process.stderr.write(`gantry serve: ${message}\n`),
      handleEvent: (repo, event, files) => this.handleEvent(repo, event, files),
    });
    this.deployments = new Deployments({
      store: deps.store,
      baseUrl: deps.baseUrl ?? (() => ""),
      log: (message) => process.stderr.write(`gantry serve: ${message}\n`),
      handleEvent: (repo, event) => this.handleEvent(repo, event),
    });
  }

  /**
   * Reads the workflows at the event's commit from the server's clone, matches `on:` as gantry run
   * does and queues a run for each workflow that matches. A workflow with errors that the event
   * would start (or that cannot be read far enough to tell, on a push) becomes a failed run whose
   * problems name file:line:col. `files`: the workflows to match, when the caller has read them.
   */
  async handleEvent(repo: Repo, event: RepoEvent, given?: WorkflowFile[]): Promise<Run[]> {
    const files = given ?? (await this.deps.clones.readWorkflows(repo, event.sha));
    const trigger = {
      name: event.name,
      payload: event.payload,
      ref: event.filterRef,
      changedFiles: once(event.changedFiles),
    };
    const runs: Run[] = [];
    for (const { file, content } of files) {
      // Looked at through a parse kept for looks (most pushes carry the same files as the last);
      // a run gets a parse of its own.
      const seen = await peekPushedWorkflow(file, content);
      let matches: boolean;
      let unmatchable: string | undefined;
      try {
        matches = seen.workflow
          ? workflowMatches(seen.workflow.template.events, trigger)
          : event.name === "push";
      } catch (err) {
        unmatchable = `${file}:1:1: ${(err as Error).message}`;
        matches = event.name === "push";
      }
      if (!matches) continue;
      const loaded = seen.workflow ? await takePushedWorkflow(file, content) : seen;
      const errors = loaded.problems.filter((p) => p.severity === "error").map(formatProblem);
      if (unmatchable) errors.push(unmatchable);
      const workflow = {
        file,
        name: loaded.workflow?.name ?? file,
        loaded: loaded.workflow,
        source: { content, problems: loaded.problems },
      };
      runs.push(await this.queueRun(repo, event, workflow, {}, errors));
    }
    return runs;
  }

  /**
   * Stores a run of one workflow for the event and starts it (a run with problems is failed at once).
   * A workflow_run past GitHub's three chained levels is stored as skipped, saying why, and not started.
   * `workflow.source`: the content `loaded` was parsed from, and its problems: the run starts from
   * that parse when its commit holds that content (see readPlainWorkflow), rather than parsing again.
   */
  async queueRun(
    repo: Repo,
    event: RepoEvent,
    workflow: {
      file: string;
      name: string;
      loaded?: LoadedWorkflow;
      source?: { content: string; problems: Problem[] };
    },
    inputs: Record<string, Json>,
    problems: string[] = [],
  ): Promise<Run> {
    const { store, serial, hub } = this.deps;
    const sender = event.payload.sender as { login?: string } | undefined;
    const actor = typeof sender?.login === "string" ? sender.login : "gantry";
    const chainDepth = await chainDepthOf(store, event);
    const refused = chainLimitReason(chainDepth, event);
    if (refused) {
      problems = [...problems, `${workflow.file}: ${refused}`];
      const repoName = `${repo.owner}/${repo.name}`;
      process.stderr.write(`gantry serve: ${repoName}: ${workflow.name} (${workflow.file}) ${refused}\n`);
    }
    const failed = problems.length > 0;
    const conclusion = refused ? "skipped" : failed ? "failure" : null;
    // A fork's pull request is untrusted input (pull_request_target runs the base's own workflows).
    const fork = event.name === "pull_request" && event.fork === true;
    // GitHub's "approve and run": the repository's fork_approval may hold a fork's run for an admin.
    const waits = !failed && fork && (await this.needsApproval(repo, actor));
    // The run's title: its run-name (github, inputs and vars, as GitHub gives it), else the commit
    // message, PR title or workflow name. A run-name that fails to evaluate is said as the run's
    // annotation when it runs. The vars are read only for a workflow that has a run-name.
    const named = workflow.loaded !== undefined && hasRunName(workflow.loaded);
    const vars =
      fork || !named ? {} : { ...this.deps.config.vars, ...(await this.deps.vault.variablesFor(repo.id)) };
    const run = await serial.run(() =>
      store.createRun(
        {
          repoId: repo.id,
          workflowName: workflow.name,
          workflowFile: workflow.file,
          event: event.name,
          ref: event.ref,
          headBranch: headBranchOf(event),
          headSha: event.sha,
          // Started at once (execute, below): stored in_progress, started now, in the same write.
          status: failed || waits ? "completed" : "in_progress",
          conclusion: waits ? "action_required" : conclusion,
          actor,
          github: {},
          inputs,
          problems,
          chainDepth,
          fork,
          serverId: this.deps.serverId,
        },
        // Its github context and title follow from its id and number: stored with the row.
        (made) => {
          const github = buildGithubContext({
            owner: repo.owner,
            repo: repo.name,
            actor,
            event,
            payload: event.payload,
            runId: String(made.id),
            runNumber: made.runNumber,
            workflowName: workflow.name,
            workflowFile: workflow.file,
          });
          const displayTitle =
            (workflow.loaded && evaluateRunName(workflow.loaded, { github, inputs, vars }).title) ||
            defaultRunTitle(workflow.name, event.payload);
          return { github, displayTitle };
        },
      ),
    );
    hub.publish({
      type: failed || waits ? "run:completed" : "run:queued",
      runId: run.id,
      conclusion: run.conclusion,
    });
    if (refused) return run;
    if (waits) {
      process.stderr.write(
        `gantry serve: ${repo.owner}/${repo.name}: run ${run.id} (${workflow.name}) of ${actor}'s fork waits for an admin's approval: POST /api/v1/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}/approve\n`,
      );
      return run;
    }
    // workflow_run requested says the run as it was queued, as GitHub's does.
    this.chain.fire(failed ? run : { ...run, status: "queued", startedAt: null }, "requested", repo);
    if (failed) this.chain.fire(run, "completed", repo);
    const { loaded, source } = workflow;
    this.start(run, { repo, parsed: loaded && source ? { workflow: loaded, ...source } : undefined });
    return run;
  }

  /**
   * Whether a fork's run by this sender waits for an admin (the repository's fork_approval): always
   * under `all`; under `first_time_contributors` while none of the sender's runs in the repository
   * has run (an approved run, or one that needed no approval, makes them a known contributor).
   * Only runs of what takes a contributor count (a pull request that ran, a push, a ref or a
   * release): not pull_request_target, nor the workflow_run runs after it, which anyone who opens a
   * pull request starts.
   */
  private async needsApproval(repo: Repo, actor: string): Promise<boolean> {
    if (repo.forkApproval === "none") return false;
    if (repo.forkApproval === "all") return true;
    const { runs } = await this.deps.store.listRuns({ repoId: repo.id, actor, perPage: 100 });
    return !runs.some((r) => CONTRIBUTIONS.has(r.event) && r.conclusion !== "action_required");
  }

  /**
   * Starts a fork's run that waits for approval (action_required), as GitHub's approve: false when
   * the run is not waiting (never approved twice: the check and the change are one step).
   */
  async approve(run: Run): Promise<boolean> {
    const { store, serial, hub } = this.deps;
    const approved = await serial.run(async () => {
      const current = await store.getRun(run.id);
      if (current?.status !== "completed" || current.conclusion !== "action_required") return undefined;
      await store.updateRun(run.id, {
        status: "queued",
        conclusion: null,
        completedAt: null,
        ...this.driven(),
      });
      return { ...current, status: "queued" as const, conclusion: null, completedAt: null };
    });
    if (!approved) return false;
    hub.publish({ type: "run:queued", runId: run.id, attempt: approved.runAttempt });
    this.chain.fire(approved, "requested");
    this.start(approved);
    return true;
  }

  /** The store's patch that records this server as the run's driver (several servers only). */
  private driven(): { serverId?: string } {
    return this.deps.serverId ? { serverId: this.deps.serverId } : {};
  }

  /** Whether the run is going through the engine in this process. */
  isActive(runId: number): boolean {
    return this.active.has(runId);
  }

  /** Resolves when every run this process is running has finished. */
  async whenIdle(): Promise<void> {
    while (this.active.size > 0 || this.chain.busy || this.deployments.busy) {
      await Promise.all([...this.active.values()].map((a) => a.done));
      await this.chain.idle();
      await this.deployments.idle();
    }
    await this.deps.serial.idle();
  }

  /**
   * Runs `run` in the background. `made`: the run was made just now (queueRun), by a caller that has
   * its repository, and stored in_progress and started as it was made; it has no jobs yet, so none
   * is read (a round trip each on PostgreSQL). `parsed`: its workflow as its event parsed it.
   */
  private start(run: Run, made?: { repo: Repo; parsed?: ParsedWorkflow }): void {
    if (run.status === "completed" || this.active.has(run.id)) return;
    const cancellation = new Cancellation();
    const turn = this.admission;
    let admitted = () => {};
    const own = new Promise<void>((resolve) => {
      admitted = resolve;
    });
    this.admission = turn.then(() => own);
    const done = this.execute(run, cancellation, turn, admitted, made)
      .catch(async (err) => {
        // Whatever went wrong, the run ends recorded (failed, with the reason), never stuck.
        await this.finish(run, "failure", [`gantry: ${(err as Error).message}`]).catch(() => undefined);
      })
      .finally(() => {
        admitted();
        this.active.delete(run.id);
      });
    this.active.set(run.id, { cancellation, done });
  }

  private async finish(run: Run, conclusion: Conclusion, problems?: string[]): Promise<void> {
    const { store, serial, hub } = this.deps;
    const completed = await serial.run(async () => {
      await store.updateRun(run.id, {
        status: "completed",
        conclusion,
        completedAt: now(),
        ...(problems ? { problems } : {}),
      });
      return store.getRun(run.id);
    });
    hub.publish({ type: "run:completed", runId: run.id, conclusion });
    if (completed) this.chain.fire(completed, "completed");
  }

  private async execute(
    run: Run,
    cancellation: Cancellation,
    turn: Promise<void>,
    admitted: () => void,
    made?: { repo: Repo; parsed?: ParsedWorkflow },
  ): Promise<void> {
    const { store, serial, clones, dataDir, hub, config } = this.deps;
    const repo = made?.repo ?? (await store.getRepoById(run.repoId));
    if (!repo) throw new Error(`the run's repository (id ${run.repoId}) is gone`);
    const tag = `${run.id}-${run.runAttempt}`;
    const source = join(dataDir, "sources", tag);
    const work = join(dataDir, "work", tag);
    const trash = join(dataDir, "work-trash");
    const startedAt = run.startedAt ?? now();
    // A run made just now was stored started (createRun): no update of it here.
    if (!made)
      await serial.run(() => store.updateRun(run.id, { status: "in_progress", startedAt, ...this.driven() }));
    hub.publish({ type: "run:started", runId: run.id, attempt: run.runAttempt });
    // A run that was under way already (recovered, adopted from a dead server) said so before.
    if (made || run.status !== "in_progress")
      this.chain.fire({ ...run, status: "in_progress", startedAt }, "in_progress", repo);
    // The run's commit checked out (its source: what actions/checkout copies, local actions and
    // called workflows) only when a job uses an action or a workflow: a workflow of `run:` steps
    // alone reads nothing of it, and is read from the clone instead.
    let checkedOut = false;
    try {
      const read = await this.readPlainWorkflow(repo, run, made?.parsed);
      let loaded: { workflows: LoadedWorkflow[]; problems: Problem[] };
      if (read) {
        loaded = { workflows: [read.workflow], problems: read.problems };
      } else {
        checkedOut = true;
        await clones.addWorktree(repo, run.headSha, source);
        // The same loading and checks gantry run makes, on the run's commit.
        loaded = await loadWorkflowFiles([join(source, run.workflowFile)], source, loadPushedWorkflow);
      }
      const errors = loaded.problems.filter((p) => p.severity === "error");
      const wf = loaded.workflows[0];
      if (errors.length > 0 || !wf) {
        await this.finish(run, "failure", errors.map(formatProblem));
        return;
      }
      // What an earlier attempt of this tag left (a crash): out of the way, deleted in the background.
      // Only then an `rm` now: a process start on the way to the first step (the spawn helper's
      // fork, which the step's own spawn waits behind), and what the trash holds otherwise (an
      // earlier run's folder, under deletion already) goes with the `rm` at this run's end.
      if (discardDir(work, trash)) removeTrash(trash);
      // The run's secrets and variables: the config file's (in clear text, lowest), then the
      // server-wide, then the repository's; a job's environment adds its own (enterEnvironment).
      // A fork's pull_request run gets none, as on GitHub.
      const stored = run.fork ? { secrets: {}, vars: {} } : await this.deps.vault.jobSecrets(repo.id);
      const secrets: Record<string, string> = run.fork ? {} : { ...config.secrets, ...stored.secrets };
      const vars: Record<string, string> = run.fork ? {} : { ...config.vars, ...stored.vars };
      const graceMs = Number(process.env.GANTRY_CANCEL_GRACE_MS) || 7500;
      // A secret or a variable: a fork's run has neither (GitHub's step debug logging).
      const debug = secrets.ACTIONS_STEP_DEBUG === "true" || vars.ACTIONS_STEP_DEBUG === "true";
      const runner = new LocalRunner({
        runsDir: work,
        sourceDir: source,
        repositoryName: repo.name,
        ...this.deps.isolation,
        actions: this.deps.actions,
        graceMs,
        debug,
        services: this.deps.services,
        onProcessGroup: (jobKey, pid) => this.deps.processes.record(run.id, run.runAttempt, jobKey, pid),
      });
      const bus = new EventBus();
      const recorder = new RunRecorder(this.deps, run, bus, made !== undefined);
      const entry = this.active.get(run.id);
      if (entry) {
        Object.assign(entry, { bus, workflow: wf.name });
        if (entry.cancelNote) this.announceCancel(run.id, entry.cancelNote);
      }
      // Each job gets its own GITHUB_TOKEN for this server's API (job-credentials.ts), issued as it
      // starts and revoked as it ends. The config's GITHUB_TOKEN secret (a github.com token, say)
      // overrides it, but never for a fork's run. The run's own token (the one its jobs' `if` and
      // the stored context see) is that override or a placeholder, new for each attempt, never
      // stored (the stored github context keeps token '').
      const configured = secrets.GITHUB_TOKEN || undefined;
      const credentials = configured
        ? undefined
        : jobCredentials(
            {
              store,
              baseUrl: this.deps.baseUrl ?? (() => ""),
              log: (message) => process.stderr.write(`gantry serve: ${message}\n`),
              ...(this.deps.issuedJobTokens ? { issued: this.deps.issuedJobTokens } : {}),
            },
            run,
          );
      const executor = new PoolExecutor(this.deps, recorder, runner, credentials, {
        repository: { owner: repo.owner, name: repo.name },
        sha: run.headSha,
        debug,
        graceMs,
      });
      const prior = priorJobs(made ? [] : await store.listJobs(run.id, run.runAttempt), run.workflowFile);
      await turn;
      const token = configured ?? placeholderGithubToken();
      // runWorkflow asks for the run's concurrency group before it first awaits.
      const running = runWorkflow({
        runId: String(run.id),
        workflow: buildWorkflowDef(wf),
        github: { ...run.github, run_attempt: String(run.runAttempt), token },
        inputs: run.inputs,
        // As on GitHub, a fork's pull_request run (each attempt) gets no secrets and no variables:
        // GITHUB_TOKEN only, each job's read-only (jobTokenPermissions caps it).
        vars,
        secrets: { ...secrets, GITHUB_TOKEN: token },
        // A job's environment: created on first use; its branch policy decides on the run's ref
        // before any step (a fork's run too), then its wait timer and reviewers hold the job
        // (environment-gate.ts); its secrets and variables only then, and never a fork's. Then its
        // deployment (unless `deployment: false`), whose statuses follow the job (deployments.ts).
        enterEnvironment: async (request): Promise<EnvironmentEntry> => {
          const entry = await enterEnvironment(store, this.deps.audit, repo, request.name, run);
          if (entry.refused !== undefined) return entry;
          const held = await this.gate.hold(run, entry.environment, request);
          if (held) return held;
          const given = run.fork
            ? { secrets: {}, vars: {} }
            : await this.deps.vault.jobSecrets(repo.id, request.name);
          const deployment =
            request.deployment && !request.cancellation.cancelled
              ? await this.deployments.start(repo, run, request, bus)
              : undefined;
          return { ...given, leave: async (outcome) => deployment?.finish(outcome) };
        },
        executor,
        bus,
        cancellation,
        // The pool's slots bound the jobs; the engine queues every ready job.
        slots: new Semaphore(Number.MAX_SAFE_INTEGER),
        loadCalledWorkflow: calledWorkflowLoader(source, this.deps.readRemoteFile, loadPushedWorkflow),
        prior,
        concurrency: this.groups,
      });
      admitted();
      const report = await running;
      await serial.idle();
      await this.finish(run, report.conclusion as Conclusion);
    } finally {
      // A worktree an earlier attempt of this tag left (a crash) goes too.
      if (checkedOut || existsSync(source)) await clones.removeWorktree(repo, source).catch(() => undefined);
      // The jobs' folders go in a process of their own, never on the server's event loop.
      if (process.env.GANTRY_KEEP_WORKSPACE !== "1") {
        discardDir(work, trash);
        removeTrashSoon(trash);
      }
    }
  }

  /**
   * The run's workflow read from the clone, when it needs no checkout of the run's commit: a
   * regular file under the size limit whose jobs use no action and no workflow (see execute), so
   * that loading it from a checkout would find nothing more. Undefined otherwise. When the file
   * holds what its event parsed (`parsed`), that parse is taken rather than made again.
   */
  private async readPlainWorkflow(
    repo: Repo,
    run: Run,
    parsed?: ParsedWorkflow,
  ): Promise<{ workflow: LoadedWorkflow; problems: Problem[] } | undefined> {
    const content = await this.deps.clones.readRegularFile(repo, run.headSha, run.workflowFile);
    if (content === undefined || fileSizeProblem(run.workflowFile, Buffer.byteLength(content)))
      return undefined;
    const loaded =
      parsed?.content === content
        ? { workflow: parsed.workflow, problems: parsed.problems }
        : await loadPushedWorkflow(run.workflowFile, content);
    const wf = loaded.workflow;
    if (!wf) return undefined;
    const uses = wf.template.jobs.some(
      (job) =>
        job.type === "reusableWorkflowJob" ||
        job.steps.some((step) => (step as { uses?: unknown }).uses !== undefined),
    );
    if (uses) return undefined;
    // In the order loadWorkflowFiles gives a file's problems.
    const problems = [...loaded.problems].sort((a, b) => a.line - b.line || a.col - b.col);
    return { workflow: wf, problems };
  }

  /**
   * Cancels a run: "completed" when there is nothing left to cancel. `by` (the token's name) is
   * said in the run's annotation, as GitHub's "The run was canceled by @user."
   */
  async cancel(run: Run, by: string): Promise<"accepted" | "completed"> {
    if (run.status === "completed") return "completed";
    const note = `The run was canceled by @${by}.`;
    const active = this.active.get(run.id);
    if (!active) {
      await this.finish(run, "cancelled", [...run.problems, note]);
      return "accepted";
    }
    if (!active.cancelNote) {
      active.cancelNote = note;
      this.announceCancel(run.id, note);
    }
    active.cancellation.cancel();
    return "accepted";
  }

  /** Says who cancelled a running run as its annotation (kept with its problems by the recorder). */
  private announceCancel(runId: number, note: string): void {
    const active = this.active.get(runId);
    active?.bus?.emit("run:annotation", {
      runId: String(runId),
      workflow: active.workflow ?? "",
      level: "error",
      text: note,
    });
  }

  /**
   * Runs a completed run again as its next attempt: every job, the failed ones, or one job, with
   * what needs them (see RerunSelection), keeping the other jobs' results and outputs.
   */
  async rerun(run: Run, which: RerunSelection): Promise<Run | "running"> {
    if (run.status !== "completed" || this.rerunning.has(run.id)) return "running";
    if (run.conclusion === "action_required") {
      throw new HttpError(403, "This workflow run waits for an admin's approval: approving it runs it.");
    }
    // One re-run of a run at a time: a second request while the first starts is refused.
    this.rerunning.add(run.id);
    try {
      // Completed in the store, still tidying up (its worktree) here: the re-run waits for that.
      await this.active.get(run.id)?.done;
      if (this.active.has(run.id)) return "running";
      return await this.nextAttempt(run, which);
    } finally {
      this.rerunning.delete(run.id);
    }
  }

  private async nextAttempt(run: Run, which: RerunSelection): Promise<Run> {
    const { store, serial, clones } = this.deps;
    const attempt = run.runAttempt + 1;
    if (which !== "all") {
      const repo = await store.getRepoById(run.repoId);
      const jobs = await store.listJobs(run.id, run.runAttempt);
      const needs = new Map<string, string[]>();
      if (repo) {
        const content = await clones.readFile(repo, run.headSha, run.workflowFile).catch(() => "");
        const loaded = content ? await loadPushedWorkflow(run.workflowFile, content) : undefined;
        for (const j of loaded?.workflow?.template.jobs ?? []) {
          needs.set(
            j.id.value,
            (j.needs ?? []).map((n) => n.value),
          );
        }
      }
      const groups = groupJobs(jobs, run.workflowFile);
      const kept = new Map<string, boolean>();
      // Failed jobs: a job is kept when every leg succeeded (or was skipped) and so was each of its
      // needs. One job: it and every job that needs it, directly or not, run again.
      const keeps = (id: string, seen = new Set<string>()): boolean => {
        const known = kept.get(id);
        if (known !== undefined) return known;
        if (seen.has(id)) return false;
        seen.add(id);
        const legs = groups.get(id) ?? [];
        const ok =
          which === "failed"
            ? legs.length > 0 &&
              legs.every((j) => j.conclusion === "success" || j.conclusion === "skipped") &&
              (needs.get(id) ?? []).every((n) => keeps(n, seen))
            : id !== which.job && (needs.get(id) ?? []).every((n) => keeps(n, seen));
        kept.set(id, ok);
        return ok;
      };
      await serial.run(async () => {
        for (const job of jobs) {
          if (!keeps(topJobId(job.key, run.workflowFile))) continue;
          const copy = await store.putJob({
            runId: run.id,
            runAttempt: attempt,
            key: job.key,
            name: job.name,
            status: "completed",
            conclusion: job.conclusion,
            matrix: job.matrix,
            outputs: job.outputs,
            logPath: job.logPath ?? undefined,
            startedAt: job.startedAt,
            completedAt: job.completedAt,
          });
          await store.updateJob(copy.id, { labels: job.labels, runnerName: job.runnerName });
          const steps = await store.listSteps(job.id);
          await store.putSteps(
            copy.id,
            steps.map((s) => ({ ...s, jobId: copy.id })),
          );
        }
      });
    }
    const next: Run = {
      ...run,
      runAttempt: attempt,
      status: "queued",
      conclusion: null,
      startedAt: null,
      completedAt: null,
      problems: [],
    };
    await serial.run(async () => {
      // The attempt it replaces keeps its own state (GET …/runs/{id}/attempts/{n}, ?attempt=n).
      const ended = (await store.getRun(run.id)) ?? run;
      await store.putRunAttempt({
        runId: run.id,
        attempt: run.runAttempt,
        status: ended.status,
        conclusion: ended.conclusion,
        actor: ended.actor,
        problems: ended.problems,
        startedAt: ended.startedAt,
        completedAt: ended.completedAt,
        updatedAt: ended.updatedAt,
      });
      await store.updateRun(run.id, {
        runAttempt: attempt,
        status: "queued",
        conclusion: null,
        startedAt: null,
        completedAt: null,
        problems: [],
        ...this.driven(),
      });
    });
    this.deps.hub.publish({ type: "run:queued", runId: run.id, attempt });
    this.start(next);
    return next;
  }

  /**
   * After a crash: a job that was running lost its runner, so it is failed with that reason (or
   * queued again while the configured retries last); then every unfinished run goes on from
   * where its jobs stand. With several servers on the database (deps.serverId) it takes none:
   * the runs of dead servers, its own earlier self's included, are adopted one by one (adopt).
   */
  async recover(): Promise<Run[]> {
    const { store } = this.deps;
    // What the lost jobs' steps left running (their process groups) ends before anything starts.
    const ended = this.deps.processes.endAll();
    if (ended.length > 0) {
      process.stderr.write(
        `gantry serve: ended ${ended.length} process group(s) that lost jobs left running\n`,
      );
    }
    if (this.deps.serverId) return [];
    // The jobs of a crashed server ended with it: no token of theirs stays good (the jobs that run
    // again get new ones), but for a runner machine's job that goes on. One server to a database,
    // as the recovery below assumes too.
    const runs = await store.listUnfinishedRuns();
    const held = (await Promise.all(runs.map((run) => this.heldTokenNames(run)))).flat();
    await store.revokeJobTokens(undefined, now(), held);
    for (const run of runs) await this.recoverRun(run);
    return runs;
  }

  /**
   * Takes over an unfinished run whose server died (`from`; null: a run no server recorded) and
   * goes on with it as recover() does: false when another server took it first, or it completed.
   */
  async adopt(runId: number, from: string | null): Promise<Run | undefined> {
    const { store, serverId } = this.deps;
    if (!serverId || this.active.has(runId)) return undefined;
    if (!(await store.adoptRun(runId, from, serverId))) return undefined;
    const run = await store.getRun(runId);
    if (!run || run.status === "completed") return undefined;
    process.stderr.write(
      `gantry serve: adopted run ${run.id} (${run.workflowName}) from ${from === null ? "no server" : `the stopped server ${from}`}\n`,
    );
    // The dead server's jobs of this run lost their runner: their tokens go, but for those a runner
    // machine holds still (the job goes on there with its token).
    await store.revokeJobTokens(run.id, now(), await this.heldTokenNames(run));
    await this.recoverRun(run);
    return run;
  }

  /** The token names of a run's jobs that a runner machine holds still (they outlive a server). */
  private async heldTokenNames(run: Run): Promise<string[]> {
    const { store } = this.deps;
    const jobs = await store.listJobs(run.id, run.runAttempt);
    const names: string[] = [];
    for (const job of jobs) {
      if (job.status !== "in_progress" || job.runnerId === null) continue;
      if (await store.jobLease(job.id)) names.push(jobTokenName(run.id, run.runAttempt, job.key));
    }
    return names;
  }

  /** A run whose server died under it: its lost jobs failed or queued again, then it goes on. */
  private async recoverRun(run: Run): Promise<void> {
    const { store, serial, logs, config } = this.deps;
    const retries = config.retries.lost_runner;
    const jobs = await store.listJobs(run.id, run.runAttempt);
    const lostGroups = new Set<string>();
    for (const job of jobs) {
      if (job.status === "completed") continue;
      // An adopted run's log path names the dead server's disk: this server writes its own (the
      // blob store holds both under one key).
      const own = logs.pathOf(run.id, run.runAttempt, job.key, run.workflowFile);
      const log = this.deps.serverId ? own : (job.logPath ?? own);
      const lease =
        job.status === "in_progress" && job.runnerId !== null ? await store.jobLease(job.id) : undefined;
      // What the dead server sent of the log as it grew comes before what this one writes (a job
      // queued again after a lost runner has lines too). A runner machine that holds the job
      // still: the run's engine follows it again (PoolExecutor), its lease's lines written again
      // here from the runner's reports, so the dead server's parts of that lease go (the earlier
      // attempts' stay); the lease sweeper acts if that runner went silent meanwhile.
      if (this.deps.serverId) await logs.takeOver(log, lease);
      if (job.status !== "in_progress") continue;
      if (lease) {
        if (log !== job.logPath) await serial.run(() => store.updateJob(job.id, { logPath: log }));
        continue;
      }
      const lostCount = job.lostCount + 1;
      if (lostCount <= retries) {
        logs.append(
          log,
          `Warning: ${RUNNER_LOST}; the job is queued again (retry ${lostCount} of ${retries})`,
        );
        await serial.run(() => store.updateJob(job.id, { status: "queued", lostCount, runnerName: null }));
        continue;
      }
      logs.append(log, `Error: ${RUNNER_LOST}`);
      logs.close(log);
      lostGroups.add(topJobId(job.key, run.workflowFile));
      await serial.run(() =>
        store.updateJob(job.id, {
          status: "completed",
          conclusion: "failure",
          failureReason: RUNNER_LOST,
          lostCount,
          completedAt: now(),
          logPath: log,
        }),
      );
    }
    // The other legs of a matrix whose leg lost its runner end with it (fail-fast), so the
    // lost leg's failure stands rather than the whole job running again.
    for (const job of jobs) {
      if (job.status === "completed" || job.status === "in_progress") continue;
      if (!lostGroups.has(topJobId(job.key, run.workflowFile))) continue;
      await serial.run(() =>
        store.updateJob(job.id, {
          status: "completed",
          conclusion: "cancelled",
          failureReason: `another leg of the job: ${RUNNER_LOST}`,
          completedAt: now(),
        }),
      );
    }
    this.start(run);
  }

  /**
   * Fires no more workflow_run events and waits for those under way to have stored their runs (a
   * draining server, before its store closes).
   */
  async stopEvents(): Promise<void> {
    await this.chain.stop();
    await this.deployments.stop();
  }

  /** Stops every run at once (in-process servers closing): their running jobs end cancelled. */
  async stopAll(): Promise<void> {
    // Runs ended by the server stopping start no workflow_run; what was fired before goes on.
    await this.chain.stop();
    await this.deployments.stop();
    for (const a of this.active.values()) a.cancellation.kill();
    await Promise.all([...this.active.values()].map((a) => a.done.catch(() => undefined)));
  }
}
