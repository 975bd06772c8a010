import type { EventsConfig } from "@actions/workflow-parser/model/workflow-template";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import type { LoadedFile } from "./load-files.js";
import type { Problem } from "./problems.js";
import { type TriggerEvent, workflowMatches } from "./triggers.js";

function inside(p: Problem, token: TemplateToken | undefined): boolean {
  const r = token?.range;
  if (!r) return false;
  const at = p.line * 1e6 + p.col;
  return at >= r.start.line * 1e6 + r.start.column && at <= r.end.line * 1e6 + r.end.column;
}

/**
 * The `on:` of a file when it can be trusted: the file was read as a workflow and no error lies in
 * its `on:` (key or value). Undefined when the file cannot tell which events start it.
 */
export function readableEvents(entry: LoadedFile): EventsConfig | undefined {
  const wf = entry.workflow;
  if (!wf) return undefined;
  const on = [...wf.root].find((pair) => String(pair.key) === "on");
  if (!on) return undefined;
  const errors = entry.problems.filter((p) => p.severity === "error" && p.file === entry.file);
  if (errors.some((p) => inside(p, on.key) || inside(p, on.value))) return undefined;
  return wf.template.events;
}

/**
 * Would this event start the file? A file with errors is matched on its `on:` when that can be
 * read; one whose `on:` cannot be read would start (and fail) for any event, so that a broken file
 * is never silently passed over.
 */
export function fileWouldRun(entry: LoadedFile, ev: TriggerEvent): boolean {
  const events = readableEvents(entry);
  return events === undefined || workflowMatches(events, ev);
}
