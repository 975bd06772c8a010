import {
  type Contexts,
  evaluateCondition,
  evaluateToken,
  isSuccessCondition,
  type Json,
  type StatusFunctions,
  toText,
} from "../expressions/index.js";
import { expandMatrix, type JobDef, type MatrixCombination, matrixDisplayName } from "../workflow/index.js";
import { type CallHost, prepareCall, runCallLeg, topFrame } from "./call-workflow.js";
import { Cancellation } from "./cancellation.js";
import { enterGroup } from "./enter-group.js";
import type { JobCredentials, JobOutcome } from "./executor.js";
import {
  type EnvironmentEntry,
  type EnvironmentOutcome,
  environmentTarget,
  environmentUrl,
} from "./job-environment.js";
import { MemoryConcurrencyGroups } from "./memory-concurrency-groups.js";
import type { JobReport, Result, WorkflowRunReport } from "./report.js";
import type { Leg, WorkflowGraphResult, WorkflowRunOptions } from "./run-options.js";
import { defaultRunTitle, evaluateRunName } from "./run-title.js";
import { runInWorkflowGroup } from "./workflow-group.js";

/** What a finished job (all its legs) tells its dependants. */
interface JobState {
  result: Result;
  outputs: Record<string, string>;
  /** A failure that does not fail dependants' success(): the job had continue-on-error. */
  tolerated: boolean;
}

/** Whether a matrix leg passes `--matrix` (see WorkflowRunOptions.matrixFilter). */
function legSelected(matrix: MatrixCombination, filter: Record<string, string[]> | undefined): boolean {
  if (!filter) return true;
  return Object.entries(matrix).every(([key, value]) => {
    const allowed = filter[key];
    if (!allowed) return true;
    const text = value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
    return allowed.includes(text);
  });
}

function aggregate(results: Result[]): Result {
  if (results.includes("failure")) return "failure";
  if (results.includes("cancelled")) return "cancelled";
  if (results.length > 0 && results.every((r) => r === "skipped")) return "skipped";
  return "success";
}

export function secretLines(secrets: Record<string, string>): string[] {
  const out: string[] = [];
  for (const value of Object.values(secrets)) {
    if (!value) continue;
    out.push(value, ...value.split(/\r?\n/).filter((l) => l.trim() !== ""));
  }
  return out;
}

function now(): string {
  return new Date().toISOString();
}

type EnvironmentLeave = (outcome: EnvironmentOutcome) => Promise<void>;

/** What a leg carries from its environment to its steps: the masks it adds, and its name. */
interface LegEnvironment {
  masks: string[];
  environment?: string;
  /** The job's `env` (workflow's, then job's), filled in as the leg evaluates it: environment.url may use it. */
  env?: Record<string, string>;
}

/** Runs one workflow's job graph to completion and reports it. */
export async function runWorkflow(opts: WorkflowRunOptions): Promise<WorkflowRunReport> {
  const concurrency = opts.concurrency ?? new MemoryConcurrencyGroups();
  return runInWorkflowGroup({ ...opts, concurrency }, async (o) => (await runWorkflowGraph(o)).report);
}

/** Runs a workflow's job graph (a called workflow's too) and reports it with its jobs' results. */
export async function runWorkflowGraph(opts: WorkflowRunOptions): Promise<WorkflowGraphResult> {
  const { workflow, bus, runId } = opts;
  const frame = opts.call ?? topFrame(workflow);
  const defs = new Map(workflow.jobs.map((j) => [j.id, j]));
  const states = new Map<string, Promise<JobState>>();
  const reports: JobReport[] = [];
  /** Each report's place: the index of its (top-level) job in the workflow. */
  const orderOf = new Map<JobReport, number>();
  const jobIndex = new Map(workflow.jobs.map((j, i) => [j.id, i]));
  const addReport = (def: JobDef, report: JobReport) => {
    reports.push(report);
    orderOf.set(report, jobIndex.get(def.id) ?? 0);
  };
  const masks = [...frame.masks, ...secretLines(opts.secrets)];
  const groups = opts.concurrency ?? new MemoryConcurrencyGroups();
  const keyOf = (def: JobDef) => `${frame.keyPrefix}/${def.id}`;
  const reportId = (def: JobDef) => `${frame.idPrefix}${def.id}`;
  const shown = (name: string) => `${frame.namePrefix}${name}`;
  let title: string | undefined;
  if (!opts.call) {
    const named = evaluateRunName(workflow.loaded, opts);
    const event = opts.github.event;
    title =
      named.title ??
      defaultRunTitle(
        workflow.name,
        event && typeof event === "object" && !Array.isArray(event) ? event : undefined,
      );
    bus.emit("run:started", { runId, workflow: workflow.name, file: workflow.file, title });
    if (named.problem) {
      bus.emit("run:annotation", { runId, workflow: workflow.name, level: "error", text: named.problem });
    }
  }

  const baseContexts: Contexts = {
    github: opts.github,
    inputs: opts.inputs,
    vars: opts.vars,
    secrets: opts.secrets,
  };

  function ancestors(id: string, seen = new Set<string>()): Set<string> {
    for (const n of defs.get(id)?.needs ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        ancestors(n, seen);
      }
    }
    return seen;
  }

  /**
   * The states of every job the job needs, transitively (what its `if`'s failure() looks at). Only
   * a job whose `if` is not the default success() asks: the default looks at its direct needs
   * alone, and walking every ancestor made each job of a chain O(its depth), the chain O(n²).
   */
  async function ancestorStates(def: JobDef): Promise<JobState[]> {
    if (isSuccessCondition(def.if)) return [];
    return Promise.all([...ancestors(def.id)].map((a) => stateOf(a)));
  }

  function stateOf(id: string): Promise<JobState> {
    let p = states.get(id);
    const prior = opts.call ? undefined : opts.prior?.[id];
    const def = defs.get(id);
    if (!p && prior && def) {
      for (const report of prior.reports) addReport(def, report);
      p = Promise.resolve({ result: prior.result, outputs: prior.outputs, tolerated: false });
      states.set(id, p);
    }
    if (!p) {
      p = def ? runJob(def) : Promise.resolve({ result: "skipped", outputs: {}, tolerated: false });
      states.set(id, p);
    }
    return p;
  }

  function emptyReport(
    def: JobDef,
    name: string,
    matrix: MatrixCombination | null,
    result: Result,
  ): JobReport {
    return {
      id: reportId(def),
      name,
      matrix,
      result,
      outputs: {},
      startedAt: null,
      completedAt: null,
      steps: [],
    };
  }

  function skippedReport(def: JobDef, name: string, result: Result): JobReport {
    bus.emit("job:completed", { runId, jobKey: keyOf(def), name, result });
    return emptyReport(def, name, null, result);
  }

  async function runJob(def: JobDef): Promise<JobState> {
    const needStates = new Map<string, JobState>();
    for (const n of def.needs) needStates.set(n, await stateOf(n));
    const upstream = await ancestorStates(def);
    const needs: Record<string, Json> = {};
    for (const [n, s] of needStates) needs[n] = { result: s.result, outputs: s.outputs };
    const contexts: Contexts = { ...baseContexts, needs };
    const plainName = shown(def.name ? toText(safeEval(def.name, contexts) ?? def.id) : def.id);
    if (opts.onlyJobs && !opts.onlyJobs.has(def.id)) {
      return { result: "skipped", outputs: {}, tolerated: false };
    }
    const status: StatusFunctions = {
      success: () =>
        !opts.cancellation.cancelled &&
        [...needStates.values()].every(
          (s) => s.result === "success" || (s.result === "failure" && s.tolerated),
        ),
      failure: () => upstream.some((s) => s.result === "failure" && !s.tolerated),
      cancelled: () => opts.cancellation.cancelled,
    };
    const condition = () => evaluateCondition(def.if, contexts, { status });
    let run: boolean;
    try {
      run = condition();
    } catch (err) {
      addReport(def, failedReport(def, plainName, [String((err as Error).message)]));
      return { result: "failure", outputs: {}, tolerated: false };
    }
    if (!run) {
      const result: Result = opts.cancellation.cancelled ? "cancelled" : "skipped";
      addReport(def, skippedReport(def, plainName, result));
      return { result, outputs: {}, tolerated: false };
    }
    if (def.uses) {
      const prepared = await prepareCall(def, frame, opts.loadCalledWorkflow);
      if ("errors" in prepared) {
        addReport(def, failedReport(def, plainName, prepared.errors));
        return { result: "failure", outputs: {}, tolerated: false };
      }
      return runLegs(def, contexts, condition, (leg) => runCallLeg(callHost, leg, prepared));
    }
    return runLegs(def, contexts, condition, runJobLeg);
  }

  function safeEval(token: NonNullable<JobDef["name"]>, contexts: Contexts): Json | undefined {
    try {
      return evaluateToken(token, contexts);
    } catch {
      return undefined;
    }
  }

  /** A job (or leg) that failed before it could run: its errors are its log. */
  function failedReport(
    def: JobDef,
    name: string,
    messages: string[],
    jobKey = keyOf(def),
    matrix: MatrixCombination | null = null,
  ): JobReport {
    const log = opts.logPath?.(jobKey, name);
    bus.emit("job:started", { runId, jobKey, name });
    for (const message of messages) bus.emit("job:log", { runId, jobKey, line: `Error: ${message}` });
    bus.emit("job:completed", { runId, jobKey, name, result: "failure" });
    const t = now();
    const report: JobReport = { ...emptyReport(def, name, matrix, "failure"), startedAt: t, completedAt: t };
    if (log) report.log = log;
    return report;
  }

  /** What a called workflow's legs need from this run. */
  const callHost: CallHost = {
    opts,
    frame,
    masks,
    fail: (leg, messages) => {
      addReport(leg.def, failedReport(leg.def, leg.name, messages, leg.jobKey, leg.matrix));
      return { result: "failure", outputs: {}, steps: [] };
    },
    groups,
    cancelled: (leg, message) => {
      if (message) {
        bus.emit("job:annotation", { runId, jobKey: leg.jobKey, level: "error", text: message });
        bus.emit("job:log", { runId, jobKey: leg.jobKey, line: `Error: ${message}` });
      }
      bus.emit("job:completed", { runId, jobKey: leg.jobKey, name: leg.name, result: "cancelled" });
      addReport(leg.def, emptyReport(leg.def, leg.name, leg.matrix, "cancelled"));
      return { result: "cancelled", outputs: {}, steps: [] };
    },
    fold: (leg, jobs) => {
      for (const report of jobs) addReport(leg.def, report);
    },
    runNested: (nested) => runWorkflowGraph(nested),
  };

  /** Runs a job's legs; `condition` re-evaluates the job's `if` for a leg that waited through a cancel. */
  async function runLegs(
    def: JobDef,
    contexts: Contexts,
    condition: () => boolean,
    runLeg: (leg: Leg) => Promise<JobOutcome>,
  ): Promise<JobState> {
    const cancelledAtStart = opts.cancellation.cancelled;
    const stillRuns = () => {
      try {
        return condition();
      } catch {
        return false;
      }
    };
    let combos: (MatrixCombination | null)[] = [null];
    let nameKeys: string[][] | undefined;
    let failFast = true;
    let maxParallel = Number.POSITIVE_INFINITY;
    if (def.strategy) {
      let strategy: Record<string, Json>;
      try {
        strategy = (evaluateToken(def.strategy, contexts) ?? {}) as Record<string, Json>;
      } catch (err) {
        addReport(def, failedReport(def, shown(def.id), [(err as Error).message]));
        return { result: "failure", outputs: {}, tolerated: false };
      }
      if (strategy.matrix && typeof strategy.matrix === "object" && !Array.isArray(strategy.matrix)) {
        const expanded = expandMatrix(strategy.matrix);
        if (expanded.errors.length > 0 || expanded.combinations.length === 0) {
          const why = expanded.errors.join("; ") || "The matrix produced no jobs";
          addReport(def, failedReport(def, shown(def.id), [`strategy.matrix: ${why}`]));
          return { result: "failure", outputs: {}, tolerated: false };
        }
        combos = expanded.combinations;
        nameKeys = expanded.nameKeys;
      }
      if (strategy["fail-fast"] !== undefined) failFast = strategy["fail-fast"] !== false;
      if (typeof strategy["max-parallel"] === "number" && strategy["max-parallel"] > 0) {
        maxParallel = strategy["max-parallel"];
      }
    }
    const isMatrix = combos[0] !== null;
    // --matrix: the legs left keep their index in the whole matrix (strategy.job-index, keys).
    const selected = combos
      .map((matrix, index) => ({ matrix, index }))
      .filter(({ matrix }) => matrix === null || legSelected(matrix, opts.matrixFilter));
    if (selected.length === 0) {
      const name = shown(def.id);
      const why = "skipped: no leg of its matrix matches --matrix";
      bus.emit("run:annotation", {
        runId,
        workflow: workflow.name,
        level: "notice",
        text: `${name}: ${why}`,
      });
      addReport(def, skippedReport(def, name, "skipped"));
      return { result: "skipped", outputs: {}, tolerated: false };
    }
    const legGroup = Cancellation.startingUnder(opts.cancellation);
    let failedFast = false;
    const outputs: Record<string, string> = {};
    let tolerated = false;
    let running = 0;
    const waiters: Array<() => void> = [];
    const legs = selected.map(async ({ matrix, index }): Promise<Result> => {
      const legContexts: Contexts = {
        ...contexts,
        matrix: matrix ?? {},
        strategy: {
          "fail-fast": failFast,
          "job-index": index,
          "job-total": combos.length,
          "max-parallel": Number.isFinite(maxParallel) ? maxParallel : combos.length,
        },
      };
      const name = shown(displayName(def, matrix, legContexts, nameKeys?.[index]));
      const jobKey = isMatrix ? `${keyOf(def)}/${index}` : keyOf(def);
      // A call shows its called jobs, not a job of its own.
      if (!def.uses) bus.emit("job:queued", { runId, jobKey, name });
      if (!def.uses) {
        const declined = declinedLeg(def, legContexts, name, jobKey, matrix);
        if (declined) return declined;
      }
      while (running >= maxParallel) await new Promise<void>((r) => waiters.push(r));
      running++;
      // A leg in a concurrency group has its own cancellation: a newer leg or run can supersede it.
      const legCancel = def.concurrency ? Cancellation.startingUnder(legGroup) : legGroup;
      let superseded = false;
      // Cancelled before it started: by fail-fast, or by a cancel of the run unless the job's
      // `if` still holds (always(), cancelled()), as GitHub re-evaluates pending jobs.
      const mustNotStart = () =>
        superseded || failedFast || (opts.cancellation.cancelled && !cancelledAtStart && !stillRuns());
      const entry = def.concurrency
        ? await enterLegGroup(def, legContexts, name, jobKey, matrix, mustNotStart, legGroup)
        : ({ kind: "free" } as const);
      try {
        if (entry.kind === "failed" || entry.kind === "cancelled") return entry.result;
        if (entry.kind === "held") {
          entry.slot.onSuperseded((message) => {
            superseded = true;
            bus.emit("job:annotation", { runId, jobKey, level: "error", text: message });
            bus.emit("job:log", { runId, jobKey, line: `Error: ${message}` });
            legCancel.cancel();
          });
        }
        const outcome = await runLeg({
          def,
          contexts: legContexts,
          matrix,
          name,
          jobKey,
          mustNotStart,
          group: legCancel,
        });
        // A matrix of calls keeps, per output, the last value a successful leg set (GitHub's rule).
        const matrixOfCalls = def.uses !== undefined && isMatrix;
        for (const [k, v] of Object.entries(outcome.outputs)) {
          if (!matrixOfCalls || (outcome.result === "success" && v !== "")) outputs[k] = v;
        }
        const coe = continueOnError(def, legContexts);
        if (outcome.result === "failure" && coe) tolerated = true;
        if (outcome.result === "failure" && failFast && !coe && isMatrix) {
          failedFast = true;
          legGroup.cancel();
        }
        return outcome.result;
      } finally {
        if (entry.kind === "held") await entry.slot.release();
        running--;
        waiters.shift()?.();
      }
    });
    const results = await Promise.all(legs);
    const result = aggregate(results);
    return { result, outputs, tolerated: tolerated && !results.some((r) => r === "cancelled") };
  }

  /**
   * A leg the executor will not run (see JobExecutor.declines): skipped with its notice, as a job
   * whose `if` is false; failed when its runs-on cannot be evaluated. Undefined: the leg runs.
   */
  function declinedLeg(
    def: JobDef,
    contexts: Contexts,
    name: string,
    jobKey: string,
    matrix: MatrixCombination | null,
  ): Result | undefined {
    let why: string | undefined;
    try {
      why = opts.executor.declines?.(def, contexts);
    } catch (err) {
      addReport(def, failedReport(def, name, [`runs-on: ${(err as Error).message}`], jobKey, matrix));
      return "failure";
    }
    if (why === undefined) return undefined;
    bus.emit("job:annotation", { runId, jobKey, level: "notice", text: why });
    bus.emit("run:annotation", { runId, workflow: workflow.name, level: "notice", text: `${name}: ${why}` });
    bus.emit("job:completed", { runId, jobKey, name, result: "skipped" });
    addReport(def, emptyReport(def, name, matrix, "skipped"));
    return "skipped";
  }

  /**
   * Waits for a leg's job-level concurrency group (pending there, it holds no runner slot). A leg
   * cancelled while pending, or whose setting is bad, is reported here.
   */
  async function enterLegGroup(
    def: JobDef,
    contexts: Contexts,
    name: string,
    jobKey: string,
    matrix: MatrixCombination | null,
    mustNotStart: () => boolean,
    legGroup: Cancellation,
  ) {
    const abort = new AbortController();
    legGroup.onCancel(() => {
      if (mustNotStart()) abort.abort();
    });
    const entry = await enterGroup({
      groups,
      token: def.concurrency,
      level: "job",
      contexts,
      holder: `${runId}/${jobKey}`,
      label: `${name} of ${workflow.name} #${String(opts.github.run_number ?? "")}, run ${runId}`,
      signal: abort.signal,
      onWaiting: (group) => bus.emit("job:pending", { runId, jobKey, name, group }),
      job: { id: def.id, workflowGroup: opts.workflowGroup },
    });
    if (entry.kind === "failed") {
      addReport(def, failedReport(def, name, [entry.message], jobKey, matrix));
      return { ...entry, result: "failure" as const };
    }
    if (entry.kind === "cancelled") {
      const report = emptyReport(def, name, matrix, "cancelled");
      const log = opts.logPath?.(jobKey, name);
      if (log) report.log = log;
      bus.emit("job:annotation", { runId, jobKey, level: "error", text: entry.message });
      bus.emit("job:log", { runId, jobKey, line: `Error: ${entry.message}` });
      bus.emit("job:completed", { runId, jobKey, name, result: "cancelled" });
      addReport(def, report);
      return { ...entry, result: "cancelled" as const };
    }
    return entry;
  }

  /** One leg of a job of steps: a slot, its environment, then the executor. */
  async function runJobLeg(leg: Leg): Promise<JobOutcome> {
    const { def, name, jobKey, matrix } = leg;
    const release = await opts.slots.acquire();
    const report = emptyReport(def, name, matrix, "cancelled");
    addReport(def, report);
    const finish = (outcome: JobOutcome): JobOutcome => {
      report.completedAt = now();
      report.result = outcome.result;
      report.outputs = outcome.outputs;
      report.steps = outcome.steps;
      bus.emit("job:completed", {
        runId,
        jobKey,
        name,
        result: outcome.result,
        failedStep: outcome.failedStep,
      });
      return outcome;
    };
    try {
      if (leg.mustNotStart()) {
        bus.emit("job:completed", { runId, jobKey, name, result: "cancelled" });
        return { result: "cancelled", outputs: {}, steps: [] };
      }
      const legCancel = Cancellation.startingUnder(leg.group);
      const entered = await enterJobEnvironment(leg, legCancel);
      if (entered.kind === "cancelled") {
        bus.emit("job:completed", { runId, jobKey, name, result: "cancelled" });
        return { result: "cancelled", outputs: {}, steps: [] };
      }
      report.startedAt = now();
      const log = opts.logPath?.(jobKey, name);
      if (log) report.log = log;
      bus.emit("job:started", { runId, jobKey, name });
      if (entered.kind === "refused") {
        bus.emit("job:log", { runId, jobKey, line: `Error: ${entered.message}` });
        bus.emit("job:annotation", { runId, jobKey, level: "error", text: entered.message });
        return finish({ result: "failure", outputs: {}, steps: [] });
      }
      let outcome: JobOutcome;
      try {
        outcome = await runOneLeg(def, entered.contexts, name, jobKey, matrix, legCancel, entered);
      } catch (err) {
        await leaveJobEnvironment(leg, entered, undefined);
        throw err;
      }
      await leaveJobEnvironment(leg, entered, outcome);
      return finish(outcome);
    } finally {
      release();
    }
  }

  /**
   * The leg enters its `environment:` (when it has one and the host keeps environments): it may
   * wait there (job:waiting), be refused, or go on with the environment's secrets and variables.
   */
  async function enterJobEnvironment(
    leg: Leg,
    cancellation: Cancellation,
  ): Promise<
    | { kind: "cancelled" }
    | { kind: "refused"; message: string }
    | ({ kind: "entered"; contexts: Contexts; leave?: EnvironmentLeave } & LegEnvironment)
  > {
    const { def, jobKey, name } = leg;
    if (!def.environment || !opts.enterEnvironment)
      return { kind: "entered", contexts: leg.contexts, masks: [] };
    let entry: EnvironmentEntry;
    let target: { name: string; deployment: boolean };
    try {
      target = environmentTarget(def.environment, leg.contexts);
      if (!target.name) return { kind: "entered", contexts: leg.contexts, masks: [] };
      entry = await opts.enterEnvironment({
        ...target,
        jobId: def.id,
        jobKey,
        jobName: name,
        cancellation,
        waiting: () => bus.emit("job:waiting", { runId, jobKey, name, environment: target.name }),
      });
    } catch (err) {
      if (cancellation.cancelled) return { kind: "cancelled" };
      return { kind: "refused", message: `environment: ${(err as Error).message}` };
    }
    if (cancellation.cancelled) {
      if (entry.refused === undefined) await entry.leave?.({ result: "cancelled" }).catch(() => undefined);
      return { kind: "cancelled" };
    }
    if (entry.refused !== undefined) return { kind: "refused", message: entry.refused };
    // Its secrets and variables over the run's (the job's GITHUB_TOKEN stays: no secret is named GITHUB_*).
    const secrets = leg.contexts.secrets as Record<string, Json>;
    const contexts: Contexts = {
      ...leg.contexts,
      secrets: { ...secrets, ...entry.secrets, GITHUB_TOKEN: secrets.GITHUB_TOKEN ?? "" },
      vars: { ...opts.vars, ...entry.vars },
    };
    return {
      kind: "entered",
      contexts,
      masks: secretLines(entry.secrets),
      environment: target.name,
      leave: entry.leave,
    };
  }

  /** The leg leaves its environment with its outcome and its evaluated `environment.url`. */
  async function leaveJobEnvironment(
    leg: Leg,
    entered: { contexts: Contexts; env?: Record<string, string>; leave?: EnvironmentLeave },
    outcome: JobOutcome | undefined,
  ): Promise<void> {
    if (!entered.leave || !leg.def.environment) return;
    const result = outcome?.result ?? "failure";
    let url: string | undefined;
    try {
      const contexts = { ...entered.contexts, env: entered.env ?? {} };
      url = environmentUrl(leg.def.environment, contexts, outcome?.steps ?? [], result);
    } catch (err) {
      bus.emit("job:log", {
        runId,
        jobKey: leg.jobKey,
        line: `Warning: environment.url: ${(err as Error).message}`,
      });
    }
    await entered.leave({ result, ...(url !== undefined ? { url } : {}) }).catch((err: Error) => {
      bus.emit("job:log", { runId, jobKey: leg.jobKey, line: `Warning: environment: ${err.message}` });
    });
  }

  function continueOnError(def: JobDef, contexts: Contexts): boolean {
    if (!def.continueOnError) return false;
    try {
      return evaluateToken(def.continueOnError, contexts) === true;
    } catch {
      return false;
    }
  }

  function displayName(
    def: JobDef,
    matrix: MatrixCombination | null,
    contexts: Contexts,
    keys: string[] | undefined,
  ): string {
    if (!def.name) return matrixDisplayName(def.id, matrix, keys);
    let evaluated: string;
    try {
      evaluated = toText(evaluateToken(def.name, contexts));
    } catch {
      evaluated = def.id;
    }
    // A literal name still gets the matrix values; a name built from an expression is used as is.
    return def.name.isExpression ? evaluated : matrixDisplayName(evaluated, matrix, keys);
  }

  /**
   * One leg with its own credentials when the executor gives it some (gantry serve: its GITHUB_TOKEN,
   * in github.token and secrets.GITHUB_TOKEN before the job's env is evaluated), given up however
   * the leg ends.
   */
  async function runOneLeg(
    def: JobDef,
    contexts: Contexts,
    name: string,
    jobKey: string,
    matrix: MatrixCombination | null,
    cancellation: Cancellation,
    environment: LegEnvironment,
  ): Promise<JobOutcome> {
    let credentials: JobCredentials | undefined;
    try {
      credentials = await opts.executor.credentials?.({
        runId,
        jobKey,
        environment: environment.environment,
        workflow,
        job: def,
        callers: frame.callers,
      });
    } catch (err) {
      bus.emit("job:log", { runId, jobKey, line: `Error: GITHUB_TOKEN: ${(err as Error).message}` });
      return { result: "failure", outputs: {}, steps: [] };
    }
    // The run's own list when the leg adds none: the same list for each job, which the runner
    // makes the masks' forms of once (LocalRunner).
    const legMasks = environment.masks.length > 0 ? [...masks, ...environment.masks] : masks;
    environment.env ??= {};
    const leg = { environment: environment.environment, masks: legMasks, env: environment.env };
    if (!credentials) return runLegSteps(def, contexts, name, jobKey, matrix, cancellation, leg);
    const { token } = credentials;
    const own: Contexts = {
      ...contexts,
      github: { ...(contexts.github as Record<string, Json>), ...credentials.github, token },
      secrets: { ...(contexts.secrets as Record<string, Json>), GITHUB_TOKEN: token },
    };
    try {
      return await runLegSteps(def, own, name, jobKey, matrix, cancellation, {
        ...leg,
        masks: [...legMasks, token],
      });
    } finally {
      await credentials.release();
    }
  }

  async function runLegSteps(
    def: JobDef,
    contexts: Contexts,
    name: string,
    jobKey: string,
    matrix: MatrixCombination | null,
    cancellation: Cancellation,
    environment: LegEnvironment,
  ): Promise<JobOutcome> {
    const env: Record<string, string> = environment.env ?? {};
    const fail = (message: string): JobOutcome => {
      bus.emit("job:log", { runId, jobKey, line: `Error: ${message}` });
      return { result: "failure", outputs: {}, steps: [] };
    };
    let timeoutMinutes = 360;
    try {
      for (const source of [workflow.env, def.env]) {
        if (!source) continue;
        const values = evaluateToken(source, { ...contexts, env }) as Record<string, Json>;
        for (const [k, v] of Object.entries(values ?? {})) env[k] = toText(v);
      }
      if (def.timeoutMinutes) {
        const t = Number(evaluateToken(def.timeoutMinutes, contexts));
        if (!Number.isFinite(t) || t <= 0)
          return fail(`timeout-minutes must be a positive number, got '${t}'`);
        timeoutMinutes = t;
      }
    } catch (err) {
      return fail((err as Error).message);
    }
    const timer = setTimeout(
      () => {
        bus.emit("job:log", {
          runId,
          jobKey,
          line: `Error: The job has exceeded the maximum execution time of ${timeoutMinutes} minutes.`,
        });
        cancellation.cancel("timeout");
      },
      Math.min(timeoutMinutes * 60_000, 2 ** 31 - 1),
    );
    try {
      const outcome = await opts.executor.runJob({
        runId,
        jobKey,
        displayName: name,
        workflow,
        job: def,
        matrix,
        contexts: { ...contexts, github: { ...(contexts.github as Record<string, Json>), job: def.id }, env },
        env,
        secrets: environment.masks,
        ...(environment.environment !== undefined ? { environment: environment.environment } : {}),
        cancellation,
        bus,
      });
      // A job stopped by its timeout fails; one stopped by a cancel is cancelled.
      if (cancellation.reason === "timeout" && outcome.result === "cancelled") outcome.result = "failure";
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  const finalStates = await Promise.all(workflow.jobs.map(async (j) => [j.id, await stateOf(j.id)] as const));
  const failed = finalStates.some(([, s]) => s.result === "failure" && !s.tolerated);
  const cancelled = opts.cancellation.cancelled || finalStates.some(([, s]) => s.result === "cancelled");
  const conclusion: Result = failed ? "failure" : cancelled ? "cancelled" : "success";
  if (!opts.call) bus.emit("run:completed", { runId, workflow: workflow.name, conclusion });
  // Stable: the legs of a job (and the jobs of a call) keep the order they were reported in.
  reports.sort((a, b) => (orderOf.get(a) ?? 0) - (orderOf.get(b) ?? 0));
  const jobs: WorkflowGraphResult["jobs"] = {};
  for (const [id, s] of finalStates) jobs[id] = { result: s.result, outputs: s.outputs };
  const report: WorkflowRunReport = {
    runId,
    workflow: workflow.name,
    ...(title !== undefined ? { title } : {}),
    file: workflow.file,
    event: String(opts.github.event_name ?? ""),
    ref: String(opts.github.ref ?? ""),
    sha: String(opts.github.sha ?? ""),
    status: "completed",
    conclusion,
    jobs: reports.filter((r) => !opts.onlyJobs || opts.onlyJobs.has(r.id.split("/")[0])),
  };
  return { report, jobs };
}
