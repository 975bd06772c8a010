import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { type LoadedWorkflow, type Problem, parseActionManifest, type StepDef } from "../workflow/index.js";
import { parseActionRef } from "./action-ref.js";
import type { ActionStore } from "./action-store.js";
import type { BuiltInProvider } from "./run-action.js";
import { parseStoreRef } from "./store-ref.js";

/**
 * Warnings (not errors: the store may be filled before the run) for the remote actions and
 * reusable workflows of `workflows` that neither the action store nor its mirror can provide, at
 * the `uses:` that names them. Nothing is fetched (see ActionStore.check); the composite actions
 * the store holds already are read for the actions they use in turn.
 */
export async function checkRemoteActions(
  workflows: LoadedWorkflow[],
  store: ActionStore,
  builtIns: Pick<BuiltInProvider, "provides">,
): Promise<Problem[]> {
  const checked = new Map<string, Promise<Error | undefined>>();
  /** The store's answer for owner/repo@ref, asked once. */
  const inStore = (owner: string, repo: string, ref: string): Promise<Error | undefined> => {
    const key = `${owner}/${repo}@${ref}`.toLowerCase();
    let pending = checked.get(key);
    if (!pending) {
      pending = store.check(owner, repo, ref);
      checked.set(key, pending);
    }
    return pending;
  };
  /** The messages for one `uses:` and the actions under it; `within` holds the composite actions above. */
  const check = async (uses: string, within: ReadonlySet<string> = new Set()): Promise<string[]> => {
    const ref = parseActionRef(uses);
    const key = uses.toLowerCase();
    if (ref?.kind !== "remote" || builtIns.provides(uses) || within.has(key)) return [];
    const problem = await inStore(ref.owner, ref.repo, ref.ref);
    if (problem) return [problem.message];
    const dir = store.checkedOut(ref.owner, ref.repo, ref.ref);
    const steps = dir ? compositeSteps(join(dir, ref.path)) : [];
    const inner = new Set([...within, key]);
    const nested = await Promise.all(steps.map((s) => (s.uses ? check(s.uses.trim(), inner) : [])));
    return nested.flatMap((messages, i) =>
      messages.map((m) => `${uses} uses ${steps[i].uses?.trim()}: ${m}`),
    );
  };
  const checkWorkflowCall = async (uses: string): Promise<string[]> => {
    if (uses.startsWith("./")) return [];
    try {
      const { owner, repo, ref } = parseStoreRef(uses);
      const problem = await inStore(owner, repo, ref);
      return problem ? [problem.message] : [];
    } catch {
      return []; // the workflow's own validation reports a malformed reference
    }
  };

  const found: { file: string; token: TemplateToken; messages: Promise<string[]> }[] = [];
  for (const wf of workflows) {
    for (const job of wf.template.jobs) {
      if (job.type === "reusableWorkflowJob") {
        found.push({ file: wf.file, token: job.ref, messages: checkWorkflowCall(job.ref.value) });
        continue;
      }
      for (const step of job.steps) {
        const uses = (step as { uses?: TemplateToken & { value: string } }).uses;
        if (uses) found.push({ file: wf.file, token: uses, messages: check(uses.value.trim()) });
      }
    }
  }
  const problems: Problem[] = [];
  for (const f of found) {
    for (const message of await f.messages) {
      const at = f.token.range?.start;
      problems.push({
        file: f.file,
        line: at?.line ?? 1,
        col: at?.column ?? 1,
        severity: "warning",
        message,
      });
    }
  }
  return problems;
}

/** The steps of the composite action in `dir`, or none (not composite, or not readable). */
function compositeSteps(dir: string): StepDef[] {
  const file = ["action.yml", "action.yaml"].map((n) => join(dir, n)).find((f) => existsSync(f));
  if (!file) return [];
  const { manifest } = parseActionManifest(file, readFileSync(file, "utf8"));
  return manifest?.runs.using === "composite" ? manifest.runs.steps : [];
}
