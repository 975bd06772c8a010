// The files an event changed, as GitHub computes them for `paths` / `paths-ignore` filters
// ("Git diff comparisons" in GitHub's workflow syntax reference):
//   - a push to an existing branch: a two-dot diff of before and after;
//   - a push that creates a branch: a two-dot diff against the parent of the deepest commit pushed
//     (commits no existing ref already held), so a branch forked from main is diffed against its fork
//     point; a branch created at a commit the repository already had changed nothing;
//   - a pull request: a three-dot diff, head against its merge base with the base branch;
//   - "If you push more than 1,000 commits … the workflow will always run": null (no list, filters pass);
//   - "Diffs are limited to 300 files": only the first 300 paths (git's path order, as GitHub's compare
//     lists them) are matched, so a workflow whose files come later does not run.
// Renames count as two paths (the old and the new), so moving a file out of a filtered folder matches.
import { changedBetween, gitOut, isZeroSha, lines, paths } from "./git.js";

/** GitHub matches paths filters against at most this many changed files. */
export const MAX_CHANGED_FILES = 300;
/** A push of more commits than this runs every workflow, whatever its paths filters. */
export const MAX_DIFF_COMMITS = 1000;

/** The changed files, or null when there were too many commits to diff (paths filters then pass). */
export type ChangedFiles = string[] | null;

function limited(files: string[]): string[] {
  return files.length > MAX_CHANGED_FILES ? files.slice(0, MAX_CHANGED_FILES) : files;
}

/** Every file of a commit (a root commit's diff against nothing). */
function allFiles(gitDir: string, sha: string): string[] {
  return paths(gitOut(gitDir, ["ls-tree", "-r", "-z", "--name-only", "--end-of-options", sha]));
}

/**
 * The commits a push brought that no ref held before it, newest first (topological order), at most
 * MAX_DIFF_COMMITS + 1 of them. `existing` are the ids every other ref pointed at before the push.
 */
export function pushedCommits(gitDir: string, after: string, existing: readonly string[]): string[] {
  const input = [after, ...existing.filter((s) => !isZeroSha(s)).map((s) => `^${s}`)].join("\n");
  return lines(
    gitOut(
      gitDir,
      ["rev-list", "--topo-order", `--max-count=${MAX_DIFF_COMMITS + 1}`, "--stdin", "--ignore-missing"],
      `${input}\n`,
    ),
  );
}

export interface PushDiff {
  /** The ref's value before the push (zeros when the push created it). */
  before: string;
  /** The ref's value after the push (zeros when the push deleted it). */
  after: string;
  /** What every other branch and tag pointed at before the push (for a created ref's fork point). */
  existing: readonly string[];
  /** `before`'s commit, when the caller has peeled it (the clone has it). */
  beforeCommit?: string;
  /** How many commits `after` has and `beforeCommit` has not (at least, when over the limit), when known. */
  commits?: number;
}

/** The files a push changed, GitHub's way (see the top of this file). */
export function pushChangedFiles(gitDir: string, push: PushDiff): ChangedFiles {
  if (isZeroSha(push.after)) return [];
  const before = isZeroSha(push.before)
    ? undefined
    : (push.beforeCommit ??
      gitOut(gitDir, ["rev-parse", "-q", "--verify", "--end-of-options", `${push.before}^{commit}`]));
  if (before) {
    const count =
      push.beforeCommit !== undefined && push.commits !== undefined
        ? push.commits
        : lines(
            gitOut(gitDir, [
              "rev-list",
              `--max-count=${MAX_DIFF_COMMITS + 1}`,
              "--end-of-options",
              push.after,
              `^${before}`,
            ]),
          ).length;
    if (count > MAX_DIFF_COMMITS) return null;
    return limited(changedBetween(gitDir, before, push.after) ?? []);
  }
  // A created branch (or a before the repository no longer has): against the fork point.
  const pushed = pushedCommits(gitDir, push.after, push.existing);
  if (pushed.length > MAX_DIFF_COMMITS) return null;
  const deepest = pushed.at(-1);
  if (deepest === undefined) return [];
  const parent = gitOut(gitDir, ["rev-parse", "-q", "--verify", "--end-of-options", `${deepest}^`]);
  return limited(parent ? (changedBetween(gitDir, parent, push.after) ?? []) : allFiles(gitDir, push.after));
}

/** The files a pull request changes: head against its merge base with base (three-dot). */
export function pullRequestChangedFiles(gitDir: string, base: string, head: string): ChangedFiles {
  const mergeBase = gitOut(gitDir, ["merge-base", "--end-of-options", base, head]);
  // Unrelated histories have no merge base: everything in head is new.
  const files = mergeBase ? changedBetween(gitDir, mergeBase, head) : allFiles(gitDir, head);
  return limited(files ?? []);
}
