// workflow_run on the server: each run's life (requested when queued, in_progress when it starts,
// completed when it ends, again for every re-run attempt but never `requested`) becomes a
// workflow_run event for the default branch's workflows at its head, as GitHub does, with GitHub's
// limit of three chained levels.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Repo, Run, Store } from "../store/index.js";
import type { RepoEvent } from "../triggers/index.js";
import type { RepoClones } from "./repo-clones.js";
import { type WorkflowRunAction, workflowRunEvent } from "./workflow-run-event.js";

/** GitHub's limit: "You can't use workflow_run to chain together more than three levels of workflows". */
export const MAX_CHAIN_DEPTH = 3;

export interface WorkflowFile {
  file: string;
  content: string;
}

export interface WorkflowRunChainDeps {
  store: Store;
  clones: RepoClones;
  /** The server's URL, for the `url` fields of the payload ("" before it listens). */
  baseUrl: () => string;
  log: (message: string) => void;
  /** Starts the runs an event matches among these workflow files (RunService.handleEvent). */
  handleEvent: (repo: Repo, event: RepoEvent, files: WorkflowFile[]) => Promise<Run[]>;
}

/**
 * The chain depth a run started by `event` gets: 0 unless it is a workflow_run, then its triggering
 * run's depth + 1.
 */
export async function chainDepthOf(store: Store, event: RepoEvent): Promise<number> {
  if (event.name !== "workflow_run") return 0;
  const triggering = event.payload.workflow_run as { id?: unknown } | undefined;
  const id = typeof triggering?.id === "number" ? triggering.id : undefined;
  const run = id === undefined ? undefined : await store.getRun(id);
  return (run?.chainDepth ?? 0) + 1;
}

/** Why a run at `depth` does not start, or undefined when it may. */
export function chainLimitReason(depth: number, event: RepoEvent): string | undefined {
  if (depth <= MAX_CHAIN_DEPTH) return undefined;
  const triggering = event.payload.workflow_run as { id?: unknown; name?: unknown } | undefined;
  return (
    `not started: this workflow_run would be level ${depth} of a chain after ` +
    `'${String(triggering?.name)}' (run ${String(triggering?.id)}), and workflow_run chains at most ` +
    `${MAX_CHAIN_DEPTH} levels of workflows (GitHub's limit)`
  );
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * A branch's commit read from a bare clone's ref files (loose, else packed-refs) without starting
 * git: every run's every activity asks for the default branch's head. undefined when not found there.
 */
export function readBranchRef(gitDir: string, ref: string): string | undefined {
  try {
    const loose = readFileSync(join(gitDir, ref), "utf8").trim();
    if (SHA.test(loose)) return loose;
  } catch {
    // not a loose ref: look in packed-refs
  }
  try {
    for (const line of readFileSync(join(gitDir, "packed-refs"), "utf8").split("\n")) {
      const [sha, name] = line.trim().split(" ");
      if (name === ref && SHA.test(sha)) return sha;
    }
  } catch {
    // no packed-refs
  }
  return undefined;
}

export class WorkflowRunChain {
  private readonly pending = new Set<Promise<void>>();
  /** Per repository: the default branch's head last read, and its workflows that name workflow_run. */
  private readonly listeners = new Map<number, { sha: string; files: WorkflowFile[] }>();
  private stopped = false;

  constructor(private readonly deps: WorkflowRunChainDeps) {}

  /**
   * Fires workflow_run `action` for `run` (as it stands now) in the background: idle() waits for it.
   * A failure is logged; the run it is about is never affected. `repo`: the run's repository as the
   * caller read it just now (a run being made or started), so that it is not read again on the
   * event's way to its first step; without it, it is read from the store (a run's end, minutes later).
   */
  fire(run: Run, action: WorkflowRunAction, repo?: Repo): void {
    if (this.stopped) return;
    const snapshot = { ...run, updatedAt: new Date().toISOString() };
    const p: Promise<void> = this.dispatch(snapshot, action, repo)
      .catch((err) => this.deps.log(`workflow_run ${action} of run ${run.id}: ${(err as Error).message}`))
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Whether an event is still being handed on. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Resolves once every event fired so far has started its runs. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Fires nothing more (the server is stopping) and waits for what is under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private async dispatch(run: Run, action: WorkflowRunAction, known?: Repo): Promise<void> {
    const { store, clones } = this.deps;
    const repo = known?.id === run.repoId ? known : await store.getRepoById(run.repoId);
    if (!repo) return;
    // The default branch's head as the server's clone has it (pushes, hooks and polls keep it fresh).
    const ref = `refs/heads/${repo.defaultBranch}`;
    const stored = readBranchRef(clones.path(repo), ref);
    const head = stored ? { ref, sha: stored } : await clones.resolveRef(repo, ref);
    if (!head) return;
    const files = await this.listenersAt(repo, head.sha);
    if (files.length === 0) return;
    const event = workflowRunEvent(repo, head, run, action, this.deps.baseUrl());
    await this.deps.handleEvent(repo, event, files);
  }

  /**
   * The default branch's workflow files that may listen to workflow_run (their text names it), read
   * once per head: most runs' events end here without parsing a workflow.
   */
  private async listenersAt(repo: Repo, sha: string): Promise<WorkflowFile[]> {
    const known = this.listeners.get(repo.id);
    if (known?.sha === sha) return known.files;
    const files = (await this.deps.clones.readWorkflows(repo, sha)).filter((f) =>
      f.content.includes("workflow_run"),
    );
    this.listeners.set(repo.id, { sha, files });
    return files;
  }
}
