export {
  type ChangedFiles,
  MAX_CHANGED_FILES,
  MAX_DIFF_COMMITS,
  type PushDiff,
  pullRequestChangedFiles,
  pushChangedFiles,
  pushedCommits,
} from "./changed-files.js";
export { changedBetween, gitAsync, gitOut, hasCommit, isZeroSha, lines, paths, ZERO_SHA } from "./git.js";
export type { RepoEvent } from "./repo-event.js";
