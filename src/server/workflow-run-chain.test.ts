import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git, makeRepo } from "../../test/harness.js";
import type { Repo, Run, Store } from "../store/index.js";
import type { RepoClones } from "./repo-clones.js";
import { readBranchRef, WorkflowRunChain } from "./workflow-run-chain.js";

describe("readBranchRef", () => {
  it("reads a branch's commit from a bare clone, packed or loose, as git resolves it", () => {
    const work = makeRepo({ files: { "a.txt": "1" } });
    const bare = join(mkdtempSync(join(tmpdir(), "gantry-refs-")), "app.git");
    git(work, "clone", "-q", "--mirror", work, bare);
    // A fresh mirror keeps its refs in packed-refs.
    expect(readBranchRef(bare, "refs/heads/main")).toBe(git(bare, "rev-parse", "refs/heads/main"));
    git(work, "commit", "-q", "--allow-empty", "-m", "two");
    git(bare, "fetch", "-q", "origin");
    // A fetched branch is a loose ref, newer than its packed line.
    expect(readBranchRef(bare, "refs/heads/main")).toBe(git(work, "rev-parse", "HEAD"));
    expect(readBranchRef(bare, "refs/heads/nope")).toBeUndefined();
  });
});

describe("WorkflowRunChain.fire", () => {
  const repo: Repo = {
    id: 7,
    owner: "o",
    name: "r",
    url: "/nowhere",
    defaultBranch: "main",
    pollIntervalSeconds: 0,
    requiredChecks: [],
    createdAt: "2026-12-07T00:00:00.000Z",
    forkApproval: "none",
  };
  const run = {
    id: 1,
    repoId: 7,
    workflowName: "CI",
    workflowFile: ".github/workflows/ci.yml",
    event: "workflow_dispatch",
    ref: "refs/heads/main",
    headBranch: "main",
    headSha: "b".repeat(40),
    status: "queued",
    conclusion: null,
    runNumber: 1,
    runAttempt: 1,
    actor: "someone",
    github: {},
    inputs: {},
    problems: [],
    createdAt: "2026-12-07T00:00:00.000Z",
    updatedAt: "2026-12-07T00:00:00.000Z",
    startedAt: null,
    completedAt: null,
    chainDepth: 0,
    fork: false,
    displayTitle: "CI",
  } as unknown as Run;

  function chainOver(stored: Repo | undefined) {
    const gitDir = mkdtempSync(join(tmpdir(), "gantry-chain-"));
    mkdirSync(join(gitDir, "refs", "heads"), { recursive: true });
    writeFileSync(join(gitDir, "refs", "heads", "main"), `${"a".repeat(40)}\n`);
    const reads: number[] = [];
    const events: Array<{ repo: Repo; action: unknown }> = [];
    const logged: string[] = [];
    const chain = new WorkflowRunChain({
      store: {
        getRepoById: async (id: number) => {
          reads.push(id);
          return stored;
        },
      } as unknown as Store,
      clones: {
        path: () => gitDir,
        readWorkflows: async () => [{ file: ".github/workflows/after.yml", content: "on: workflow_run" }],
      } as unknown as RepoClones,
      baseUrl: () => "",
      log: (message) => logged.push(message),
      handleEvent: async (r, event) => {
        events.push({ repo: r, action: event.payload.action });
        return [];
      },
    });
    return { chain, reads, events, logged };
  }

  it("takes the repository its caller read just now rather than reading it again", async () => {
    const { chain, reads, events, logged } = chainOver(repo);
    chain.fire(run, "requested", repo);
    chain.fire({ ...run, status: "in_progress" }, "in_progress", repo);
    await chain.idle();
    expect(logged).toEqual([]);
    expect(reads).toEqual([]);
    expect(events.map((e) => e.action)).toEqual(["requested", "in_progress"]);
    expect(events.every((e) => e.repo === repo)).toBe(true);
  });

  it("reads the repository when not given, or given another run's", async () => {
    const { chain, reads, events } = chainOver(repo);
    chain.fire({ ...run, status: "completed" }, "completed");
    chain.fire({ ...run, status: "completed" }, "completed", { ...repo, id: 8 });
    await chain.idle();
    expect(reads).toEqual([7, 7]);
    expect(events).toHaveLength(2);
    // A repository gone meanwhile: nothing is fired.
    const gone = chainOver(undefined);
    gone.chain.fire(run, "completed");
    await gone.chain.idle();
    expect(gone.events).toEqual([]);
  });
});
