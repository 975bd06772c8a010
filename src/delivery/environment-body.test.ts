import { describe, expect, it } from "vitest";
import {
  applyEnvironmentBody,
  branchPolicyBody,
  DEFAULT_SETTINGS,
  environmentBody,
  rulesOf,
  settingsChanges,
} from "./environment-body.js";

const problems = (value: unknown): string[] => {
  const parsed = environmentBody.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("environmentBody (GitHub's PUT …/environments/{name})", () => {
  it("takes GitHub's fields", () => {
    expect(
      problems({
        wait_timer: 30,
        prevent_self_review: true,
        reviewers: [{ type: "User", id: 2 }],
        can_admins_bypass: false,
        deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      }),
    ).toEqual([]);
    expect(problems({})).toEqual([]);
    expect(problems({ deployment_branch_policy: null, reviewers: null })).toEqual([]);
  });

  it("refuses a wait timer out of 0–43200 or not whole", () => {
    expect(problems({ wait_timer: 43_201 })).toEqual([
      "wait_timer: wait_timer must be between 0 and 43200 minutes",
    ]);
    expect(problems({ wait_timer: -1 })).toHaveLength(1);
    expect(problems({ wait_timer: 1.5 })).toHaveLength(1);
    expect(problems({ wait_timer: "5" })).toHaveLength(1);
    expect(problems({ wait_timer: 43_200 })).toEqual([]);
  });

  it("refuses more than 6 reviewers, teams and ids that are not ids", () => {
    const seven = Array.from({ length: 7 }, (_, i) => ({ type: "User", id: i + 1 }));
    expect(problems({ reviewers: seven })).toEqual([
      "reviewers: an environment can have at most 6 reviewers",
    ]);
    expect(problems({ reviewers: [{ type: "Team", id: 1 }] })[0]).toMatch(/no teams/);
    expect(problems({ reviewers: [{ type: "User", id: 0 }] })).toHaveLength(1);
    expect(problems({ reviewers: [{ type: "User", login: "x" }] }).length).toBeGreaterThan(0);
  });

  it("takes exactly one of protected_branches and custom_branch_policies", () => {
    expect(
      problems({ deployment_branch_policy: { protected_branches: true, custom_branch_policies: true } })[0],
    ).toMatch(/exactly one/);
    expect(
      problems({ deployment_branch_policy: { protected_branches: false, custom_branch_policies: false } })[0],
    ).toMatch(/exactly one/);
    expect(problems({ deployment_branch_policy: { protected_branches: true } })).toHaveLength(1);
    expect(
      problems({ deployment_branch_policy: { protected_branches: true, custom_branch_policies: false } }),
    ).toEqual([]);
  });

  it("refuses fields GitHub does not have", () => {
    expect(problems({ wait_timers: 5 })).toHaveLength(1);
  });
});

describe("applyEnvironmentBody", () => {
  it("changes what the body names and keeps the rest", () => {
    const first = applyEnvironmentBody(DEFAULT_SETTINGS, {
      wait_timer: 5,
      reviewers: [{ type: "User", id: 3 }],
    });
    const second = applyEnvironmentBody(first, { can_admins_bypass: false });
    expect(second).toEqual({
      ...DEFAULT_SETTINGS,
      waitTimer: 5,
      reviewers: [{ type: "User", id: 3 }],
      canAdminsBypass: false,
    });
    expect(applyEnvironmentBody(second, { reviewers: null }).reviewers).toEqual([]);
  });

  it("lists a reviewer once", () => {
    const s = applyEnvironmentBody(DEFAULT_SETTINGS, {
      reviewers: [
        { type: "User", id: 3 },
        { type: "User", id: 3 },
      ],
    });
    expect(s.reviewers).toEqual([{ type: "User", id: 3 }]);
  });
});

describe("settingsChanges (the audit trail's environment.* actions)", () => {
  it("names rules added, updated and removed", () => {
    const a = applyEnvironmentBody(DEFAULT_SETTINGS, { wait_timer: 5 });
    expect(rulesOf(a)).toEqual(["wait_timer"]);
    expect(settingsChanges(DEFAULT_SETTINGS, a)).toEqual([
      { action: "environment.add_protection_rule", rule: "wait_timer" },
    ]);
    const b = applyEnvironmentBody(a, {
      wait_timer: 10,
      deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
    });
    expect(settingsChanges(a, b)).toEqual([
      { action: "environment.update_protection_rule", rule: "wait_timer" },
      { action: "environment.add_protection_rule", rule: "branch_policy" },
    ]);
    const c = applyEnvironmentBody(b, { wait_timer: 0, can_admins_bypass: false });
    expect(settingsChanges(b, c)).toEqual([
      { action: "environment.remove_protection_rule", rule: "wait_timer" },
      { action: "environment.update_protection_rule", rule: "can_admins_bypass" },
    ]);
    expect(settingsChanges(c, c)).toEqual([]);
  });
});

describe("branchPolicyBody", () => {
  const ok = (v: unknown) => branchPolicyBody.safeParse(v).success;
  it("takes {name, type} with branch by default", () => {
    expect(branchPolicyBody.parse({ name: "release/*" })).toEqual({ name: "release/*", type: "branch" });
    expect(ok({ name: "v*", type: "tag" })).toBe(true);
  });
  it("refuses malformed policies", () => {
    expect(ok({ name: "" })).toBe(false);
    expect(ok({ name: "a b" })).toBe(false);
    expect(ok({ name: "x\u0000" })).toBe(false);
    expect(ok({ name: "x".repeat(256) })).toBe(false);
    expect(ok({ name: "main", type: "commit" })).toBe(false);
    expect(ok({ name: 5 })).toBe(false);
    expect(ok({ name: "main", extra: 1 })).toBe(false);
  });
});
