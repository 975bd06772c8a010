import type { AuditCheckpointRecord, AuditFilter, AuditRecord } from "./audit-log.js";
import type { NewDeploymentGate } from "./deployment-gates.js";
import type { LeaseState } from "./remote-jobs.js";
import type { RunCompletion } from "./runs.js";
import type {
  BoxKey,
  Collaborator,
  Deployment,
  DeploymentFilter,
  DeploymentGate,
  DeploymentReview,
  DeploymentStatus,
  EncryptedRewrite,
  Environment,
  EnvironmentRefPolicy,
  EnvironmentRules,
  HookDelivery,
  HookDeliveryPatch,
  Job,
  JobEvent,
  JobPatch,
  NewDeployment,
  NewDeploymentStatus,
  NewHookDelivery,
  NewJob,
  NewPullRequest,
  NewRepo,
  NewRepoHook,
  NewRun,
  NewRunner,
  NewToken,
  NewUser,
  PullRequest,
  PullRequestFilter,
  PullRequestPatch,
  QueuedJob,
  RemoteClaim,
  RemoteJobState,
  Repo,
  RepoHook,
  RepoHookPatch,
  Run,
  RunAttempt,
  RunFilter,
  Runner,
  RunnerRegistration,
  RunPatch,
  SecretScope,
  ServerRecord,
  Step,
  StoredSecret,
  StoredVariable,
  Token,
  TriggerMemory,
  User,
  UserPatch,
} from "./types.js";

/**
 * Everything the server keeps, behind one port: SQLite now, PostgreSQL later, both through the
 * same Kysely schema. Every implementation runs the contract suite (store-contract.ts).
 */
export interface Store {
  /** The next value of a named counter, starting at 1; atomic across connections. */
  nextValue(sequence: string): Promise<number>;

  addRepo(repo: NewRepo): Promise<Repo>;
  /** Adds the repository or updates it by owner/name (the config file's repositories). */
  upsertRepo(repo: NewRepo): Promise<Repo>;
  getRepo(owner: string, name: string): Promise<Repo | undefined>;
  getRepoById(id: number): Promise<Repo | undefined>;
  listRepos(): Promise<Repo[]>;
  /**
   * Removes a repository with its runs (jobs, steps), pull requests and trigger memory; the ids
   * of the runs it had, for their files.
   */
  removeRepo(id: number): Promise<{ runIds: number[] }>;

  /**
   * Stores a run (queued unless said otherwise) with the next run number of its workflow;
   * `complete` gives its github context and title, which follow from its id and number.
   */
  createRun(run: NewRun, complete?: RunCompletion): Promise<Run>;
  getRun(id: number): Promise<Run | undefined>;
  listRuns(filter: RunFilter): Promise<{ total: number; runs: Run[] }>;
  /** Runs not completed (queued or in progress), oldest first. */
  listUnfinishedRuns(): Promise<Run[]>;
  updateRun(id: number, patch: RunPatch): Promise<void>;

  /** Keeps an attempt of a run as it ended (a re-run replaces it in the runs row); replaces one kept before. */
  putRunAttempt(attempt: RunAttempt): Promise<void>;
  /** An earlier attempt of a run as putRunAttempt kept it. */
  getRunAttempt(runId: number, attempt: number): Promise<RunAttempt | undefined>;

  /**
   * Adds the job of an attempt, or resets it (by run, attempt and key) when it runs again.
   * `known`: the job's row as the caller just read it, or null when the caller knows there is none
   * (not read again: a round trip on PostgreSQL).
   */
  putJob(job: NewJob, known?: Job | null): Promise<Job>;
  /**
   * Adds jobs none of which is in the store yet (a run made just now), as putJob would one by one,
   * their ids in their order: a statement or two for them all.
   */
  addJobs(jobs: NewJob[]): Promise<Job[]>;
  getJob(id: number): Promise<Job | undefined>;
  findJob(runId: number, runAttempt: number, key: string): Promise<Job | undefined>;
  /** The jobs of one attempt of a run, in the order they were added. */
  listJobs(runId: number, runAttempt: number): Promise<Job[]>;
  updateJob(id: number, patch: JobPatch): Promise<void>;
  /**
   * Takes the oldest queued job that `accept` takes for the runner: the job becomes in_progress
   * on that runner. Two claimers never get the same job.
   */
  claimJob(runnerName: string, accept: (job: Job) => boolean): Promise<Job | undefined>;
  /**
   * Claims this job for the runner, as claimJob would, if it is queued: for a claimer that alone
   * takes it. Undefined when it is not queued (claimed, cancelled, gone).
   */
  claimQueuedJob(id: number, runnerName: string): Promise<Job | undefined>;
  /**
   * Queues a job with these labels, matrix and name and claims it for the runner, in one statement
   * (a runner that takes it at once, no other job waiting): it becomes in_progress on that runner.
   * Undefined when there is no such job.
   */
  startJob(id: number, runnerName: string, queued: QueuedJob): Promise<Job | undefined>;

  /** Runner machines (remote-jobs.ts, runners.ts): their registration, and the jobs they run. */
  addRunnerRegistration(hash: string, registration: RunnerRegistration): Promise<void>;
  /** The registration a token's hash names, unless it expired before `at`. */
  findRunnerRegistration(hash: string, at: string): Promise<RunnerRegistration | undefined>;
  /** Undefined when the name is taken. */
  addRunner(runner: NewRunner): Promise<Runner | undefined>;
  getRunner(id: number): Promise<Runner | undefined>;
  findRunnerByToken(hash: string): Promise<Runner | undefined>;
  /** A repository's (id), the server-wide (null) or all (undefined) runners. */
  listRunners(repoId?: number | null): Promise<Runner[]>;
  touchRunner(id: number, at: string, draining?: boolean): Promise<void>;
  removeRunner(id: number): Promise<boolean>;
  /** The jobs in progress on these runner machines (what each runs now), by id. */
  runnersJobs(runnerIds: number[]): Promise<Job[]>;
  /**
   * Lets runner machines claim the queued job, its request sealed in `specBox`; with `queued`, the
   * job is made queued with these labels, matrix and name at once.
   */
  offerJob(jobId: number, specBox: string, queued?: Pick<Job, "labels" | "matrix" | "name">): Promise<void>;
  /** Takes the offer back while the job is queued; false when a runner machine claimed it. */
  withdrawOffer(jobId: number): Promise<boolean>;
  /** The oldest offered job `accept` takes, claimed atomically with the lease. */
  claimOfferedJob(
    runner: { id: number; name: string; repoId?: number | null },
    accept: (job: Job) => boolean,
    lease: { id: string; expiresAt: string },
  ): Promise<RemoteClaim | undefined>;
  /** Renews a held lease (when `expiresAt` is given) and says whether a cancel was asked for. */
  renewLease(jobId: number, leaseId: string, expiresAt?: string): Promise<LeaseState>;
  /**
   * Stores reported events in order under a held lease (by `runnerId`, when given); the next seq
   * expected, or undefined (lease lost). `last`: the batch ends with the job's outcome, after which
   * the lease no longer runs out (the job waits for its follower to close it).
   */
  appendJobEvents(
    jobId: number,
    leaseId: string,
    events: JobEvent[],
    runnerId?: number,
    last?: boolean,
  ): Promise<number | undefined>;
  jobEvents(jobId: number, afterSeq: number, limit?: number): Promise<JobEvent[]>;
  requestJobCancel(jobId: number): Promise<void>;
  /** Jobs on runner machines whose lease expired before `at`. */
  expiredLeases(at: string): Promise<Job[]>;
  /**
   * Ends the lease if still `leaseId` (and, with `expiredBefore`, still running out before then);
   * requeue: the job is offered again. False when already ended (or renewed, or its outcome stored).
   */
  endLease(jobId: number, leaseId: string, requeue: boolean, expiredBefore?: string): Promise<boolean>;
  /** The job ended: its sealed request and reports are dropped. */
  closeRemoteJob(jobId: number): Promise<void>;
  jobSpec(jobId: number): Promise<string | undefined>;
  jobLease(jobId: number): Promise<{ leaseId: string; runnerId: number | null } | undefined>;
  /** The job's status, runner and lease in one read (what following it on a runner machine needs). */
  remoteJobState(jobId: number): Promise<RemoteJobState | undefined>;

  /** Replaces the steps of a job; with `job`, changes its row in the same transaction. */
  putSteps(jobId: number, steps: Step[], job?: JobPatch): Promise<void>;
  /**
   * Writes steps of a job over the ones with the same numbers (adding the others) in one statement,
   * and leaves any numbered past them: a running job's steps, which only grow.
   */
  overwriteSteps(jobId: number, steps: Step[]): Promise<void>;
  listSteps(jobId: number): Promise<Step[]>;

  /** The servers on this database and the runs each drives (servers.ts). */
  registerServer(server: ServerRecord): Promise<void>;
  /** Moves the heartbeat (and the URL, when given); false when the server's row is gone. */
  heartbeatServer(id: string, at: string, url?: string): Promise<boolean>;
  listServers(): Promise<ServerRecord[]>;
  /** With `heartbeatAt`: only while the row's heartbeat is still that one. False when none went. */
  removeServer(id: string, heartbeatAt?: string): Promise<boolean>;
  /** Each unfinished run with the server driving it (null: none recorded), oldest first. */
  unfinishedRunOwners(): Promise<{ runId: number; serverId: string | null }[]>;
  /** The server drives the run from now on. */
  driveRun(runId: number, serverId: string): Promise<void>;
  /** Takes an unfinished run over from `from`: true for exactly one of the servers that try. */
  adoptRun(runId: number, from: string | null, to: string): Promise<boolean>;

  /** What the triggers remember of a repository: a fresh memory ({ticks: {}}) before any. */
  getTriggerMemory(repoId: number): Promise<TriggerMemory>;
  /** Replaces what the triggers remember of a repository, all at once. */
  putTriggerMemory(repoId: number, memory: TriggerMemory): Promise<void>;

  /** Stores an open pull request with the next number of its repository (1, 2, …). */
  createPullRequest(pr: NewPullRequest): Promise<PullRequest>;
  getPullRequest(repoId: number, number: number): Promise<PullRequest | undefined>;
  /** Newest first; state defaults to open. */
  listPullRequests(filter: PullRequestFilter): Promise<{ total: number; pulls: PullRequest[] }>;
  updatePullRequest(id: number, patch: PullRequestPatch): Promise<void>;

  /**
   * Remembers a forge's webhook delivery id (received at the ISO time given): true when it is new,
   * false for a replay. Atomic: of concurrent calls with the same forge and id, one gets true.
   */
  rememberDelivery(forge: string, deliveryId: string, receivedAt: string): Promise<boolean>;
  /** Forgets the deliveries received before the ISO time given; answers how many. */
  pruneDeliveries(before: string): Promise<number>;

  /** A repository's outgoing webhooks (GitHub's repository hooks) and their delivery log. */
  addHook(hook: NewRepoHook): Promise<RepoHook>;
  getHook(id: number): Promise<RepoHook | undefined>;
  listHooks(repoId: number): Promise<RepoHook[]>;
  updateHook(id: number, patch: RepoHookPatch): Promise<void>;
  /** Removes a hook with its deliveries. */
  removeHook(id: number): Promise<void>;
  addHookDelivery(delivery: NewHookDelivery): Promise<HookDelivery>;
  /** A hook's deliveries, newest first, at most `limit`. */
  listHookDeliveries(hookId: number, limit: number): Promise<HookDelivery[]>;
  getHookDelivery(hookId: number, id: number): Promise<HookDelivery | undefined>;
  /** Pending deliveries due at the ISO time given, oldest first. */
  dueHookDeliveries(at: string, limit: number): Promise<HookDelivery[]>;
  /** Takes a due delivery (next attempt `due`) until `until`: true for one claimer only. */
  claimHookDelivery(id: number, due: string, until: string): Promise<boolean>;
  updateHookDelivery(id: number, patch: HookDeliveryPatch): Promise<void>;

  /**
   * Actions secrets (only their ciphertext) and configuration variables, per scope (SecretScope:
   * server-wide, a repository's, an environment's); names as given (secrets/ upper-cases them).
   */
  putSecret(scope: SecretScope, name: string, encryptedValue: string): Promise<"created" | "updated">;
  getSecret(scope: SecretScope, name: string): Promise<StoredSecret | undefined>;
  /** A scope's secrets, by name. */
  listSecrets(scope: SecretScope): Promise<StoredSecret[]>;
  removeSecret(scope: SecretScope, name: string): Promise<boolean>;
  /** StoreError conflict when the scope has a variable of that name. */
  createVariable(scope: SecretScope, name: string, value: string): Promise<StoredVariable>;
  /** Renames and/or changes a variable: false when there is none (conflict when the name is taken). */
  updateVariable(
    scope: SecretScope,
    name: string,
    patch: { name?: string; value?: string },
  ): Promise<boolean>;
  getVariable(scope: SecretScope, name: string): Promise<StoredVariable | undefined>;
  listVariables(scope: SecretScope): Promise<StoredVariable[]>;
  removeVariable(scope: SecretScope, name: string): Promise<boolean>;
  /** The keypair secrets are sealed to in transit. */
  getBoxKey(): Promise<BoxKey | undefined>;
  /** Keeps the keypair unless one is kept already; answers the one kept. */
  addBoxKey(key: BoxKey): Promise<BoxKey>;
  /** Everything encrypted under the master key, re-encrypted in one transaction (its rotation). */
  rewriteEncrypted(rewrite: EncryptedRewrite): Promise<{ secrets: number; keys: number; hooks: number }>;

  /** Users (identity/): logins are unique without regard to case. */
  addUser(user: NewUser): Promise<User>;
  getUser(login: string): Promise<User | undefined>;
  getUserById(id: number): Promise<User | undefined>;
  /** Users with an id above `since`, in id order, at most `limit`. */
  listUsers(since: number, limit: number): Promise<User[]>;
  updateUser(id: number, patch: UserPatch): Promise<void>;
  /** Removes a user with their tokens and their roles on repositories. */
  removeUser(id: number): Promise<void>;

  /** Tokens: a person's or a job's, kept as hashes. */
  addToken(token: NewToken): Promise<Token>;
  findToken(hash: string): Promise<Token | undefined>;
  getToken(id: number): Promise<Token | undefined>;
  /** Personal tokens (revoked ones too), a user's when given, oldest first. */
  listTokens(userId?: number): Promise<Token[]>;
  revokeToken(id: number, at: string): Promise<void>;
  /** Revokes the live job tokens of a run, or of every run; those named in `keep` stay good. */
  revokeJobTokens(runId: number | undefined, at: string, keep?: readonly string[]): Promise<void>;
  /** Removes a user's tokens of one note (the bootstrap token is replaced so). */
  removeTokens(userId: number, name: string): Promise<void>;

  /** Repository roles (GitHub's collaborators). */
  putCollaborator(repoId: number, userId: number, permission: string): Promise<Collaborator>;
  getCollaborator(repoId: number, userId: number): Promise<Collaborator | undefined>;
  listCollaborators(by: { repoId: number } | { userId: number }): Promise<Collaborator[]>;
  removeCollaborator(repoId: number, userId: number): Promise<void>;

  /**
   * Appends an entry to the audit trail: `seal` makes it on the chain's head (undefined for the
   * first), with seq = head.seq + 1. Appends never fork the chain, across connections and servers
   * sharing the database: when another append took that seq first, `seal` is called again on the
   * new head. Entries are never changed or removed.
   */
  appendAudit(seal: (head: AuditRecord | undefined) => AuditRecord): Promise<AuditRecord>;
  /** The audit trail's last entry. */
  auditHead(): Promise<AuditRecord | undefined>;
  /** Entries by seq (newest first unless `order: "asc"`), filtered and paged; the total that match. */
  listAudit(filter: AuditFilter): Promise<{ total: number; entries: AuditRecord[] }>;
  /**
   * Keeps a signed checkpoint; false when one over that seq, or one following the same previous
   * checkpoint (prevSeq), was kept before: two servers never fork the checkpoints.
   */
  putAuditCheckpoint(checkpoint: AuditCheckpointRecord): Promise<boolean>;
  /** The checkpoints over entries fromSeq through toSeq, by seq. */
  listAuditCheckpoints(fromSeq: number, toSeq: number): Promise<AuditCheckpointRecord[]>;
  /** The latest checkpoint over an entry at or before `seq` (the latest of all without it). */
  lastAuditCheckpoint(seq?: number): Promise<AuditCheckpointRecord | undefined>;

  /**
   * Deployment environments (src/delivery): names match without regard to case. Removing one
   * removes its branch and tag policies and its secrets and variables.
   */
  getEnvironment(repoId: number, name: string): Promise<Environment | undefined>;
  /** A repository's environments, by name. */
  listEnvironments(repoId: number): Promise<Environment[]>;
  /** Adds the environment or gives it these rules; `clearPolicies` removes its branch and tag policies. */
  saveEnvironment(
    env: { repoId: number; name: string; rules: EnvironmentRules; ruleIds: Record<string, number> },
    clearPolicies: boolean,
  ): Promise<{ environment: Environment; created: boolean }>;
  /** The environment, added with `rules` when there is none (a job's first use); never changed. */
  ensureEnvironment(
    repoId: number,
    name: string,
    rules: EnvironmentRules,
  ): Promise<{ environment: Environment; created: boolean }>;
  removeEnvironment(repoId: number, name: string): Promise<boolean>;
  listRefPolicies(environmentId: number): Promise<EnvironmentRefPolicy[]>;
  /** StoreError conflict when the environment has that pattern of that type. */
  addRefPolicy(
    environmentId: number,
    policy: { name: string; type: "branch" | "tag" },
  ): Promise<EnvironmentRefPolicy>;
  updateRefPolicy(environmentId: number, id: number, name: string): Promise<boolean>;
  removeRefPolicy(environmentId: number, id: number): Promise<boolean>;

  /**
   * Deployment gates (src/server/environment-gate.ts): a run attempt's wait on an environment's
   * protection rules, one per attempt and environment, and the reviews that decide them.
   */
  /** The attempt's gate for the environment: the one there is, else this one, added waiting. */
  openGate(gate: NewDeploymentGate): Promise<DeploymentGate>;
  getGate(id: number): Promise<DeploymentGate | undefined>;
  /** A run's gates (of one attempt, or every attempt's), by id. */
  listGates(runId: number, runAttempt?: number): Promise<DeploymentGate[]>;
  /**
   * Decides the attempt's gates of the review's environments and keeps the review, at once;
   * undefined (nothing changed) unless every one of them was waiting.
   */
  decideGates(review: Omit<DeploymentReview, "id">): Promise<DeploymentReview | undefined>;
  /** Expires a gate still waiting (30 days without a decision); false when it was decided. */
  expireGate(id: number, at: string): Promise<boolean>;
  /** A run's reviews, oldest first. */
  listReviews(runId: number): Promise<DeploymentReview[]>;
  /** Deployments (GitHub's) and their statuses; environments match without regard to case. */
  createDeployment(deployment: NewDeployment): Promise<Deployment>;
  getDeployment(repoId: number, id: number): Promise<Deployment | undefined>;
  /** Newest first, filtered and paged; the total that match. */
  listDeployments(filter: DeploymentFilter): Promise<{ total: number; deployments: Deployment[] }>;
  countDeployments(repoId: number): Promise<number>;
  /** Removes a deployment with its statuses; false when there is none. */
  removeDeployment(repoId: number, id: number): Promise<boolean>;
  /**
   * Adds a status (the deployment takes its state and environment); `inactivatePrevious`, on a success: the other
   * non-transient deployments of that environment whose latest state is success get `inactive`,
   * in the same transaction, and come back with theirs.
   */
  addDeploymentStatus(
    status: NewDeploymentStatus,
    inactivatePrevious: boolean,
  ): Promise<{
    status: DeploymentStatus;
    inactivated: Array<{ deployment: Deployment; status: DeploymentStatus }>;
  }>;
  /** A deployment's statuses, newest first; the total. */
  listDeploymentStatuses(
    deploymentId: number,
    page?: number,
    perPage?: number,
  ): Promise<{ total: number; statuses: DeploymentStatus[] }>;
  getDeploymentStatus(deploymentId: number, id: number): Promise<DeploymentStatus | undefined>;

  close(): Promise<void>;
}
