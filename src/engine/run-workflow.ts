import {
  type Contexts,
  evaluateCondition,
  evaluateToken,
  type Json,
  type StatusFunctions,
  toText,
} from "../expressions/index.js";
import {
  expandMatrix,
  type JobDef,
  type MatrixCombination,
  matrixDisplayName,
  type WorkflowDef,
} from "../workflow/index.js";
import { Cancellation } from "./cancellation.js";
import type { EventBus } from "./events.js";
import type { JobExecutor, JobOutcome } from "./executor.js";
import type { JobReport, Result, WorkflowRunReport } from "./report.js";
import type { Semaphore } from "./semaphore.js";

export interface WorkflowRunOptions {
  runId: string;
  workflow: WorkflowDef;
  /** The github context for the run (job-specific keys are added per job). */
  github: Record<string, Json>;
  inputs: Record<string, Json>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  /** When set, only these jobs run (a job named with --job plus what it needs). */
  onlyJobs?: Set<string>;
  executor: JobExecutor;
  bus: EventBus;
  cancellation: Cancellation;
  slots: Semaphore;
  /** Where a job's log is written, if anywhere; named in the report. */
  logPath?: (jobKey: string, name: string) => string | undefined;
}

/** What a finished job (all its legs) tells its dependants. */
interface JobState {
  result: Result;
  outputs: Record<string, string>;
  /** A failure that does not fail dependants' success(): the job had continue-on-error. */
  tolerated: boolean;
}

function aggregate(results: Result[]): Result {
  if (results.includes("failure")) return "failure";
  if (results.includes("cancelled")) return "cancelled";
  if (results.length > 0 && results.every((r) => r === "skipped")) return "skipped";
  return "success";
}

function secretLines(secrets: Record<string, string>): string[] {
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

/** Runs one workflow's job graph to completion and reports it. */
export async function runWorkflow(opts: WorkflowRunOptions): Promise<WorkflowRunReport> {
  const { workflow, bus, runId } = opts;
  const defs = new Map(workflow.jobs.map((j) => [j.id, j]));
  const states = new Map<string, Promise<JobState>>();
  const reports: JobReport[] = [];
  const masks = secretLines(opts.secrets);
  bus.emit("run:started", { runId, workflow: workflow.name, file: workflow.file });

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

  function stateOf(id: string): Promise<JobState> {
    let p = states.get(id);
    if (!p) {
      const def = defs.get(id);
      p = def ? runJob(def) : Promise.resolve({ result: "skipped", outputs: {}, tolerated: false });
      states.set(id, p);
    }
    return p;
  }

  function skippedReport(def: JobDef, name: string, result: Result): JobReport {
    bus.emit("job:completed", { runId, jobKey: `${workflow.file}/${def.id}`, name, result });
    return {
      id: def.id,
      name,
      matrix: null,
      result,
      outputs: {},
      startedAt: null,
      completedAt: null,
      steps: [],
    };
  }

  async function runJob(def: JobDef): Promise<JobState> {
    const needStates = new Map<string, JobState>();
    for (const n of def.needs) needStates.set(n, await stateOf(n));
    const ancestorStates = await Promise.all([...ancestors(def.id)].map((a) => stateOf(a)));
    const needs: Record<string, Json> = {};
    for (const [n, s] of needStates) needs[n] = { result: s.result, outputs: s.outputs };
    const contexts: Contexts = { ...baseContexts, needs };
    const plainName = def.name ? toText(safeEval(def.name, contexts) ?? def.id) : def.id;

    if (opts.onlyJobs && !opts.onlyJobs.has(def.id)) {
      return { result: "skipped", outputs: {}, tolerated: false };
    }
    const status: StatusFunctions = {
      success: () =>
        !opts.cancellation.cancelled &&
        [...needStates.values()].every(
          (s) => s.result === "success" || (s.result === "failure" && s.tolerated),
        ),
      failure: () => ancestorStates.some((s) => s.result === "failure" && !s.tolerated),
      cancelled: () => opts.cancellation.cancelled,
    };
    const condition = () => evaluateCondition(def.if, contexts, { status });
    let run: boolean;
    try {
      run = condition();
    } catch (err) {
      reports.push(failedReport(def, plainName, String((err as Error).message)));
      return { result: "failure", outputs: {}, tolerated: false };
    }
    if (!run) {
      const result: Result = opts.cancellation.cancelled ? "cancelled" : "skipped";
      reports.push(skippedReport(def, plainName, result));
      return { result, outputs: {}, tolerated: false };
    }
    if (def.uses) {
      const message = `Job '${def.id}' calls the reusable workflow '${def.uses}'; gantry run does not run reusable workflows yet.`;
      reports.push(failedReport(def, plainName, message));
      return { result: "failure", outputs: {}, tolerated: false };
    }
    return runLegs(def, contexts, condition);
  }

  function safeEval(token: NonNullable<JobDef["name"]>, contexts: Contexts): Json | undefined {
    try {
      return evaluateToken(token, contexts);
    } catch {
      return undefined;
    }
  }

  function failedReport(def: JobDef, name: string, message: string): JobReport {
    const jobKey = `${workflow.file}/${def.id}`;
    const log = opts.logPath?.(jobKey, name);
    bus.emit("job:started", { runId, jobKey, name });
    bus.emit("job:log", { runId, jobKey, line: `Error: ${message}` });
    bus.emit("job:completed", { runId, jobKey, name, result: "failure" });
    const t = now();
    const report: JobReport = {
      id: def.id,
      name,
      matrix: null,
      result: "failure",
      outputs: {},
      startedAt: t,
      completedAt: t,
      steps: [],
    };
    if (log) report.log = log;
    return report;
  }

  /** Runs a job's legs; `condition` re-evaluates the job's `if` for a leg that waited through a cancel. */
  async function runLegs(def: JobDef, contexts: Contexts, condition: () => boolean): Promise<JobState> {
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
        reports.push(failedReport(def, def.id, (err as Error).message));
        return { result: "failure", outputs: {}, tolerated: false };
      }
      if (strategy.matrix && typeof strategy.matrix === "object" && !Array.isArray(strategy.matrix)) {
        const expanded = expandMatrix(strategy.matrix);
        if (expanded.errors.length > 0 || expanded.combinations.length === 0) {
          const why = expanded.errors.join("; ") || "The matrix produced no jobs";
          reports.push(failedReport(def, def.id, `strategy.matrix: ${why}`));
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
    const legGroup = Cancellation.startingUnder(opts.cancellation);
    let failedFast = false;
    const outputs: Record<string, string> = {};
    let tolerated = false;
    let running = 0;
    const waiters: Array<() => void> = [];

    const legs = combos.map(async (matrix, index): Promise<Result> => {
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
      const name = displayName(def, matrix, legContexts, nameKeys?.[index]);
      const jobKey = isMatrix ? `${workflow.file}/${def.id}/${index}` : `${workflow.file}/${def.id}`;
      bus.emit("job:queued", { runId, jobKey, name });
      while (running >= maxParallel) await new Promise<void>((r) => waiters.push(r));
      running++;
      const release = await opts.slots.acquire();
      const report: JobReport = {
        id: def.id,
        name,
        matrix,
        result: "cancelled",
        outputs: {},
        startedAt: null,
        completedAt: null,
        steps: [],
      };
      reports.push(report);
      try {
        // Cancelled before it started: by fail-fast, or by a cancel of the run unless the job's
        // `if` still holds (always(), cancelled()), as GitHub re-evaluates pending jobs.
        const runCancelled = opts.cancellation.cancelled && !cancelledAtStart;
        if (failedFast || (runCancelled && !stillRuns())) {
          bus.emit("job:completed", { runId, jobKey, name, result: "cancelled" });
          return "cancelled";
        }
        report.startedAt = now();
        const log = opts.logPath?.(jobKey, name);
        if (log) report.log = log;
        bus.emit("job:started", { runId, jobKey, name });
        const legCancel = Cancellation.startingUnder(legGroup);
        const outcome = await runOneLeg(def, legContexts, name, jobKey, matrix, legCancel);
        report.completedAt = now();
        report.result = outcome.result;
        report.outputs = outcome.outputs;
        report.steps = outcome.steps;
        Object.assign(outputs, outcome.outputs);
        const coe = continueOnError(def, legContexts);
        if (outcome.result === "failure" && coe) tolerated = true;
        if (outcome.result === "failure" && failFast && !coe && isMatrix) {
          failedFast = true;
          legGroup.cancel();
        }
        bus.emit("job:completed", {
          runId,
          jobKey,
          name,
          result: outcome.result,
          failedStep: outcome.failedStep,
        });
        return outcome.result;
      } finally {
        release();
        running--;
        waiters.shift()?.();
      }
    });
    const results = await Promise.all(legs);
    const result = aggregate(results);
    return { result, outputs, tolerated: tolerated && !results.some((r) => r === "cancelled") };
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

  async function runOneLeg(
    def: JobDef,
    contexts: Contexts,
    name: string,
    jobKey: string,
    matrix: MatrixCombination | null,
    cancellation: Cancellation,
  ): Promise<JobOutcome> {
    const env: Record<string, string> = {};
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
        contexts: { ...contexts, github: { ...opts.github, job: def.id }, env },
        env,
        secrets: masks,
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
  bus.emit("run:completed", { runId, workflow: workflow.name, conclusion });
  const order = new Map(workflow.jobs.map((j, i) => [j.id, i]));
  reports.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return {
    workflow: workflow.name,
    file: workflow.file,
    event: String(opts.github.event_name ?? ""),
    ref: String(opts.github.ref ?? ""),
    sha: String(opts.github.sha ?? ""),
    status: "completed",
    conclusion,
    jobs: reports.filter((r) => !opts.onlyJobs || opts.onlyJobs.has(r.id)),
  };
}
