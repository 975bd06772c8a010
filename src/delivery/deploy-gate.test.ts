import { describe, expect, it } from "vitest";
import { deployRefOf, refusedRef } from "./deploy-gate.js";
import { DEFAULT_SETTINGS, type EnvironmentSettings } from "./environment-body.js";

const custom: EnvironmentSettings = {
  ...DEFAULT_SETTINGS,
  branchPolicy: { protectedBranches: false, customBranchPolicies: true },
};

describe("refusedRef", () => {
  it("lets every ref deploy without a branch policy", () => {
    expect(refusedRef("production", DEFAULT_SETTINGS, [], "refs/heads/anything")).toBeUndefined();
  });

  it("lets a branch or tag matching a policy of its type deploy, and refuses others in GitHub's words", () => {
    const policies = [
      { name: "main", type: "branch" as const },
      { name: "release/*", type: "branch" as const },
      { name: "v*", type: "tag" as const },
    ];
    expect(refusedRef("production", custom, policies, "refs/heads/main")).toBeUndefined();
    expect(refusedRef("production", custom, policies, "refs/heads/release/1")).toBeUndefined();
    expect(refusedRef("production", custom, policies, "refs/tags/v1.0")).toBeUndefined();
    expect(refusedRef("production", custom, policies, "refs/heads/feature")).toBe(
      'Branch "feature" is not allowed to deploy to production due to environment protection rules.',
    );
    expect(refusedRef("production", custom, policies, "refs/heads/release/1/x")).toMatch(
      /^Branch "release\/1\/x"/,
    );
    // A branch named like a tag pattern is not a tag, and the other way round.
    expect(refusedRef("production", custom, policies, "refs/heads/v1")).toMatch(/^Branch "v1"/);
    expect(refusedRef("production", custom, policies, "refs/tags/main")).toBe(
      'Tag "main" is not allowed to deploy to production due to environment protection rules.',
    );
  });

  it("refuses every ref with custom policies but none kept", () => {
    expect(refusedRef("staging", custom, [], "refs/heads/main")).toMatch(/not allowed to deploy to staging/);
  });

  it("refuses every ref under protected_branches (gantry has no protected branches)", () => {
    const prot = {
      ...DEFAULT_SETTINGS,
      branchPolicy: { protectedBranches: true, customBranchPolicies: false },
    };
    expect(refusedRef("production", prot, [{ name: "main", type: "branch" }], "refs/heads/main")).toMatch(
      /^Branch "main" is not allowed/,
    );
  });
});

describe("deployRefOf", () => {
  it("names branches and tags by their short names", () => {
    expect(deployRefOf("refs/heads/a/b")).toEqual({ type: "branch", name: "a/b" });
    expect(deployRefOf("refs/tags/v1")).toEqual({ type: "tag", name: "v1" });
    expect(deployRefOf("refs/pull/3/merge")).toEqual({ type: "branch", name: "refs/pull/3/merge" });
  });
});
