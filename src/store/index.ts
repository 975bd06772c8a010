export { KyselyStore, migrateToLatest } from "./kysely-store.js";
export type { Database, DbJob, DbPullRequest, DbRepo, DbRun, DbStep, DbToken } from "./schema.js";
export { openSqliteStore } from "./sqlite.js";
export type { Store } from "./store.js";
export {
  type Conclusion,
  type ForkApproval,
  type HookDelivery,
  type HookDeliveryPatch,
  type Job,
  type JobPatch,
  type NewHookDelivery,
  type NewJob,
  type NewPullRequest,
  type NewRepo,
  type NewRepoHook,
  type NewRun,
  type PullRequest,
  type PullRequestFilter,
  type PullRequestPatch,
  type Repo,
  type RepoHook,
  type RepoHookPatch,
  type Run,
  type RunAttempt,
  type RunConclusion,
  type RunFilter,
  type RunPatch,
  type Status,
  type Step,
  StoreError,
  type Token,
  type TriggerMemory,
} from "./types.js";
