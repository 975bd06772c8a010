import { type Contexts, evaluateToken, type Json } from "../expressions/index.js";
import type { JobDef } from "../workflow/index.js";

/** The labels a job's `runs-on` asks for: a label, a list, or `{ group, labels }`. */
export function requestedLabels(job: JobDef, contexts: Contexts): string[] {
  if (!job.runsOn) return [];
  const value: Json = evaluateToken(job.runsOn, contexts);
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.map(String);
  if (value && typeof value === "object") {
    const labels = (value as Record<string, Json>).labels;
    if (typeof labels === "string") return [labels];
    if (Array.isArray(labels)) return labels.map(String);
  }
  return [];
}
