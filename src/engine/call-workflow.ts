// Jobs that call a reusable workflow (`jobs.<id>.uses`). Each leg of such a job (one per matrix
// combination) runs the called workflow's job graph as a nested run that shares the caller's
// slots and follows its cancellation; the called jobs are reported as `caller / inner`.
import { type Contexts, evaluateToken, type Json, toText } from "../expressions/index.js";
import {
  type JobDef,
  MAX_CALL_DEPTH,
  MAX_UNIQUE_CALLED_WORKFLOWS,
  readWorkflowCall,
  resolveCallInputs,
  resolveCallSecrets,
  type WorkflowCallSpec,
  type WorkflowDef,
} from "../workflow/index.js";
import { Cancellation } from "./cancellation.js";
import type { ConcurrencyGroups } from "./concurrency-groups.js";
import { enterGroup } from "./enter-group.js";
import type { JobOutcome } from "./executor.js";
import type { JobReport } from "./report.js";
import type {
  CalledWorkflow,
  CallFrame,
  Leg,
  LoadCalledWorkflow,
  WorkflowGraphResult,
  WorkflowRunOptions,
} from "./run-options.js";

export function topFrame(workflow: WorkflowDef): CallFrame {
  return {
    chain: [workflow.file],
    unique: new Set(),
    keyPrefix: workflow.file,
    idPrefix: "",
    namePrefix: "",
    masks: [],
    callers: [],
  };
}

export interface PreparedCall {
  called: CalledWorkflow;
  spec: WorkflowCallSpec;
}

/** Reads the workflow `def` calls and checks GitHub's limits: a cycle, the depth, the count. */
export async function prepareCall(
  def: JobDef,
  frame: CallFrame,
  load: LoadCalledWorkflow | undefined,
): Promise<PreparedCall | { errors: string[] }> {
  const uses = def.uses ?? "";
  if (!load)
    return { errors: [`Job '${def.id}' calls '${uses}', but this run cannot read reusable workflows.`] };
  let called: CalledWorkflow | { errors: string[] };
  try {
    called = await load(uses, frame.source);
  } catch (err) {
    called = { errors: [`Reusable workflow '${uses}': ${(err as Error).message}`] };
  }
  if ("errors" in called) return called;
  if (frame.chain.includes(called.id)) {
    const cycle = [...frame.chain.slice(frame.chain.indexOf(called.id)), called.id].join(" → ");
    return {
      errors: [`Job '${def.id}' calls '${uses}', which is already running in this chain of calls: ${cycle}`],
    };
  }
  if (frame.chain.length + 1 > MAX_CALL_DEPTH) {
    return {
      errors: [
        `Job '${def.id}' calls '${uses}', but doing so would exceed the limit of ${MAX_CALL_DEPTH} levels of workflows (the top-level caller and ${MAX_CALL_DEPTH - 1} levels of reusable workflows): ${[...frame.chain, called.id].join(" → ")}`,
      ],
    };
  }
  if (!frame.unique.has(called.id) && frame.unique.size >= MAX_UNIQUE_CALLED_WORKFLOWS) {
    return {
      errors: [
        `Job '${def.id}' calls '${uses}', but doing so would exceed the limit of ${MAX_UNIQUE_CALLED_WORKFLOWS} unique reusable workflows in a run.`,
      ],
    };
  }
  frame.unique.add(called.id);
  const spec = readWorkflowCall(called.workflow.loaded);
  if (!spec) {
    return { errors: [`Reusable workflow '${uses}' cannot be called: its 'on:' has no workflow_call.`] };
  }
  return { called, spec };
}

/** What a call's legs need from the run that holds the calling job. */
export interface CallHost {
  opts: WorkflowRunOptions;
  frame: CallFrame;
  masks: string[];
  /** Reports the leg as failed before its jobs ran, with these errors as its log. */
  fail(leg: Leg, messages: string[]): JobOutcome;
  /** Reports the leg as cancelled before it started (with the reason, when there is one). */
  cancelled(leg: Leg, message?: string): JobOutcome;
  /** The concurrency groups of the run (a called workflow's own `concurrency:` enters them). */
  groups: ConcurrencyGroups;
  /** Adds the called jobs' reports to the run's. */
  fold(leg: Leg, jobs: JobReport[]): void;
  runNested(opts: WorkflowRunOptions): Promise<WorkflowGraphResult>;
}

function evaluateMapping(token: JobDef["with"], contexts: Contexts): Record<string, Json> {
  if (!token) return {};
  const value = evaluateToken(token, contexts);
  return value && typeof value === "object" && !Array.isArray(value) ? value : {};
}

/** Waits for the group of the workflow a leg calls; a run cancelled meanwhile abandons the wait. */
function enterCalledGroup(host: CallHost, leg: Leg, call: PreparedCall, inputs: Record<string, Json>) {
  const { opts } = host;
  const abort = new AbortController();
  leg.group.onCancel(() => {
    if (leg.mustNotStart()) abort.abort();
  });
  return enterGroup({
    groups: host.groups,
    token: call.called.workflow.concurrency,
    level: "workflow",
    contexts: { github: opts.github, inputs, vars: opts.vars },
    holder: `${opts.runId}/${leg.jobKey}/call`,
    signal: abort.signal,
    job: { id: leg.def.id, workflowGroup: opts.workflowGroup },
  });
}

/** Runs one leg of a calling job: the called workflow's graph, with its inputs, secrets and outputs. */
export async function runCallLeg(host: CallHost, leg: Leg, call: PreparedCall): Promise<JobOutcome> {
  if (leg.mustNotStart()) return host.cancelled(leg);
  const { opts, frame } = host;
  const { def, contexts } = leg;
  const errors: string[] = [];
  let inputs: Record<string, Json> = {};
  let secrets: Record<string, string> = {};
  try {
    const given = evaluateMapping(def.with, contexts);
    const defaultContexts = { github: opts.github, inputs: opts.inputs, vars: opts.vars };
    const resolved = resolveCallInputs(call.spec, given, (token) => evaluateToken(token, defaultContexts));
    inputs = resolved.inputs;
    errors.push(...resolved.errors);
    const passed = def.inheritSecrets
      ? "inherit"
      : Object.fromEntries(
          Object.entries(evaluateMapping(def.secrets, contexts)).map(([k, v]) => [k, toText(v)]),
        );
    const resolvedSecrets = resolveCallSecrets(call.spec, passed, opts.secrets);
    secrets = resolvedSecrets.secrets;
    errors.push(...resolvedSecrets.errors);
  } catch (err) {
    errors.push((err as Error).message);
  }
  if (errors.length > 0) return host.fail(leg, errors);

  // The called workflow's own workflow-level group, entered by the calling job's leg. Inside the
  // call github.workflow is the caller's, so this group often equals the caller's: a deadlock.
  const cancellation = Cancellation.startingUnder(leg.group);
  const entry = call.called.workflow.concurrency
    ? await enterCalledGroup(host, leg, call, inputs)
    : ({ kind: "free" } as const);
  if (entry.kind === "failed") return host.fail(leg, [entry.message]);
  if (entry.kind === "cancelled") return host.cancelled(leg, entry.message);
  if (entry.kind === "held") {
    entry.slot.onSuperseded((message) => {
      opts.bus.emit("job:log", { runId: opts.runId, jobKey: leg.jobKey, line: `Error: ${message}` });
      cancellation.cancel();
    });
  }
  const nested = await host
    .runNested({
      ...opts,
      workflow: call.called.workflow,
      inputs,
      secrets,
      onlyJobs: undefined,
      cancellation,
      call: {
        chain: [...frame.chain, call.called.id],
        unique: frame.unique,
        source: call.called.source,
        keyPrefix: leg.jobKey,
        idPrefix: `${frame.idPrefix}${def.id}/`,
        namePrefix: `${leg.name} / `,
        masks: host.masks,
        callers: [...frame.callers, { workflow: opts.workflow, job: def }],
      },
    })
    .finally(() => (entry.kind === "held" ? entry.slot.release() : undefined));
  host.fold(leg, nested.report.jobs);

  const outputs: Record<string, string> = {};
  const outputContexts: Contexts = { github: opts.github, inputs, vars: opts.vars, jobs: nested.jobs };
  const outputErrors: string[] = [];
  for (const { name, value } of call.spec.outputs) {
    try {
      outputs[name] = toText(evaluateToken(value, outputContexts));
    } catch (err) {
      outputErrors.push(`Output '${name}': ${(err as Error).message}`);
    }
  }
  if (outputErrors.length > 0) return { ...host.fail(leg, outputErrors), outputs };
  const result = nested.report.conclusion === "skipped" ? "success" : nested.report.conclusion;
  return { result, outputs, steps: [] };
}
