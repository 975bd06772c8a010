import type { Json } from "../expressions/index.js";

/**
 * GitHub's statuses for runs and jobs that gantry has: `pending` waits for a concurrency group,
 * `waiting` for an environment's protection rules (a wait timer, a reviewer).
 */
export type Status = "queued" | "pending" | "waiting" | "in_progress" | "completed";
export type Conclusion = "success" | "failure" | "cancelled" | "skipped";
/** A run's also `action_required`: a fork's pull request run waiting for an admin's approval (completed). */
export type RunConclusion = Conclusion | "action_required";

/**
 * Which runs of a fork's pull request wait for an admin's approval (GitHub's "approve and run"):
 * none; those of a first-time contributor (a sender none of whose runs in the repository has run);
 * all of them.
 */
export type ForkApproval = "none" | "first_time_contributors" | "all";

export interface Repo {
  id: number;
  owner: string;
  name: string;
  /** Where the server fetches from: a local path or any git URL it can reach. */
  url: string;
  defaultBranch: string;
  pollIntervalSeconds: number;
  /**
   * The checks a pull request needs before it may merge: workflow names, or "workflow / job" check
   * names. Empty: every run for the commit counts.
   */
  requiredChecks: string[];
  createdAt: string;
  forkApproval: ForkApproval;
}

/** forkApproval: none for a new repository; an update without it keeps the repository's. */
export type NewRepo = Omit<Repo, "id" | "createdAt" | "requiredChecks" | "forkApproval"> & {
  requiredChecks?: string[];
  forkApproval?: ForkApproval;
};

export interface Run {
  id: number;
  repoId: number;
  workflowName: string;
  /** The workflow's path in the repository, e.g. .github/workflows/ci.yml. */
  workflowFile: string;
  event: string;
  /** github.ref of the run. */
  ref: string;
  /** The branch (or tag) name the run is for, as GitHub's head_branch. */
  headBranch: string;
  headSha: string;
  status: Status;
  conclusion: RunConclusion | null;
  runNumber: number;
  runAttempt: number;
  actor: string;
  /** The github context the run was started with (run_attempt is set per attempt). */
  github: Record<string, Json>;
  /** The typed `inputs` context. */
  inputs: Record<string, Json>;
  /**
   * Why the run failed before any job ran (workflow problems as file:line:col: message), or why it
   * was not started at all (a workflow_run past GitHub's chain limit, completed as skipped).
   */
  problems: string[];
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  /**
   * Its place in a workflow_run chain: 0 for a run any other event started, the triggering run's
   * depth + 1 for a workflow_run (GitHub runs three such levels).
   */
  chainDepth: number;
  /**
   * A fork's pull_request run: untrusted input, started (every attempt) with no secrets and no
   * variables, as on GitHub.
   */
  fork: boolean;
  /** The GITHUB_TOKEN's permissions: `read` for a fork's run, else `write`. */
  tokenPermissions: "read" | "write";
  /**
   * The title GitHub shows (display_title): the workflow's `run-name`, else the head commit's
   * message, the pull request's title or the workflow's name. '' when not known.
   */
  displayTitle: string;
}

export type NewRun = Omit<
  Run,
  | "id"
  | "runNumber"
  | "createdAt"
  | "updatedAt"
  | "startedAt"
  | "completedAt"
  | "runAttempt"
  | "chainDepth"
  | "fork"
  | "tokenPermissions"
  | "displayTitle"
> & {
  chainDepth?: number;
  fork?: boolean;
  tokenPermissions?: "read" | "write";
  displayTitle?: string;
  /** The server that will drive it (servers.ts), where several share the database. */
  serverId?: string;
};

/** One attempt of a run as it ended (or the latest, as it stands): what differs between attempts. */
export interface RunAttempt {
  runId: number;
  attempt: number;
  status: Status;
  conclusion: RunConclusion | null;
  /** Who started the attempt (the run's actor, or who re-ran it). */
  actor: string;
  problems: string[];
  startedAt: string | null;
  completedAt: string | null;
  updatedAt: string;
}

export type RunPatch = Partial<
  Pick<
    Run,
    | "status"
    | "conclusion"
    | "startedAt"
    | "completedAt"
    | "runAttempt"
    | "problems"
    | "github"
    | "displayTitle"
  > & {
    /** The server that drives the run from now on (servers.ts). */
    serverId: string;
  }
>;

export interface RunFilter {
  repoId: number;
  branch?: string;
  event?: string;
  /** A status (queued, in_progress, completed) or a conclusion (success, failure …), as GitHub takes them. */
  status?: string;
  headSha?: string;
  /** The workflow's path (.github/workflows/ci.yml). */
  workflowFile?: string;
  actor?: string;
  /** Runs whose display title or actor holds this text, or whose commit starts with it, any case. */
  search?: string;
  /** 1-based. */
  page?: number;
  perPage?: number;
}

export interface Job {
  id: number;
  runId: number;
  runAttempt: number;
  /** The engine's key for the job, unique within an attempt (workflow file / job id / leg). */
  key: string;
  name: string;
  status: Status;
  conclusion: Conclusion | null;
  matrix: Record<string, Json> | null;
  outputs: Record<string, string>;
  /** The `runs-on` labels the job asked for. */
  labels: string[];
  runnerName: string | null;
  /** The runner machine (`gantry runner`) the job went to; null on the server's own pool. */
  runnerId: number | null;
  /** Why the job failed when no step said so (e.g. the runner was lost). */
  failureReason: string | null;
  /** How many times a runner was lost while running this job. */
  lostCount: number;
  logPath: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export type NewJob = Pick<Job, "runId" | "runAttempt" | "key" | "name"> &
  Partial<
    Pick<Job, "status" | "conclusion" | "matrix" | "outputs" | "logPath" | "startedAt" | "completedAt">
  >;

export type JobPatch = Partial<
  Pick<
    Job,
    | "name"
    | "status"
    | "conclusion"
    | "matrix"
    | "outputs"
    | "labels"
    | "runnerName"
    | "failureReason"
    | "lostCount"
    | "logPath"
    | "startedAt"
    | "completedAt"
  >
> & {
  /** started_at where the row has none yet (a job that ended without starting: its end), else kept. */
  startedAtIfUnset?: string;
};

/** What a job is queued with for a runner: the labels its runs-on asks for, its matrix and name. */
export type QueuedJob = Pick<Job, "labels" | "matrix" | "name">;

export interface Step {
  jobId: number;
  /** 1-based position in the job. */
  number: number;
  /** The step's id (user-given or generated). */
  stepId: string;
  name: string;
  status: Status;
  outcome: Conclusion | null;
  conclusion: Conclusion | null;
  outputs: Record<string, string>;
  startedAt: string | null;
  completedAt: string | null;
}

/** A pull request opened through gantry's API: head merges into base, both branches of the repository. */
export interface PullRequest {
  id: number;
  repoId: number;
  /** Numbered per repository, from 1. */
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  /** The branch names (without refs/heads/). */
  headRef: string;
  baseRef: string;
  /** The commits the merge commit was last made of. */
  headSha: string;
  baseSha: string;
  /** The test merge of head into base (refs/pull/N/merge); null when they conflict. */
  mergeCommitSha: string | null;
  /** false: head does not merge cleanly into base. */
  mergeable: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export type NewPullRequest = Pick<
  PullRequest,
  "repoId" | "title" | "body" | "headRef" | "baseRef" | "headSha" | "baseSha" | "mergeCommitSha" | "mergeable"
>;

export type PullRequestPatch = Partial<
  Pick<
    PullRequest,
    "title" | "body" | "state" | "headSha" | "baseSha" | "mergeCommitSha" | "mergeable" | "closedAt"
  >
>;

export interface PullRequestFilter {
  repoId: number;
  state?: "open" | "closed" | "all";
  headRef?: string;
  baseRef?: string;
  /** Pull requests whose head or merge commit is this sha. */
  sha?: string;
  /** 1-based. */
  page?: number;
  perPage?: number;
}

/** A token: a person's (personal access token) or a job's GITHUB_TOKEN. Only its hash is kept. */
export interface Token {
  id: number;
  kind: "personal" | "job";
  /** The owner of a personal token; null for a job's. */
  userId: number | null;
  /** The personal token's note (the bootstrap token's is `admin`); a job's names its job. */
  name: string;
  /** sha256 of the token, hex; the token itself is never stored. */
  hash: string;
  /** The last eight characters of the token, to tell tokens apart in lists. */
  lastEight: string | null;
  /** A personal token's scopes (identity/scopes.ts). */
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  /** A job's token: the repository and run it is for, and its permissions (name → read|write). */
  repoId: number | null;
  runId: number | null;
  permissions: Record<string, string> | null;
}

export type NewToken = Omit<Token, "id" | "createdAt" | "revokedAt">;

export interface User {
  id: number;
  login: string;
  email: string | null;
  siteAdmin: boolean;
  suspendedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser {
  login: string;
  email?: string | null;
  siteAdmin?: boolean;
}

export type UserPatch = Partial<Pick<User, "email" | "siteAdmin" | "suspendedAt">>;

/** A user's role on a repository (GitHub's repository roles). */
export interface Collaborator {
  repoId: number;
  userId: number;
  permission: string;
  createdAt: string;
  updatedAt: string;
}

/** A store error with a stable code (conflict: a unique key is taken). */
export class StoreError extends Error {
  constructor(
    readonly code: "conflict" | "not_found",
    message: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

/** What the triggers remember of a repository between looks and across restarts. */
export interface TriggerMemory {
  /** Branches and tags (full ref name → sha) as last seen; undefined until the first look. */
  refs?: Record<string, string>;
  /** Schedule key → ISO time of its last tick. */
  ticks: Record<string, string>;
  /**
   * Schedule key → ISO time of a tick recorded as due and being started: cleared once its runs
   * are stored. One left behind (the server died in between) is finished by the next look.
   */
  pending?: Record<string, string>;
}

/** A `gantry serve` process on the database (servers.ts). */
export interface ServerRecord {
  /** New at each start. */
  id: string;
  host: string;
  dataDir: string;
  pid: number;
  /** Where it listens ('' until it does). */
  url: string;
  startedAt: string;
  heartbeatAt: string;
}

/** A repository's outgoing webhook, as GitHub's repository hooks. */
export interface RepoHook {
  id: number;
  repoId: number;
  url: string;
  contentType: "json" | "form";
  /** The secret, sealed (never the secret itself); null without one. */
  secretSealed: string | null;
  /** workflow_run, workflow_job, or `*`. */
  events: string[];
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export type NewRepoHook = Omit<RepoHook, "id" | "createdAt" | "updatedAt">;
export type RepoHookPatch = Partial<Omit<NewRepoHook, "repoId">>;

/** One delivery of a hook: its payload, and how its attempts went. */
export interface HookDelivery {
  id: number;
  hookId: number;
  /** X-GitHub-Delivery. */
  guid: string;
  event: string;
  action: string | null;
  /** The JSON body, as sent. */
  payload: string;
  /** pending (to send, again), delivered (a 2xx answer) or failed (given up). */
  status: "pending" | "delivered" | "failed";
  attempts: number;
  nextAttemptAt: string | null;
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
  createdAt: string;
  deliveredAt: string | null;
}

export type NewHookDelivery = Pick<HookDelivery, "hookId" | "guid" | "event" | "action" | "payload"> & {
  nextAttemptAt: string;
};
export type HookDeliveryPatch = Partial<
  Pick<
    HookDelivery,
    "status" | "attempts" | "nextAttemptAt" | "statusCode" | "error" | "durationMs" | "deliveredAt"
  >
>;

/**
 * Where an Actions secret or variable lives: server-wide (repoId 0), a repository's (environment
 * ''), or one of a repository's environments (environment: its name in lower case, as GitHub
 * matches environment names without regard to case).
 */
export interface SecretScope {
  repoId: number;
  environment: string;
}

/** An Actions secret as kept: its value only as ciphertext (secrets/, under the master key). */
export interface StoredSecret extends SecretScope {
  /** Upper case, as GitHub stores secret names. */
  name: string;
  encryptedValue: string;
  createdAt: string;
  updatedAt: string;
}

/** An Actions configuration variable: not a secret, its value kept as given. */
export interface StoredVariable extends SecretScope {
  name: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * The keypair secrets are sealed to in transit (libsodium sealed boxes, GitHub's public-key API):
 * the private key only as ciphertext under the master key.
 */
export interface BoxKey {
  keyId: string;
  /** base64 */
  publicKey: string;
  encryptedPrivateKey: string;
  createdAt: string;
}

/**
 * New ciphertexts for everything kept encrypted under the master key (its rotation): each function
 * answers the row's value encrypted under the new key.
 */
export interface EncryptedRewrite {
  secret(secret: StoredSecret): string;
  boxKey(key: BoxKey): string;
  /** A repository hook's sealed secret (only hooks that have one). */
  hookSecret?(hook: RepoHook): string;
}

/** An environment's protection rules as kept (src/delivery checks and applies them). */
export interface EnvironmentRules {
  waitTimer: number;
  preventSelfReview: boolean;
  reviewers: Array<{ type: "User"; id: number }>;
  canAdminsBypass: boolean;
  branchPolicy: { protectedBranches: boolean; customBranchPolicies: boolean } | null;
}

/** A repository's deployment environment. */
export interface Environment {
  id: number;
  repoId: number;
  /** As first written (by a PUT or a job's `environment:`); matched without regard to case. */
  name: string;
  rules: EnvironmentRules;
  /** The ids of GitHub's protection_rules entries, by kind, given as each rule first appears. */
  ruleIds: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

/** A deployment branch or tag policy of an environment. */
export interface EnvironmentRefPolicy {
  id: number;
  environmentId: number;
  name: string;
  type: "branch" | "tag";
  createdAt: string;
}

/** Where a run attempt's wait on an environment stands (src/server/environment-gate.ts decides). */
export type GateState = "waiting" | "approved" | "rejected" | "expired";

/**
 * A run attempt's wait on an environment's protection rules: one for every job of the attempt
 * that deploys there. `waitTimer` (minutes) and `needsReview` are the rules it began with;
 * `startedAt` is when (the wait timer's start).
 */
export interface DeploymentGate {
  id: number;
  repoId: number;
  runId: number;
  runAttempt: number;
  environmentId: number;
  environment: string;
  waitTimer: number;
  needsReview: boolean;
  state: GateState;
  /** An admin bypassed the rules (the wait timer too). */
  bypass: boolean;
  startedAt: string;
  decidedAt: string | null;
}

/** A reviewer's decision on one or more of a run's pending deployments, with their comment. */
export interface DeploymentReview {
  id: number;
  repoId: number;
  runId: number;
  runAttempt: number;
  state: "approved" | "rejected";
  userId: number;
  userLogin: string;
  comment: string;
  bypass: boolean;
  environments: Array<{ id: number; name: string }>;
  createdAt: string;
}

/** The states of a deployment status, as GitHub names them. */
export const DEPLOYMENT_STATES = [
  "error",
  "failure",
  "inactive",
  "in_progress",
  "queued",
  "pending",
  "success",
] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** Who made a deployment or a status: a user (id) or a job's token (id null). */
export interface DeploymentCreator {
  login: string;
  id: number | null;
}

/** A deployment of a repository (GitHub's): a request to deploy a commit to an environment. */
export interface Deployment {
  id: number;
  repoId: number;
  sha: string;
  /** As the creator gave it: a branch, a tag or a sha. */
  ref: string;
  /** The branch or tag it names as a full ref (refs/heads/…); "" when it was a sha. */
  fullRef: string;
  task: string;
  /** GitHub's payload: an object, or a string as given. */
  payload: Json;
  /** Its environment now (a status may move it); originalEnvironment is the one it was made for. */
  environment: string;
  originalEnvironment: string;
  description: string | null;
  creator: DeploymentCreator;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  /** Its latest status's state; null before its first status. */
  state: DeploymentState | null;
  /** The run, attempt and job (key) that made it, for a job's deployment; null for one made through the API. */
  runId: number | null;
  runAttempt: number | null;
  jobKey: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewDeployment = Omit<Deployment, "id" | "state" | "createdAt" | "updatedAt">;

export interface DeploymentFilter {
  repoId: number;
  sha?: string;
  ref?: string;
  task?: string;
  /** Matched without regard to case. */
  environment?: string;
  /** 1-based. */
  page?: number;
  perPage?: number;
}

export interface DeploymentStatus {
  id: number;
  deploymentId: number;
  state: DeploymentState;
  description: string;
  environment: string;
  environmentUrl: string;
  logUrl: string;
  creator: DeploymentCreator;
  createdAt: string;
  updatedAt: string;
}

export type NewDeploymentStatus = Omit<DeploymentStatus, "id" | "createdAt" | "updatedAt">;

/** A runner machine (`gantry runner`) registered with the server. */
export interface Runner {
  id: number;
  name: string;
  /** The repository it runs jobs of; null for a server-wide runner. */
  repoId: number | null;
  labels: string[];
  /** Jobs it runs at once. */
  slots: number;
  os: string;
  arch: string;
  /** The gantry version it runs. */
  version: string;
  /** Takes one job, then is removed. */
  ephemeral: boolean;
  /** Told to stop (SIGTERM): finishes its jobs and takes no new one. */
  draining: boolean;
  createdAt: string;
  lastSeenAt: string;
}

export type NewRunner = Pick<
  Runner,
  "name" | "repoId" | "labels" | "slots" | "os" | "arch" | "version" | "ephemeral"
> & {
  /** sha256 of the runner's credential. */
  tokenHash: string;
};

/** A runner registration token, by its hash. */
export interface RunnerRegistration {
  repoId: number | null;
  createdBy: string;
  expiresAt: string;
}

/** A job a runner machine claimed: the job, its sealed request and its lease. */
export interface RemoteClaim {
  job: Job;
  specBox: string;
  leaseId: string;
  /**
   * Whether the claim's look saw offered jobs beside this one (of the runner's repository, for a
   * repository's runner): false says that, as it looked, no other job was offered.
   */
  othersOffered: boolean;
}

/** A job followed on a runner machine: its status, runner and lease (null unless it runs). */
export interface RemoteJobState {
  status: Status;
  runnerId: number | null;
  runnerName: string | null;
  leaseId: string | null;
  /** The seq in jobEvents at which the current (or last) lease's reports begin. */
  reportBase: number;
}

/** One thing a runner reported of a job, in the order it sent them. */
export interface JobEvent {
  seq: number;
  body: Json;
}
