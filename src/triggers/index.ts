export {
  type ChangedFiles,
  MAX_CHANGED_FILES,
  MAX_DIFF_COMMITS,
  type PushDiff,
  pullRequestChangedFiles,
  pushChangedFiles,
  pushedCommits,
} from "./changed-files.js";
export { hmacSha256, PayloadError, SignatureError, secretsEqual } from "./errors.js";
export {
  type Forge,
  type ForgeEvent,
  isForkPullRequest,
  pullRequestEvent,
  pullRequestTargetEvent,
} from "./forge-event.js";
export { EventSkipped, makeMergeCommit, prepareForgeEvent } from "./forge-prepare.js";
export { changedBetween, gitAsync, gitOut, hasCommit, isZeroSha, lines, paths, ZERO_SHA } from "./git.js";
export {
  type HookEventsInput,
  type HookNotification,
  hookEvents,
  parseHookNotification,
} from "./git-hook.js";
export {
  HOOK_CONFIG,
  HOOK_CURLRC,
  HOOK_TIMEOUT_MS,
  HookInstallError,
  type HookInstallOptions,
  hookScript,
  installHook,
} from "./hook-install.js";
export { ensureMirror, fetchMirror, isBareRepository, mirrorDefaultBranch } from "./mirror.js";
export { type PollInput, type PollResult, pollRepository } from "./poller.js";
export {
  isForced,
  MAX_PAYLOAD_COMMITS,
  type PushEventsInput,
  type Pusher,
  peelCommit,
  pushEvents,
  startsWorkflows,
} from "./push-events.js";
export { readRefFiles } from "./ref-files.js";
export {
  applyUpdates,
  diffRefs,
  isWatchedRef,
  parseRefUpdates,
  type RefMap,
  type RefUpdate,
  readRefs,
} from "./ref-updates.js";
export type { RepoEvent } from "./repo-event.js";
export { type RepoIdentity, repositoryPayload } from "./repository.js";
export {
  CronError,
  type DueSchedule,
  dueSchedules,
  dueTick,
  latestTick,
  nextTick,
  nextWake,
  parseCron,
  type ScheduleEntry,
  scheduleEntries,
  scheduleEvent,
  scheduleKey,
} from "./schedule.js";
export { FORGES, readWebhook, verifyWebhook, type WebhookHeaders, webhookEventName } from "./webhooks.js";
