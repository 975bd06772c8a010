export { KyselyStore, migrateToLatest } from "./kysely-store.js";
export type { Database, DbJob, DbPullRequest, DbRepo, DbRun, DbStep, DbToken } from "./schema.js";
export { openSqliteStore } from "./sqlite.js";
export type { Store } from "./store.js";
export {
  type Conclusion,
  type ForkApproval,
  type Job,
  type JobPatch,
  type NewJob,
  type NewPullRequest,
  type NewRepo,
  type NewRun,
  type PullRequest,
  type PullRequestFilter,
  type PullRequestPatch,
  type Repo,
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
