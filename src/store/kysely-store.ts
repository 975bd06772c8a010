import { type Kysely, Migrator } from "kysely";
import * as secrets from "./actions-secrets.js";
import type { AuditCheckpointRecord, AuditFilter, AuditRecord } from "./audit-log.js";
import * as audit from "./audit-log.js";
import * as deliveries from "./deliveries.js";
import * as gates from "./deployment-gates.js";
import * as deployments from "./deployments.js";
import * as environments from "./environments.js";
import * as jobs from "./jobs.js";
import { migrationProvider } from "./migrations/index.js";
import * as pulls from "./pulls.js";
import * as remote from "./remote-jobs.js";
import * as hooks from "./repo-hooks.js";
import { removeRepo } from "./repo-removal.js";
import * as repos from "./repos.js";
import * as attempts from "./run-attempts.js";
import * as runners from "./runners.js";
import * as runs from "./runs.js";
import type { Database } from "./schema.js";
import { nextValue } from "./sequences.js";
import * as servers from "./servers.js";
import * as steps from "./steps.js";
import type { Store } from "./store.js";
import * as tokens from "./tokens.js";
import { getTriggerMemory, putTriggerMemory } from "./trigger-state.js";
import type {
  BoxKey,
  DeploymentFilter,
  DeploymentReview,
  EncryptedRewrite,
  EnvironmentRules,
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
  PullRequestFilter,
  PullRequestPatch,
  QueuedJob,
  RepoHookPatch,
  RunAttempt,
  RunFilter,
  RunnerRegistration,
  RunPatch,
  SecretScope,
  ServerRecord,
  Step,
  TriggerMemory,
  UserPatch,
} from "./types.js";
import * as users from "./users.js";

/** Brings the schema up to the latest migration; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  // Unordered: migrations written side by side land in either order (0003 reached main before
  // 0002), so a database that has a later one still takes an earlier one it lacks.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
}

/** The Store over any Kysely dialect: each statement group lives in its own file. */
export class KyselyStore implements Store {
  constructor(readonly db: Kysely<Database>) {}

  nextValue(sequence: string) {
    return nextValue(this.db, sequence);
  }
  addRepo(repo: NewRepo) {
    return repos.addRepo(this.db, repo);
  }
  upsertRepo(repo: NewRepo) {
    return repos.upsertRepo(this.db, repo);
  }
  getRepo(owner: string, name: string) {
    return repos.getRepo(this.db, owner, name);
  }
  getRepoById(id: number) {
    return repos.getRepoById(this.db, id);
  }
  listRepos() {
    return repos.listRepos(this.db);
  }
  removeRepo(id: number) {
    return removeRepo(this.db, id);
  }
  createRun(run: NewRun, complete?: runs.RunCompletion) {
    return runs.createRun(this.db, run, complete);
  }
  getRun(id: number) {
    return runs.getRun(this.db, id);
  }
  listRuns(filter: RunFilter) {
    return runs.listRuns(this.db, filter);
  }
  listUnfinishedRuns() {
    return runs.listUnfinishedRuns(this.db);
  }
  updateRun(id: number, patch: RunPatch) {
    return runs.updateRun(this.db, id, patch);
  }
  putRunAttempt(attempt: RunAttempt) {
    return attempts.putRunAttempt(this.db, attempt);
  }
  getRunAttempt(runId: number, attempt: number) {
    return attempts.getRunAttempt(this.db, runId, attempt);
  }
  addJobs(list: NewJob[]) {
    return jobs.addJobs(this.db, list);
  }
  putJob(job: NewJob, known?: Job | null) {
    return jobs.putJob(this.db, job, known);
  }
  getJob(id: number) {
    return jobs.getJob(this.db, id);
  }
  findJob(runId: number, runAttempt: number, key: string) {
    return jobs.findJob(this.db, runId, runAttempt, key);
  }
  listJobs(runId: number, runAttempt: number) {
    return jobs.listJobs(this.db, runId, runAttempt);
  }
  updateJob(id: number, patch: JobPatch) {
    return jobs.updateJob(this.db, id, patch);
  }
  claimJob(runnerName: string, accept: (job: Job) => boolean) {
    return jobs.claimJob(this.db, runnerName, accept);
  }
  claimQueuedJob(id: number, runnerName: string) {
    return jobs.claimQueuedJob(this.db, id, runnerName);
  }
  startJob(id: number, runnerName: string, queued: QueuedJob) {
    return jobs.startJob(this.db, id, runnerName, queued);
  }
  addRunnerRegistration(hash: string, registration: RunnerRegistration) {
    return runners.addRegistrationToken(this.db, hash, registration);
  }
  findRunnerRegistration(hash: string, at: string) {
    return runners.findRegistration(this.db, hash, at);
  }
  addRunner(runner: NewRunner) {
    return runners.addRunner(this.db, runner);
  }
  getRunner(id: number) {
    return runners.getRunner(this.db, id);
  }
  findRunnerByToken(hash: string) {
    return runners.findRunnerByToken(this.db, hash);
  }
  listRunners(repoId?: number | null) {
    return runners.listRunners(this.db, repoId);
  }
  touchRunner(id: number, at: string, draining?: boolean) {
    return runners.touchRunner(this.db, id, at, draining);
  }
  removeRunner(id: number) {
    return runners.removeRunner(this.db, id);
  }
  runnersJobs(runnerIds: number[]) {
    return runners.runnersJobs(this.db, runnerIds);
  }
  offerJob(jobId: number, specBox: string, queued?: Pick<Job, "labels" | "matrix" | "name">) {
    return remote.offerJob(this.db, jobId, specBox, queued);
  }
  withdrawOffer(jobId: number) {
    return remote.withdrawOffer(this.db, jobId);
  }
  claimOfferedJob(
    runner: { id: number; name: string; repoId?: number | null },
    accept: (job: Job) => boolean,
    lease: { id: string; expiresAt: string },
  ) {
    return remote.claimOfferedJob(this.db, runner, accept, lease);
  }
  renewLease(jobId: number, leaseId: string, expiresAt?: string) {
    return remote.renewLease(this.db, jobId, leaseId, expiresAt);
  }
  appendJobEvents(jobId: number, leaseId: string, events: JobEvent[], runnerId?: number, last?: boolean) {
    return remote.appendJobEvents(this.db, jobId, leaseId, events, runnerId, last);
  }
  jobEvents(jobId: number, afterSeq: number, limit?: number) {
    return remote.jobEvents(this.db, jobId, afterSeq, limit);
  }
  requestJobCancel(jobId: number) {
    return remote.requestJobCancel(this.db, jobId);
  }
  expiredLeases(at: string) {
    return remote.expiredLeases(this.db, at);
  }
  endLease(jobId: number, leaseId: string, requeue: boolean, expiredBefore?: string) {
    return remote.endLease(this.db, jobId, leaseId, requeue, expiredBefore);
  }
  closeRemoteJob(jobId: number) {
    return remote.closeRemoteJob(this.db, jobId);
  }
  jobSpec(jobId: number) {
    return remote.jobSpec(this.db, jobId);
  }
  jobLease(jobId: number) {
    return remote.jobLease(this.db, jobId);
  }
  remoteJobState(jobId: number) {
    return remote.remoteJobState(this.db, jobId);
  }
  putSteps(jobId: number, list: Step[], job?: JobPatch) {
    return steps.putSteps(this.db, jobId, list, job);
  }
  overwriteSteps(jobId: number, list: Step[]) {
    return steps.overwriteSteps(this.db, jobId, list);
  }
  listSteps(jobId: number) {
    return steps.listSteps(this.db, jobId);
  }
  registerServer(server: ServerRecord) {
    return servers.registerServer(this.db, server);
  }
  heartbeatServer(id: string, at: string, url?: string) {
    return servers.heartbeatServer(this.db, id, at, url);
  }
  listServers() {
    return servers.listServers(this.db);
  }
  removeServer(id: string, heartbeatAt?: string) {
    return servers.removeServer(this.db, id, heartbeatAt);
  }
  unfinishedRunOwners() {
    return servers.unfinishedRunOwners(this.db);
  }
  driveRun(runId: number, serverId: string) {
    return servers.driveRun(this.db, runId, serverId);
  }
  adoptRun(runId: number, from: string | null, to: string) {
    return servers.adoptRun(this.db, runId, from, to);
  }
  getTriggerMemory(repoId: number) {
    return getTriggerMemory(this.db, repoId);
  }
  putTriggerMemory(repoId: number, memory: TriggerMemory) {
    return putTriggerMemory(this.db, repoId, memory);
  }
  createPullRequest(pr: NewPullRequest) {
    return pulls.createPullRequest(this.db, pr);
  }
  getPullRequest(repoId: number, number: number) {
    return pulls.getPullRequest(this.db, repoId, number);
  }
  listPullRequests(filter: PullRequestFilter) {
    return pulls.listPullRequests(this.db, filter);
  }
  updatePullRequest(id: number, patch: PullRequestPatch) {
    return pulls.updatePullRequest(this.db, id, patch);
  }
  rememberDelivery(forge: string, deliveryId: string, receivedAt: string) {
    return deliveries.rememberDelivery(this.db, forge, deliveryId, receivedAt);
  }
  addHook(hook: NewRepoHook) {
    return hooks.addHook(this.db, hook);
  }
  getHook(id: number) {
    return hooks.getHook(this.db, id);
  }
  listHooks(repoId: number) {
    return hooks.listHooks(this.db, repoId);
  }
  updateHook(id: number, patch: RepoHookPatch) {
    return hooks.updateHook(this.db, id, patch);
  }
  removeHook(id: number) {
    return hooks.removeHook(this.db, id);
  }
  addHookDelivery(delivery: NewHookDelivery) {
    return hooks.addHookDelivery(this.db, delivery);
  }
  listHookDeliveries(hookId: number, limit: number) {
    return hooks.listHookDeliveries(this.db, hookId, limit);
  }
  getHookDelivery(hookId: number, id: number) {
    return hooks.getHookDelivery(this.db, hookId, id);
  }
  dueHookDeliveries(at: string, limit: number) {
    return hooks.dueHookDeliveries(this.db, at, limit);
  }
  claimHookDelivery(id: number, due: string, until: string) {
    return hooks.claimHookDelivery(this.db, id, due, until);
  }
  updateHookDelivery(id: number, patch: HookDeliveryPatch) {
    return hooks.updateHookDelivery(this.db, id, patch);
  }
  pruneDeliveries(before: string) {
    return deliveries.pruneDeliveries(this.db, before);
  }
  addUser(user: NewUser) {
    return users.addUser(this.db, user);
  }
  getUser(login: string) {
    return users.getUser(this.db, login);
  }
  getUserById(id: number) {
    return users.getUserById(this.db, id);
  }
  listUsers(since: number, limit: number) {
    return users.listUsers(this.db, since, limit);
  }
  updateUser(id: number, patch: UserPatch) {
    return users.updateUser(this.db, id, patch);
  }
  removeUser(id: number) {
    return users.removeUser(this.db, id);
  }
  addToken(token: NewToken) {
    return tokens.addToken(this.db, token);
  }
  putSecret(scope: SecretScope, name: string, encryptedValue: string) {
    return secrets.putSecret(this.db, scope, name, encryptedValue);
  }
  getSecret(scope: SecretScope, name: string) {
    return secrets.getSecret(this.db, scope, name);
  }
  listSecrets(scope: SecretScope) {
    return secrets.listSecrets(this.db, scope);
  }
  removeSecret(scope: SecretScope, name: string) {
    return secrets.removeSecret(this.db, scope, name);
  }
  createVariable(scope: SecretScope, name: string, value: string) {
    return secrets.createVariable(this.db, scope, name, value);
  }
  updateVariable(scope: SecretScope, name: string, patch: { name?: string; value?: string }) {
    return secrets.updateVariable(this.db, scope, name, patch);
  }
  getVariable(scope: SecretScope, name: string) {
    return secrets.getVariable(this.db, scope, name);
  }
  listVariables(scope: SecretScope) {
    return secrets.listVariables(this.db, scope);
  }
  removeVariable(scope: SecretScope, name: string) {
    return secrets.removeVariable(this.db, scope, name);
  }
  getBoxKey() {
    return secrets.getBoxKey(this.db);
  }
  addBoxKey(key: BoxKey) {
    return secrets.addBoxKey(this.db, key);
  }
  rewriteEncrypted(rewrite: EncryptedRewrite) {
    return secrets.rewriteEncrypted(this.db, rewrite);
  }
  findToken(hash: string) {
    return tokens.findToken(this.db, hash);
  }
  getToken(id: number) {
    return tokens.getToken(this.db, id);
  }
  listTokens(userId?: number) {
    return tokens.listTokens(this.db, userId);
  }
  revokeToken(id: number, at: string) {
    return tokens.revokeToken(this.db, id, at);
  }
  revokeJobTokens(runId: number | undefined, at: string, keep?: readonly string[]) {
    return tokens.revokeJobTokens(this.db, runId, at, keep);
  }
  removeTokens(userId: number, name: string) {
    return tokens.removeTokens(this.db, userId, name);
  }
  putCollaborator(repoId: number, userId: number, permission: string) {
    return users.putCollaborator(this.db, repoId, userId, permission);
  }
  getCollaborator(repoId: number, userId: number) {
    return users.getCollaborator(this.db, repoId, userId);
  }
  listCollaborators(by: { repoId: number } | { userId: number }) {
    return users.listCollaborators(this.db, by);
  }
  removeCollaborator(repoId: number, userId: number) {
    return users.removeCollaborator(this.db, repoId, userId);
  }
  appendAudit(seal: (head: AuditRecord | undefined) => AuditRecord) {
    return audit.appendAudit(this.db, seal);
  }
  auditHead() {
    return audit.auditHead(this.db);
  }
  listAudit(filter: AuditFilter) {
    return audit.listAudit(this.db, filter);
  }
  putAuditCheckpoint(checkpoint: AuditCheckpointRecord) {
    return audit.putAuditCheckpoint(this.db, checkpoint);
  }
  listAuditCheckpoints(fromSeq: number, toSeq: number) {
    return audit.listAuditCheckpoints(this.db, fromSeq, toSeq);
  }
  lastAuditCheckpoint(seq?: number) {
    return audit.lastAuditCheckpoint(this.db, seq);
  }
  getEnvironment(repoId: number, name: string) {
    return environments.getEnvironment(this.db, repoId, name);
  }
  listEnvironments(repoId: number) {
    return environments.listEnvironments(this.db, repoId);
  }
  saveEnvironment(
    env: { repoId: number; name: string; rules: EnvironmentRules; ruleIds: Record<string, number> },
    clearPolicies: boolean,
  ) {
    return environments.saveEnvironment(this.db, env, clearPolicies);
  }
  ensureEnvironment(repoId: number, name: string, rules: EnvironmentRules) {
    return environments.ensureEnvironment(this.db, repoId, name, rules);
  }
  removeEnvironment(repoId: number, name: string) {
    return environments.removeEnvironment(this.db, repoId, name);
  }
  listRefPolicies(environmentId: number) {
    return environments.listRefPolicies(this.db, environmentId);
  }
  addRefPolicy(environmentId: number, policy: { name: string; type: "branch" | "tag" }) {
    return environments.addRefPolicy(this.db, environmentId, policy);
  }
  updateRefPolicy(environmentId: number, id: number, name: string) {
    return environments.updateRefPolicy(this.db, environmentId, id, name);
  }
  removeRefPolicy(environmentId: number, id: number) {
    return environments.removeRefPolicy(this.db, environmentId, id);
  }
  openGate(gate: gates.NewDeploymentGate) {
    return gates.openGate(this.db, gate);
  }
  getGate(id: number) {
    return gates.getGate(this.db, id);
  }
  listGates(runId: number, runAttempt?: number) {
    return gates.listGates(this.db, runId, runAttempt);
  }
  decideGates(review: Omit<DeploymentReview, "id">) {
    return gates.decideGates(this.db, review);
  }
  expireGate(id: number, at: string) {
    return gates.expireGate(this.db, id, at);
  }
  listReviews(runId: number) {
    return gates.listReviews(this.db, runId);
  }
  createDeployment(deployment: NewDeployment) {
    return deployments.createDeployment(this.db, deployment);
  }
  getDeployment(repoId: number, id: number) {
    return deployments.getDeployment(this.db, repoId, id);
  }
  listDeployments(filter: DeploymentFilter) {
    return deployments.listDeployments(this.db, filter);
  }
  countDeployments(repoId: number) {
    return deployments.countDeployments(this.db, repoId);
  }
  removeDeployment(repoId: number, id: number) {
    return deployments.removeDeployment(this.db, repoId, id);
  }
  addDeploymentStatus(status: NewDeploymentStatus, inactivatePrevious: boolean) {
    return deployments.addDeploymentStatus(this.db, status, inactivatePrevious);
  }
  listDeploymentStatuses(deploymentId: number, page?: number, perPage?: number) {
    return deployments.listDeploymentStatuses(this.db, deploymentId, page, perPage);
  }
  getDeploymentStatus(deploymentId: number, id: number) {
    return deployments.getDeploymentStatus(this.db, deploymentId, id);
  }
  close() {
    return this.db.destroy();
  }
}
