import { z } from "zod";

/** GitHub's longest wait timer: 30 days, in minutes. */
export const MAX_WAIT_TIMER = 43_200;
/** GitHub's most required reviewers of one environment. */
export const MAX_REVIEWERS = 6;
/** The longest deployment branch or tag pattern gantry keeps. */
export const MAX_POLICY_NAME = 255;

/** Which refs may deploy: GitHub's `deployment_branch_policy` (null: every branch and tag). */
export interface BranchPolicySetting {
  protectedBranches: boolean;
  customBranchPolicies: boolean;
}

export interface Reviewer {
  type: "User";
  id: number;
}

/** An environment's protection rules as gantry keeps them. */
export interface EnvironmentSettings {
  waitTimer: number;
  preventSelfReview: boolean;
  reviewers: Reviewer[];
  canAdminsBypass: boolean;
  branchPolicy: BranchPolicySetting | null;
}

/** A new environment's: no rules, admins may bypass (GitHub's defaults). */
export const DEFAULT_SETTINGS: EnvironmentSettings = {
  waitTimer: 0,
  preventSelfReview: false,
  reviewers: [],
  canAdminsBypass: true,
  branchPolicy: null,
};

const reviewer = z
  .object({
    type: z.enum(["User", "Team"], { message: "type must be User or Team" }),
    id: z.number().int().positive("id must be a user's id"),
  })
  .strict()
  .refine((r) => r.type === "User", {
    message: "gantry has no teams: a reviewer must be a User",
    path: ["type"],
  });

/**
 * GitHub's body of PUT …/environments/{name}: each field optional (an omitted one keeps its value;
 * `deployment_branch_policy: null` lets every ref deploy; `reviewers: null` removes them). Exactly
 * one of protected_branches and custom_branch_policies is true, as GitHub requires.
 */
export const environmentBody = z
  .object({
    wait_timer: z
      .number({ message: "wait_timer must be a number of minutes" })
      .int("wait_timer must be a whole number of minutes")
      .min(0, "wait_timer must be between 0 and 43200 minutes")
      .max(MAX_WAIT_TIMER, "wait_timer must be between 0 and 43200 minutes"),
    prevent_self_review: z.boolean(),
    reviewers: z
      .array(reviewer)
      .max(MAX_REVIEWERS, `an environment can have at most ${MAX_REVIEWERS} reviewers`)
      .nullable(),
    can_admins_bypass: z.boolean(),
    deployment_branch_policy: z
      .object({ protected_branches: z.boolean(), custom_branch_policies: z.boolean() })
      .strict()
      .refine((p) => p.protected_branches !== p.custom_branch_policies, {
        message:
          "exactly one of protected_branches and custom_branch_policies must be true (null lets every branch deploy)",
      })
      .nullable(),
  })
  .partial()
  .strict();

export type EnvironmentBody = z.infer<typeof environmentBody>;

/** The settings after a PUT's body: what it names replaces, what it omits stays. */
export function applyEnvironmentBody(
  current: EnvironmentSettings,
  body: EnvironmentBody,
): EnvironmentSettings {
  const reviewers =
    body.reviewers === undefined
      ? current.reviewers
      : (body.reviewers ?? []).map((r) => ({ type: "User" as const, id: r.id }));
  const unique = [...new Map(reviewers.map((r) => [r.id, r])).values()];
  return {
    waitTimer: body.wait_timer ?? current.waitTimer,
    preventSelfReview: body.prevent_self_review ?? current.preventSelfReview,
    reviewers: unique,
    canAdminsBypass: body.can_admins_bypass ?? current.canAdminsBypass,
    branchPolicy:
      body.deployment_branch_policy === undefined
        ? current.branchPolicy
        : body.deployment_branch_policy && {
            protectedBranches: body.deployment_branch_policy.protected_branches,
            customBranchPolicies: body.deployment_branch_policy.custom_branch_policies,
          },
  };
}

/** The kinds of GitHub's protection rules an environment's settings make. */
export type RuleKind = "wait_timer" | "required_reviewers" | "branch_policy";

/** Which rules the settings hold (GitHub lists a rule only while it is set). */
export function rulesOf(s: EnvironmentSettings): RuleKind[] {
  const out: RuleKind[] = [];
  if (s.waitTimer > 0) out.push("wait_timer");
  if (s.reviewers.length > 0) out.push("required_reviewers");
  if (s.branchPolicy) out.push("branch_policy");
  return out;
}

/**
 * The audit trail's names for a change of settings (GitHub's `environment.*` events): a rule that
 * appears is added, one that goes is removed, one that changes (or the admins' bypass) is updated.
 */
export function settingsChanges(
  before: EnvironmentSettings,
  after: EnvironmentSettings,
): Array<{ action: string; rule: RuleKind | "can_admins_bypass" }> {
  const had = new Set(rulesOf(before));
  const has = new Set(rulesOf(after));
  const out: Array<{ action: string; rule: RuleKind | "can_admins_bypass" }> = [];
  const same: Record<RuleKind, boolean> = {
    wait_timer: before.waitTimer === after.waitTimer,
    required_reviewers:
      before.preventSelfReview === after.preventSelfReview &&
      JSON.stringify(before.reviewers) === JSON.stringify(after.reviewers),
    branch_policy: JSON.stringify(before.branchPolicy) === JSON.stringify(after.branchPolicy),
  };
  for (const rule of ["wait_timer", "required_reviewers", "branch_policy"] as const) {
    if (!had.has(rule) && has.has(rule)) out.push({ action: "environment.add_protection_rule", rule });
    else if (had.has(rule) && !has.has(rule))
      out.push({ action: "environment.remove_protection_rule", rule });
    else if (had.has(rule) && !same[rule]) out.push({ action: "environment.update_protection_rule", rule });
  }
  if (before.canAdminsBypass !== after.canAdminsBypass)
    out.push({ action: "environment.update_protection_rule", rule: "can_admins_bypass" });
  return out;
}

/** GitHub's body of POST …/deployment-branch-policies. */
export const branchPolicyBody = z
  .object({
    name: z.string().superRefine((name, ctx) => {
      const problem = policyNameProblem(name);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    type: z.enum(["branch", "tag"], { message: "type must be branch or tag" }).default("branch"),
  })
  .strict();

/** GitHub's body of PUT …/deployment-branch-policies/{id}: a new pattern (the type stays). */
export const branchPolicyUpdateBody = branchPolicyBody.pick({ name: true });

/** Why a branch or tag pattern cannot be one, or undefined. */
export function policyNameProblem(name: string): string | undefined {
  if (name === "") return "a pattern cannot be empty";
  if (name.length > MAX_POLICY_NAME) return `a pattern can be at most ${MAX_POLICY_NAME} characters long`;
  if (/\p{Cc}/u.test(name)) return "a pattern cannot contain control characters";
  if (name.trim() !== name) return "a pattern cannot start or end with a space";
  if (/\s/.test(name)) return "a pattern cannot contain spaces (no branch or tag name has one)";
  return undefined;
}
