import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { type Contexts, evaluateToken, type Json, toText } from "../expressions/index.js";
import type { ConcurrencySetting } from "./concurrency-groups.js";

/** The contexts GitHub lets a `concurrency:` expression read, at each level. */
export const CONCURRENCY_CONTEXTS = {
  workflow: ["github", "inputs", "vars"],
  job: ["github", "inputs", "vars", "needs", "strategy", "matrix"],
} as const;

/** GitHub's message for the one combination it rejects. */
export const QUEUE_MAX_WITH_CANCEL = "'queue: max' cannot be combined with 'cancel-in-progress: true'.";

export type EvaluatedConcurrency = { setting: ConcurrencySetting } | { error: string } | { none: true };

function typeName(value: Json): string {
  if (value === null) return "Null";
  if (Array.isArray(value)) return "Array";
  const t = typeof value;
  return t === "object" ? "Object" : t[0].toUpperCase() + t.slice(1);
}

/**
 * Evaluates a `concurrency:` value (a group name, or a mapping of group, cancel-in-progress and
 * queue, each possibly an expression) with only the contexts its level allows. A group that
 * evaluates to nothing, a value of the wrong type and `queue: max` with cancel-in-progress are
 * errors, as on GitHub.
 */
export function evaluateConcurrency(
  token: TemplateToken | undefined,
  level: keyof typeof CONCURRENCY_CONTEXTS,
  contexts: Contexts,
): EvaluatedConcurrency {
  if (!token) return { none: true };
  const allowed: Contexts = {};
  for (const name of CONCURRENCY_CONTEXTS[level]) allowed[name] = contexts[name] ?? {};
  let value: Json;
  try {
    value = evaluateToken(token, allowed);
  } catch (err) {
    return { error: `concurrency: ${(err as Error).message}` };
  }
  const fields: Record<string, Json> =
    value !== null && typeof value === "object" && !Array.isArray(value) ? value : { group: value };
  for (const key of Object.keys(fields)) {
    if (!["group", "cancel-in-progress", "queue"].includes(key)) {
      return { error: `concurrency: unexpected key '${key}'` };
    }
  }
  const group = fields.group;
  if (group === undefined) return { error: "concurrency: a group is required" };
  if (group !== null && typeof group === "object") {
    return { error: `concurrency.group: expected a string, got ${typeName(group)}` };
  }
  const name = toText(group);
  if (name.trim() === "") return { error: "concurrency.group: the group name evaluated to an empty string" };
  const cancel = fields["cancel-in-progress"] ?? false;
  if (typeof cancel !== "boolean") {
    return {
      error: `concurrency.cancel-in-progress: expected a boolean, got ${typeName(cancel)} '${toText(cancel)}'`,
    };
  }
  const queue = fields.queue ?? "single";
  if (queue !== "single" && queue !== "max") {
    return { error: `concurrency.queue: expected 'single' or 'max', got '${toText(queue)}'` };
  }
  if (queue === "max" && cancel) return { error: `concurrency: ${QUEUE_MAX_WITH_CANCEL}` };
  return { setting: { group: name, cancelInProgress: cancel, queue } };
}
