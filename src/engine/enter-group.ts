import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import type { Contexts } from "../expressions/index.js";
import {
  type ConcurrencyGroups,
  type ConcurrencySetting,
  type ConcurrencySlot,
  deadlockMessage,
  groupKey,
} from "./concurrency-groups.js";
import { CONCURRENCY_CONTEXTS, evaluateConcurrency } from "./concurrency-setting.js";

/** Where a run or job stands after asking for its concurrency group. */
export type GroupEntry =
  /** It has no `concurrency:`. */
  | { kind: "free" }
  | { kind: "held"; setting: ConcurrencySetting; slot: ConcurrencySlot }
  /** Cancelled while pending; `message` is GitHub's. */
  | { kind: "cancelled"; message: string }
  /** The setting could not be evaluated, is one GitHub rejects, or would deadlock. */
  | { kind: "failed"; message: string };

export interface EnterGroupOptions {
  groups: ConcurrencyGroups;
  token: TemplateToken | undefined;
  level: keyof typeof CONCURRENCY_CONTEXTS;
  contexts: Contexts;
  holder: string;
  /** The holder as a person reads it, named to those it supersedes. */
  label?: string;
  /** Aborts a pending request (its run was cancelled). */
  signal?: AbortSignal;
  /** Called when the request has to wait for its group (it is pending). */
  onWaiting?: (group: string) => void;
  /** For a job: its id and the group its run holds, if any (the same group is a deadlock). */
  job?: { id: string; workflowGroup?: string };
}

/**
 * Evaluates a run's or job's `concurrency:` and waits for its group. The request is made before
 * this first awaits, so runs and jobs enter their groups in the order they ask.
 */
export async function enterGroup(opts: EnterGroupOptions): Promise<GroupEntry> {
  const evaluated = evaluateConcurrency(opts.token, opts.level, opts.contexts);
  if ("none" in evaluated) return { kind: "free" };
  if ("error" in evaluated) return { kind: "failed", message: evaluated.error };
  const { setting } = evaluated;
  const top = opts.job?.workflowGroup;
  if (opts.job && top !== undefined && groupKey(top) === groupKey(setting.group)) {
    return { kind: "failed", message: deadlockMessage(setting.group, opts.job.id) };
  }
  const onWaiting = opts.onWaiting && (() => opts.onWaiting?.(setting.group));
  const admission = await opts.groups.acquire(
    { ...setting, holder: opts.holder, label: opts.label, onWaiting },
    opts.signal,
  );
  return admission.granted
    ? { kind: "held", setting, slot: admission.slot }
    : { kind: "cancelled", message: admission.message };
}
