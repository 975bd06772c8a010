import type { MappingToken } from "@actions/workflow-parser/templates/tokens/mapping-token";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { isBoolean, isMapping, isString } from "@actions/workflow-parser/templates/tokens/type-guards";
import { type Problem, problemAt } from "./problems.js";

/** The group of a `concurrency:` value when it is written without expressions. */
function literalGroup(token: TemplateToken): string | undefined {
  if (isString(token)) return token.value;
  if (!isMapping(token)) return undefined;
  const group = token.find("group");
  return group && isString(group) ? group.value : undefined;
}

/** `queue: max` with a literal `cancel-in-progress: true`: GitHub rejects the workflow. */
function queueConflict(file: string, token: TemplateToken): Problem[] {
  if (!isMapping(token)) return [];
  const queue = token.find("queue");
  const cancel = token.find("cancel-in-progress");
  if (!queue || !isString(queue) || queue.value !== "max") return [];
  if (!cancel || !isBoolean(cancel) || !cancel.value) return [];
  return [
    problemAt(file, queue, "error", "'queue: max' cannot be combined with 'cancel-in-progress: true'."),
  ];
}

/**
 * What GitHub checks in `concurrency:` beyond the schema: `queue: max` with cancel-in-progress
 * (an error), and a job whose literal group is the workflow's (a warning: the job waits on its own
 * run and GitHub cancels it as a deadlock). Group names compare case-insensitively, as GitHub does.
 */
export function checkConcurrency(file: string, root: MappingToken): Problem[] {
  const problems: Problem[] = [];
  const top = root.find("concurrency");
  if (top) problems.push(...queueConflict(file, top));
  const topGroup = top ? literalGroup(top) : undefined;
  const jobs = root.find("jobs");
  if (!jobs || !isMapping(jobs)) return problems;
  for (const pair of jobs) {
    const concurrency = isMapping(pair.value) ? pair.value.find("concurrency") : undefined;
    if (!concurrency) continue;
    problems.push(...queueConflict(file, concurrency));
    const group = literalGroup(concurrency);
    if (top && topGroup !== undefined && group?.toLowerCase() === topGroup.toLowerCase()) {
      const job = String(pair.key);
      problems.push(
        problemAt(
          file,
          top,
          "warning",
          `Concurrency group '${topGroup}' is also used by job '${job}'. This will cause a deadlock.`,
        ),
        problemAt(
          file,
          concurrency,
          "warning",
          `Concurrency group '${group}' is also defined at the workflow level. This will cause a deadlock.`,
        ),
      );
    }
  }
  return problems;
}
