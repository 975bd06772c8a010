// The sample rows unit tests store when a test needs a repository and a run but not their values:
// acme/app, and a push run of its CI workflow on main, in progress.
import type { NewRepo, NewRun } from "../src/store/index.js";

export const SAMPLE_REPO: NewRepo = {
  owner: "acme",
  name: "app",
  url: "/srv/app.git",
  defaultBranch: "main",
  pollIntervalSeconds: 60,
};

/** A push run of acme/app's CI workflow on main, in progress; `over` changes any of its fields. */
export function sampleRun(repoId: number, over: Partial<NewRun> = {}): NewRun {
  return {
    repoId,
    workflowName: "CI",
    workflowFile: ".github/workflows/ci.yml",
    event: "push",
    ref: "refs/heads/main",
    headBranch: "main",
    headSha: "a".repeat(40),
    status: "in_progress",
    conclusion: null,
    actor: "dev",
    github: {},
    inputs: {},
    problems: [],
    ...over,
  };
}
