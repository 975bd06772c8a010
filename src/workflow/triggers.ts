import type { EventsConfig } from "@actions/workflow-parser/model/workflow-template";
import type { Json } from "../expressions/index.js";
import { filterAllows, matchPattern, pathsAllow } from "./filters.js";

/** An event as a trigger sees it: its name, payload and the ref it happened on. */
export interface TriggerEvent {
  name: string;
  payload: { [key: string]: Json };
  /** Full ref: refs/heads/x or refs/tags/x (for pull requests: the base branch's ref). */
  ref: string;
  /**
   * Files the event changed, computed only when a paths filter asks for them; null when GitHub would
   * not diff (a push of over 1,000 commits): the workflow then runs whatever its paths filters say.
   */
  changedFiles: () => string[] | null;
}

/** Activity types GitHub uses when a workflow names an event without `types`. */
const DEFAULT_TYPES: Record<string, string[]> = {
  pull_request: ["opened", "synchronize", "reopened"],
  pull_request_target: ["opened", "synchronize", "reopened"],
};

type Filters = {
  branches?: string[];
  "branches-ignore"?: string[];
  tags?: string[];
  "tags-ignore"?: string[];
  paths?: string[];
  "paths-ignore"?: string[];
  types?: string[];
};

function shortName(ref: string, prefix: string): string | undefined {
  return ref.startsWith(prefix) ? ref.slice(prefix.length) : undefined;
}

function pushMatches(f: Filters, ev: TriggerEvent): boolean {
  const hasBranch = f.branches !== undefined || f["branches-ignore"] !== undefined;
  const hasTag = f.tags !== undefined || f["tags-ignore"] !== undefined;
  const branch = shortName(ev.ref, "refs/heads/");
  const tag = shortName(ev.ref, "refs/tags/");
  if (tag !== undefined) {
    // A workflow that filters only branches never runs for a tag push.
    if (hasBranch && !hasTag) return false;
    if (!filterAllows(f.tags, f["tags-ignore"], tag)) return false;
    // GitHub ignores paths filters for tag pushes.
    return true;
  }
  if (branch !== undefined) {
    if (hasTag && !hasBranch) return false;
    if (!filterAllows(f.branches, f["branches-ignore"], branch)) return false;
  } else if (hasBranch || hasTag) {
    // No branch or tag (a detached HEAD no ref points at): no branch or tag filter can take it.
    return false;
  }
  return pathsMatch(f, ev);
}

function pathsMatch(f: Filters, ev: TriggerEvent): boolean {
  if (f.paths === undefined && f["paths-ignore"] === undefined) return true;
  const files = ev.changedFiles();
  return files === null || pathsAllow(f.paths, f["paths-ignore"], files);
}

function typesMatch(eventName: string, f: Filters | undefined, ev: TriggerEvent): boolean {
  const types = f?.types ?? DEFAULT_TYPES[eventName];
  const action = ev.payload.action;
  if (!types || typeof action !== "string") return true;
  return types.includes(action);
}

type WorkflowRunFilters = Filters & { workflows?: string[] };

/**
 * `on.workflow_run`: `workflows` names the triggering workflow by its `name:` (a workflow without
 * one is named by its path, as GitHub shows it). Each entry is a filter pattern, as on GitHub: a
 * literal `+` or `*` in a name is written `\+`, `\*`. A workflow that names no workflow is started by none.
 * `branches`/`branches-ignore` look at the triggering run's head_branch. No `types`: every activity
 * type (requested, in_progress, completed), as GitHub documents.
 */
function workflowRunMatches(f: WorkflowRunFilters | undefined, ev: TriggerEvent): boolean {
  const run = ev.payload.workflow_run;
  const fields = run !== null && typeof run === "object" && !Array.isArray(run) ? run : {};
  const name = typeof fields.name === "string" ? fields.name : undefined;
  const branch = typeof fields.head_branch === "string" ? fields.head_branch : "";
  if (name === undefined || !(f?.workflows ?? []).some((p) => matchPattern(p, name))) return false;
  return filterAllows(f?.branches, f?.["branches-ignore"], branch);
}

/** Does this event start a workflow with these `on:` events? Answers GitHub's way. */
export function workflowMatches(events: EventsConfig, ev: TriggerEvent): boolean {
  if (!Object.hasOwn(events, ev.name)) return false;
  const f = (events[ev.name] ?? undefined) as Filters | undefined;
  switch (ev.name) {
    case "push":
      return pushMatches(f ?? {}, ev);
    case "pull_request":
    case "pull_request_target": {
      if (!typesMatch(ev.name, f, ev)) return false;
      const base = shortName(ev.ref, "refs/heads/") ?? ev.ref;
      if (!filterAllows(f?.branches, f?.["branches-ignore"], base)) return false;
      return pathsMatch(f ?? {}, ev);
    }
    case "schedule": {
      // A payload naming its cron (github.event.schedule) starts only the workflows with that cron.
      const cron = ev.payload.schedule;
      return typeof cron !== "string" || (events.schedule ?? []).some((s) => s.cron === cron);
    }
    case "workflow_run":
      return typesMatch(ev.name, f, ev) && workflowRunMatches(f as WorkflowRunFilters | undefined, ev);
    default:
      return typesMatch(ev.name, f, ev);
  }
}
