/**
 * The tables as rows (Db* types), for Kysely. Dialect-neutral: integers, text and ISO-8601 text
 * timestamps only; ids come from the `sequences` table, not from SQLite's rowid or a PostgreSQL
 * serial; JSON is stored as text.
 */
export interface DbSequence {
  name: string;
  value: number;
}

export interface DbRepo {
  id: number;
  owner: string;
  name: string;
  url: string;
  default_branch: string;
  poll_interval_seconds: number;
  /** JSON list; null in rows from before migration 0002 (none required). */
  required_checks_json: string | null;
  created_at: string;
  /** none | first_time_contributors | all (migration 0007). */
  fork_approval: string;
}

export interface DbRun {
  id: number;
  repo_id: number;
  workflow_name: string;
  workflow_file: string;
  event: string;
  ref: string;
  head_branch: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  run_number: number;
  run_attempt: number;
  actor: string;
  github_json: string;
  inputs_json: string;
  problems_json: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  /** 0, or a workflow_run's triggering run's chain_depth + 1 (migration 0004). */
  chain_depth: number;
  /** 1 for a fork's pull_request run (no secrets), else 0 (migration 0006). */
  fork: number;
  /** The GITHUB_TOKEN's permissions: `read` (a fork's run) or `write` (migration 0006). */
  token_permissions: string;
  /** The run's title (run-name …), '' when not kept (migration 0009). */
  display_title: string;
  /** The server driving the run (servers.id), null for a run of before migration 0019. */
  server_id?: string | null;
}

export interface DbJob {
  id: number;
  run_id: number;
  run_attempt: number;
  job_key: string;
  name: string;
  status: string;
  conclusion: string | null;
  matrix_json: string | null;
  outputs_json: string;
  labels_json: string;
  runner_name: string | null;
  failure_reason: string | null;
  lost_count: number;
  log_path: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  /** Set by 0018-runners (see there). */
  spec_box?: string | null;
  runner_id?: number | null;
  lease_id?: string | null;
  lease_expires_at?: string | null;
  cancel_requested?: number;
  /** Set by 0024-report-base (see there). */
  report_base?: number;
}

export interface DbRunner {
  id: number;
  name: string;
  repo_id: number | null;
  labels_json: string;
  slots: number;
  os: string;
  arch: string;
  version: string;
  token_hash: string;
  ephemeral: number;
  draining: number;
  created_at: string;
  last_seen_at: string;
}

export interface DbRunnerRegistrationToken {
  token_hash: string;
  repo_id: number | null;
  created_by: string;
  expires_at: string;
}

export interface DbJobEvent {
  job_id: number;
  seq: number;
  body_json: string;
}

export interface DbStep {
  job_id: number;
  number: number;
  step_id: string;
  name: string;
  status: string;
  outcome: string | null;
  conclusion: string | null;
  outputs_json: string;
  started_at: string | null;
  completed_at: string | null;
}

/** An earlier attempt of a run as it ended (migration 0008): the runs row holds the latest. */
export interface DbRunAttempt {
  run_id: number;
  attempt: number;
  status: string;
  conclusion: string | null;
  actor: string;
  problems_json: string;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string;
}

/** One remembered fact of a repository's triggers: a ref's sha, a schedule's last tick, or `seen`. */
export interface DbTriggerState {
  repo_id: number;
  kind: string;
  name: string;
  value: string;
}

export interface DbPullRequest {
  id: number;
  repo_id: number;
  number: number;
  title: string;
  body: string;
  state: string;
  head_ref: string;
  base_ref: string;
  head_sha: string;
  base_sha: string;
  merge_commit_sha: string | null;
  /** 1 or 0 (no boolean type that both dialects store alike). */
  mergeable: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

/** A forge webhook delivery acted on (migration 0005): its replays start nothing. */
export interface DbWebhookDelivery {
  forge: string;
  delivery_id: string;
  /** ISO-8601; rows older than the retention are pruned. */
  received_at: string;
}

/** A repository's outgoing webhook (migration 0010); the secret only sealed (server/hook-secret.ts). */
export interface DbRepoHook {
  id: number;
  repo_id: number;
  url: string;
  /** json | form */
  content_type: string;
  secret_sealed: string | null;
  events_json: string;
  /** 1 or 0. */
  active: number;
  created_at: string;
  updated_at: string;
}

/** One delivery of a repository hook (migration 0010): pending until delivered or given up (failed). */
export interface DbHookDelivery {
  id: number;
  hook_id: number;
  guid: string;
  event: string;
  action: string | null;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  status_code: number | null;
  error: string | null;
  duration_ms: number | null;
  created_at: string;
  delivered_at: string | null;
}

export interface DbToken {
  id: number;
  kind: string;
  user_id: number | null;
  name: string;
  hash: string;
  last_eight: string | null;
  scopes_json: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  repo_id: number | null;
  run_id: number | null;
  permissions_json: string | null;
}

export interface DbUser {
  id: number;
  login: string;
  login_key: string;
  email: string | null;
  site_admin: number;
  suspended_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface DbCollaborator {
  repo_id: number;
  user_id: number;
  permission: string;
  created_at: string;
  updated_at: string;
}

/** An Actions secret (migration 0013): repo_id 0 server-wide, environment '' a repository's. */
export interface DbActionsSecret {
  repo_id: number;
  environment: string;
  name: string;
  /** Ciphertext under the master key (secrets/master-key.ts), never the value. */
  encrypted_value: string;
  created_at: string;
  updated_at: string;
}

/** An Actions configuration variable (migration 0013), scoped as secrets are. */
export interface DbActionsVariable {
  repo_id: number;
  environment: string;
  name: string;
  value: string;
  created_at: string;
  updated_at: string;
}

/** The keypair secrets are sealed to in transit (migration 0013); the private key encrypted. */
export interface DbActionsBoxKey {
  key_id: string;
  public_key: string;
  encrypted_private_key: string;
  created_at: string;
}

/** An entry of the audit trail (migration 0012): src/audit makes prev_hash and hash. */
export interface DbAuditEntry {
  seq: number;
  created_at: string;
  action: string;
  actor: string | null;
  actor_id: number | null;
  repo: string | null;
  token_id: number | null;
  address: string | null;
  details_json: string;
  prev_hash: string;
  hash: string;
}

/** A signed checkpoint over the audit trail's entry `seq` (migration 0012). */
export interface DbAuditCheckpoint {
  seq: number;
  hash: string;
  /** The seq of the checkpoint before this one (0 for the first). */
  prev_seq: number;
  created_at: string;
  key_id: string;
  signature: string;
}

/** A repository's deployment environment (migration 0015): name_key is the name in lower case. */
export interface DbEnvironment {
  id: number;
  repo_id: number;
  name: string;
  name_key: string;
  settings_json: string;
  rule_ids_json: string;
  created_at: string;
  updated_at: string;
}

/** A deployment branch or tag policy of an environment (migration 0015). */
export interface DbEnvironmentRefPolicy {
  id: number;
  environment_id: number;
  name: string;
  type: string;
  created_at: string;
}

/** A run attempt's wait on an environment's protection rules (migration 0016). */
export interface DbDeploymentGate {
  id: number;
  repo_id: number;
  run_id: number;
  run_attempt: number;
  environment_id: number;
  environment: string;
  wait_timer: number;
  needs_review: number;
  state: string;
  bypass: number;
  started_at: string;
  decided_at: string | null;
}

/** A reviewer's decision on a run's pending deployments (migration 0016). */
export interface DbDeploymentReview {
  id: number;
  repo_id: number;
  run_id: number;
  run_attempt: number;
  state: string;
  user_id: number;
  user_login: string;
  comment: string;
  bypass: number;
  environments_json: string;
  created_at: string;
}

/** A deployment (migration 0017): environment_key is its environment in lower case; state its latest status's. */
export interface DbDeployment {
  id: number;
  repo_id: number;
  sha: string;
  ref: string;
  full_ref: string;
  task: string;
  payload_json: string;
  environment: string;
  environment_key: string;
  original_environment: string;
  description: string | null;
  creator_login: string;
  creator_id: number | null;
  transient_environment: number;
  production_environment: number;
  state: string | null;
  run_id: number | null;
  run_attempt: number | null;
  job_key: string | null;
  created_at: string;
  updated_at: string;
}

/** A deployment's status (migration 0017). */
export interface DbDeploymentStatus {
  id: number;
  deployment_id: number;
  state: string;
  description: string;
  environment: string;
  environment_url: string;
  log_url: string;
  creator_login: string;
  creator_id: number | null;
  created_at: string;
  updated_at: string;
}

/** How many runs a repository has (the runs list's total without a filter). */
export interface DbRunCount {
  repo_id: number;
  runs: number;
}

/** A running `gantry serve` on this database (migration 0019). */
export interface DbServer {
  id: string;
  host: string;
  data_dir: string;
  pid: number;
  url: string;
  started_at: string;
  heartbeat_at: string;
}

export interface Database {
  sequences: DbSequence;
  repos: DbRepo;
  runs: DbRun;
  run_counts: DbRunCount;
  run_attempts: DbRunAttempt;
  jobs: DbJob;
  steps: DbStep;
  tokens: DbToken;
  users: DbUser;
  collaborators: DbCollaborator;
  pull_requests: DbPullRequest;
  trigger_state: DbTriggerState;
  webhook_deliveries: DbWebhookDelivery;
  repo_hooks: DbRepoHook;
  hook_deliveries: DbHookDelivery;
  actions_secrets: DbActionsSecret;
  actions_variables: DbActionsVariable;
  actions_box_keys: DbActionsBoxKey;
  audit_entries: DbAuditEntry;
  audit_checkpoints: DbAuditCheckpoint;
  environments: DbEnvironment;
  environment_ref_policies: DbEnvironmentRefPolicy;
  deployment_gates: DbDeploymentGate;
  deployment_reviews: DbDeploymentReview;
  deployments: DbDeployment;
  deployment_statuses: DbDeploymentStatus;
  runners: DbRunner;
  runner_registration_tokens: DbRunnerRegistrationToken;
  job_events: DbJobEvent;
  servers: DbServer;
}
