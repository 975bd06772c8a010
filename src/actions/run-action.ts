import { readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import {
  type ActionProbe,
  type ActionProvider,
  type ActionStepRequest,
  type ActionStepResult,
  dockerUnavailable,
  needsDocker,
  type PostAction,
} from "../runner/index.js";
import { type ActionManifest, formatProblem, parseActionManifest, type StepDef } from "../workflow/index.js";
import { resolveActionInputs } from "./action-inputs.js";
import { type ActionRef, parseActionRef } from "./action-ref.js";
import { runCompositeAction } from "./composite-action.js";
import { nodePreAction, runNodeAction } from "./node-action.js";

/** Where remote actions come from: the action store (its own copies, then its mirror). */
export interface ActionSource {
  /**
   * The repository at `ref`, checked out in `dir`. With `mirror: false` only copies the store
   * already holds (added or pinned); throws with a message saying how to provide it when absent.
   */
  resolve(owner: string, repo: string, ref: string, opts: { mirror: boolean }): Promise<ResolvedAction>;
}

export interface ResolvedAction {
  dir: string;
  commit: string;
  source: string;
}

/** Actions gantry implements itself; `provides` says whether it has one for a `uses:`. */
export interface BuiltInProvider extends ActionProvider {
  provides(uses: string): boolean;
}

interface Located {
  dir: string;
  manifest?: ActionManifest;
  error?: string;
  repository: string;
  ref: string;
  resolved?: ResolvedAction;
}

const MANIFEST_NAMES = ["action.yml", "action.yaml"];

function invalidRef(uses: string): string {
  return `'${uses}' is not a valid action reference: use ./path, owner/repo[/path]@ref or docker://image`;
}

/**
 * Resolves `uses:` and runs the action: local actions from the workspace; remote ones from the
 * store's own copies, else gantry's built-in implementation, else the store's mirror; then
 * composite and JavaScript actions here, Docker actions only where an engine answers.
 */
export class ActionRunner implements ActionProvider {
  private readonly manifests = new Map<string, { key: string; manifest?: ActionManifest; error?: string }>();

  constructor(
    private readonly builtIns: BuiltInProvider,
    private readonly source: ActionSource,
  ) {}

  async runAction(req: ActionStepRequest): Promise<ActionStepResult> {
    const ref = parseActionRef(req.uses);
    if (!ref) return { ok: false, error: invalidRef(req.uses) };
    if (ref.kind === "docker") return this.dockerAction(`The Docker action '${req.uses}'`);
    const located = await this.locate(ref, req.uses, req.workspace);
    if ("builtIn" in located) return this.builtIns.runAction(req);
    if (located.error || !located.manifest) return { ok: false, error: located.error };
    const result = await this.runManifest(req, located);
    if (located.resolved)
      result.action = { commit: located.resolved.commit, source: located.resolved.source };
    return result;
  }

  async preAction(probe: ActionProbe): Promise<PostAction | undefined> {
    const ref = parseActionRef(probe.uses);
    if (!ref || ref.kind !== "remote") return undefined;
    const located = await this.locate(ref, probe.uses, probe.workspace);
    if ("builtIn" in located || !located.manifest || !("main" in located.manifest.runs)) return undefined;
    const { inputs, error } = resolveActionInputs({ ...probe, warn: () => undefined }, located.manifest);
    if (error) return undefined;
    return nodePreAction(located.manifest, located.dir, inputs, this.actionEnv(located));
  }

  async prepareJob(steps: StepDef[], workspace: string): Promise<string[]> {
    const problems: string[] = [];
    const seen = new Set<string>();
    // One level at a time, its actions together; the messages keep the steps' order.
    const visit = async (level: StepDef[], usedBy?: string): Promise<void> => {
      const found = await Promise.all(
        level.map(
          async (step): Promise<{ uses: string; error?: string; manifest?: ActionManifest } | undefined> => {
            const uses = step.uses?.trim();
            const ref = uses ? parseActionRef(uses) : undefined;
            if (!uses || ref?.kind === "local" || ref?.kind === "docker") return undefined;
            if (seen.has(uses.toLowerCase())) return undefined;
            seen.add(uses.toLowerCase());
            if (!ref) return { uses, error: invalidRef(uses) };
            const located = await this.locate(ref, uses, workspace);
            return "builtIn" in located ? undefined : { uses, ...located };
          },
        ),
      );
      for (const f of found) {
        if (f?.error) problems.push(usedBy ? `${usedBy} uses ${f.uses}: ${f.error}` : f.error);
      }
      for (const f of found) {
        if (f?.manifest?.runs.using === "composite") await visit(f.manifest.runs.steps, f.uses);
      }
    };
    await visit(steps);
    return problems;
  }

  private async runManifest(req: ActionStepRequest, located: Located): Promise<ActionStepResult> {
    const manifest = located.manifest as ActionManifest;
    if (manifest.runs.using === "docker")
      return this.dockerAction(`The Docker action '${req.uses}' (${manifest.file})`);
    let resolvedInputs: ReturnType<typeof resolveActionInputs>;
    try {
      resolvedInputs = resolveActionInputs(req, manifest);
    } catch (err) {
      return { ok: false, error: `Inputs of '${req.uses}': ${(err as Error).message}` };
    }
    if (resolvedInputs.error) return { ok: false, error: resolvedInputs.error };
    if (manifest.runs.using === "composite") {
      return runCompositeAction(req, manifest, resolvedInputs.inputs, {
        actionPath: located.dir,
        actionRepository: located.repository,
        actionRef: located.ref,
      });
    }
    return runNodeAction(req, manifest, located.dir, resolvedInputs.inputs, this.actionEnv(located));
  }

  private actionEnv(located: Located): Record<string, string> {
    return {
      GITHUB_ACTION_PATH: located.dir,
      GITHUB_ACTION_REPOSITORY: located.repository,
      GITHUB_ACTION_REF: located.ref,
    };
  }

  private async dockerAction(what: string): Promise<ActionStepResult> {
    const why = await dockerUnavailable();
    if (why) return { ok: false, error: needsDocker(what, why) };
    return { ok: false, error: `${what} runs in a container; gantry does not run Docker actions yet.` };
  }

  private async locate(
    ref: ActionRef,
    uses: string,
    workspace: string,
  ): Promise<Located | { builtIn: true }> {
    if (ref.kind === "local") {
      const dir = resolve(workspace, ref.path);
      return { dir, repository: "", ref: "", ...this.manifestIn(dir, uses, workspace) };
    }
    if (ref.kind !== "remote") throw new Error(`not a repository action: ${uses}`);
    const fromStore = (mirror: boolean) => this.source.resolve(ref.owner, ref.repo, ref.ref, { mirror });
    let resolved = await fromStore(false).catch(() => undefined);
    if (!resolved && this.builtIns.provides(uses)) return { builtIn: true };
    if (!resolved) {
      try {
        resolved = await fromStore(true);
      } catch (err) {
        return { dir: "", repository: "", ref: "", error: (err as Error).message };
      }
    }
    const dir = ref.path ? join(resolved.dir, ref.path) : resolved.dir;
    return {
      dir,
      repository: `${ref.owner}/${ref.repo}`,
      ref: ref.ref,
      resolved,
      ...this.manifestIn(dir, uses, resolved.dir, `${ref.owner}/${ref.repo}@${ref.ref}`),
    };
  }

  /**
   * The action.yml in `dir`, parsed once per version of the file; problems name the file
   * relative to `root` (the workspace, or the action's repository, `shown` as owner/repo@ref).
   */
  private manifestIn(
    dir: string,
    uses: string,
    root: string,
    shown?: string,
  ): { manifest?: ActionManifest; error?: string } {
    const local = shown === undefined;
    for (const base of MANIFEST_NAMES) {
      const file = join(dir, base);
      let key: string;
      try {
        const info = statSync(file);
        key = `${info.mtimeMs}:${info.size}`;
      } catch {
        continue;
      }
      const cached = this.manifests.get(file);
      if (cached?.key === key) return cached;
      const name = relative(root, file);
      const parsed = parseActionManifest(shown ? `${shown}:${name}` : name, readFileSync(file, "utf8"));
      const entry = {
        key,
        manifest: parsed.manifest,
        error: parsed.problems.length
          ? `Invalid action '${uses}':\n${parsed.problems.map(formatProblem).join("\n")}`
          : undefined,
      };
      this.manifests.set(file, entry);
      return entry;
    }
    let hasDockerfile = false;
    try {
      hasDockerfile = statSync(join(dir, "Dockerfile")).isFile();
    } catch {
      // no Dockerfile either
    }
    if (hasDockerfile) return { error: `The action '${uses}' is a Dockerfile action, which needs Docker.` };
    const hint = local ? " Did you forget to run actions/checkout before running your local action?" : "";
    return { error: `Can't find 'action.yml' or 'action.yaml' under '${dir}'.${hint}` };
  }
}
