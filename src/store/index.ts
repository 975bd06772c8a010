export type { AuditCheckpointRecord, AuditFilter, AuditRecord } from "./audit-log.js";
export { type CopyReport, copySqliteToPostgres, TargetNotEmptyError } from "./copy-store.js";
export type { NewDeploymentGate } from "./deployment-gates.js";
export { KyselyStore, migrateToLatest } from "./kysely-store.js";
export {
  describeStoreLocation,
  openStore,
  parseStoreLocation,
  type StoreLocation,
} from "./open-store.js";
export { isPostgresUrl, openPostgresStore, redactDatabaseUrl } from "./postgres.js";
export type { Database, DbJob, DbPullRequest, DbRepo, DbRun, DbStep, DbToken, DbUser } from "./schema.js";
export { openSqliteStore } from "./sqlite.js";
export type { Store } from "./store.js";
export {
  type BoxKey,
  type Collaborator,
  type Conclusion,
  type DeploymentGate,
  type DeploymentReview,
  type EncryptedRewrite,
  type Environment,
  type EnvironmentRefPolicy,
  type EnvironmentRules,
  type ForkApproval,
  type GateState,
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
  type NewToken,
  type NewUser,
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
  type SecretScope,
  type Status,
  type Step,
  type StoredSecret,
  type StoredVariable,
  StoreError,
  type Token,
  type TriggerMemory,
  type User,
  type UserPatch,
} from "./types.js";
