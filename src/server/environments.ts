// Environments as the server keeps, shows and enforces them: GitHub's JSON shapes, reviewers
// checked against the repository, the config file's declarations, and the gate a job passes
// when it first enters one (created on first use; a ref its branch policy refuses fails the job).
import type { AuditTrail } from "../audit/index.js";
import {
  applyEnvironmentBody,
  DEFAULT_SETTINGS,
  type EnvironmentBody,
  type EnvironmentSettings,
  environmentBody,
  refusedRef,
  rulesOf,
  settingsChanges,
} from "../delivery/index.js";
import { environmentNameProblem } from "../secrets/index.js";
import type { Environment, EnvironmentRefPolicy, Repo, Store, User } from "../store/index.js";
import { githubTime, nodeId } from "./github-shapes.js";
import { userJson } from "./user-shapes.js";

/** A refusal: the status and GitHub's errors. */
export class EnvironmentError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    message: string,
    readonly errors: string[] = [],
  ) {
    super(message);
  }
}

function repoPath(repo: Repo): string {
  return `${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}`;
}

/** An environment as GitHub's REST API shows one, its protection rules in GitHub's array. */
export async function environmentJson(store: Store, base: string, repo: Repo, env: Environment) {
  const rules: Array<Record<string, unknown>> = [];
  for (const kind of rulesOf(env.rules)) {
    const id = env.ruleIds[kind] ?? 0;
    const head = { id, node_id: nodeId("GateRule", id), type: kind };
    if (kind === "wait_timer") rules.push({ ...head, wait_timer: env.rules.waitTimer });
    else if (kind === "required_reviewers") {
      const reviewers = [];
      for (const r of env.rules.reviewers) {
        const user = await store.getUserById(r.id);
        // A reviewer removed since: listed by id, so the rule does not look laxer than it is.
        reviewers.push({
          type: "User",
          reviewer: user ? userJson(base, user, false) : { id: r.id, login: null, type: "User" },
        });
      }
      rules.push({ ...head, prevent_self_review: env.rules.preventSelfReview, reviewers });
    } else rules.push(head);
  }
  const name = encodeURIComponent(env.name);
  return {
    id: env.id,
    node_id: nodeId("Environment", env.id),
    name: env.name,
    url: `${base}/api/v1/repos/${repoPath(repo)}/environments/${name}`,
    html_url: `${base}/${repoPath(repo)}/deployments/activity_log?environments_filter=${name}`,
    created_at: githubTime(env.createdAt),
    updated_at: githubTime(env.updatedAt),
    can_admins_bypass: env.rules.canAdminsBypass,
    protection_rules: rules,
    deployment_branch_policy: env.rules.branchPolicy && {
      protected_branches: env.rules.branchPolicy.protectedBranches,
      custom_branch_policies: env.rules.branchPolicy.customBranchPolicies,
    },
  };
}

export function refPolicyJson(p: EnvironmentRefPolicy) {
  return { id: p.id, node_id: nodeId("GateBranchPolicy", p.id), name: p.name, type: p.type };
}

/** 422 unless the name can be an environment's. */
export function checkEnvironmentName(name: string): void {
  const problem = environmentNameProblem(name);
  if (problem) throw new EnvironmentError(422, "Validation Failed", [`environment_name: ${problem}`]);
}

/** 422 unless each reviewer is a user who may read the repository (GitHub's rule), not suspended. */
async function checkReviewers(store: Store, repo: Repo, settings: EnvironmentSettings): Promise<void> {
  const problems: string[] = [];
  for (const [i, r] of settings.reviewers.entries()) {
    const user: User | undefined = await store.getUserById(r.id);
    const reads = user && (user.siteAdmin || (await store.getCollaborator(repo.id, user.id)));
    if (!user) problems.push(`reviewers.${i}.id: no user has the id ${r.id}`);
    else if (!reads)
      problems.push(
        `reviewers.${i}.id: ${user.login} cannot read ${repo.owner}/${repo.name} (a reviewer must have at least read access)`,
      );
    else if (user.suspendedAt) problems.push(`reviewers.${i}.id: ${user.login} is suspended`);
  }
  if (problems.length > 0) throw new EnvironmentError(422, "Validation Failed", problems);
}

/** What a change did, for the audit trail: each GitHub action with its details. */
export interface EnvironmentChange {
  environment: Environment;
  created: boolean;
  actions: Array<{ action: string; details: Record<string, unknown> }>;
}

function ruleDetails(settings: EnvironmentSettings) {
  return {
    wait_timer: settings.waitTimer,
    prevent_self_review: settings.preventSelfReview,
    reviewers: settings.reviewers.map((r) => r.id),
    can_admins_bypass: settings.canAdminsBypass,
    deployment_branch_policy: settings.branchPolicy && {
      protected_branches: settings.branchPolicy.protectedBranches,
      custom_branch_policies: settings.branchPolicy.customBranchPolicies,
    },
  };
}

/**
 * PUT …/environments/{name}: adds the environment or changes its rules after every check passed
 * (nothing is stored on a refusal). New rules get ids; the audit actions say what changed.
 */
export async function putEnvironment(
  store: Store,
  repo: Repo,
  name: string,
  body: EnvironmentBody,
): Promise<EnvironmentChange> {
  checkEnvironmentName(name);
  const existing = await store.getEnvironment(repo.id, name);
  const before = existing?.rules ?? DEFAULT_SETTINGS;
  const after = applyEnvironmentBody(before, body);
  await checkReviewers(store, repo, after);
  const ruleIds = { ...(existing?.ruleIds ?? {}) };
  for (const kind of rulesOf(after)) ruleIds[kind] ??= await store.nextValue("environment_rules");
  const clearPolicies = !after.branchPolicy?.customBranchPolicies;
  const saved = await store.saveEnvironment({ repoId: repo.id, name, rules: after, ruleIds }, clearPolicies);
  const env = saved.environment;
  const subject = { environment: env.name, environment_id: env.id };
  const actions: EnvironmentChange["actions"] = [];
  if (saved.created)
    actions.push({ action: "environment.create", details: { ...subject, ...ruleDetails(after) } });
  for (const change of settingsChanges(saved.created ? DEFAULT_SETTINGS : before, after)) {
    // A new environment's bypass setting is in its environment.create entry.
    if (saved.created && change.rule === "can_admins_bypass") continue;
    actions.push({
      action: change.action,
      details: { ...subject, rule: change.rule, ...ruleDetails(after) },
    });
  }
  return { environment: env, created: saved.created, actions };
}

/** The environment of the path, or 404 as GitHub answers. */
export async function environmentOf(store: Store, repo: Repo, name: string): Promise<Environment> {
  const env = (await store.getEnvironment(repo.id, name)) ?? undefined;
  if (!env) throw new EnvironmentError(404, "Not Found");
  return env;
}

/** A repository's `environments:` in the config file: GitHub's PUT body plus its branch and tag policies. */
export interface DeclaredEnvironment extends EnvironmentBody {
  branch_policies?: Array<{ name: string; type: "branch" | "tag" }>;
}

/**
 * Makes the config file's environments so at each start (the file wins over the API for what it
 * declares); each change goes to the audit trail as the server's. A declaration the server cannot
 * keep (an unknown reviewer, a policy without custom_branch_policies) throws with the reason.
 */
export async function applyDeclaredEnvironments(
  store: Store,
  trail: AuditTrail,
  repo: Repo,
  declared: Record<string, DeclaredEnvironment>,
): Promise<void> {
  const where = `${repo.owner}/${repo.name}`;
  for (const [name, decl] of Object.entries(declared)) {
    const { branch_policies: policies = [], ...body } = decl;
    const parsed = environmentBody.safeParse(body);
    if (!parsed.success)
      throw new EnvironmentError(422, `${where}: environments.${name}: ${parsed.error.message}`);
    let change: EnvironmentChange;
    try {
      change = await putEnvironment(store, repo, name, parsed.data);
    } catch (err) {
      if (err instanceof EnvironmentError)
        throw new EnvironmentError(
          err.status,
          `${where}: environments.${name}: ${err.errors.join("; ") || err.message}`,
        );
      throw err;
    }
    const custom = change.environment.rules.branchPolicy?.customBranchPolicies ?? false;
    if (policies.length > 0 && !custom)
      throw new EnvironmentError(
        422,
        `${where}: environments.${name}: branch_policies need deployment_branch_policy {protected_branches: false, custom_branch_policies: true}`,
      );
    for (const { action, details } of change.actions)
      await trail.append({ action, actor: "gantry", repo: where, details: { ...details, source: "config" } });
    const have = await store.listRefPolicies(change.environment.id);
    const key = (p: { name: string; type: string }) => `${p.type}\0${p.name}`;
    const want = new Set(policies.map(key));
    for (const p of have)
      if (!want.has(key(p))) {
        await store.removeRefPolicy(change.environment.id, p.id);
        await trail.append({
          action: "environment.update_protection_rule",
          actor: "gantry",
          repo: where,
          details: { environment: name, removed_policy: { name: p.name, type: p.type }, source: "config" },
        });
      }
    const kept = new Set(have.map(key));
    for (const p of policies)
      if (!kept.has(key(p))) {
        await store.addRefPolicy(change.environment.id, p);
        await trail.append({
          action: "environment.update_protection_rule",
          actor: "gantry",
          repo: where,
          details: { environment: name, added_policy: p, source: "config" },
        });
      }
  }
}

/** What a job that enters an environment gets: a refusal, or leave to go on. */
export type EnvironmentEntry = { refused: string } | { refused?: undefined; environment: Environment };

/**
 * A job enters its environment: created on first use (recorded as the server's, naming the run),
 * then its deployment branch policy decides on the run's ref.
 */
export async function enterEnvironment(
  store: Store,
  trail: AuditTrail | undefined,
  repo: Repo,
  name: string,
  run: { id: number; ref: string; actor: string },
): Promise<EnvironmentEntry> {
  checkEnvironmentName(name);
  const { environment, created } = await store.ensureEnvironment(repo.id, name, DEFAULT_SETTINGS);
  if (created)
    await trail?.append({
      action: "environment.create",
      actor: "gantry",
      repo: `${repo.owner}/${repo.name}`,
      details: {
        environment: environment.name,
        environment_id: environment.id,
        run_id: run.id,
        triggered_by: run.actor,
        source: "workflow",
      },
    });
  const policies = environment.rules.branchPolicy?.customBranchPolicies
    ? await store.listRefPolicies(environment.id)
    : [];
  const refused = refusedRef(environment.name, environment.rules, policies, run.ref);
  return refused ? { refused } : { environment };
}
