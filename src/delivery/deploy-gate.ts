import type { EnvironmentSettings } from "./environment-body.js";
import { refPatternMatches } from "./ref-pattern.js";

/** A deployment branch or tag policy (GitHub's `{name, type}`). */
export interface RefPolicy {
  name: string;
  type: "branch" | "tag";
}

/** The ref a run deploys from: a branch's or a tag's short name (refs/pull/… stays whole, a branch). */
export function deployRefOf(ref: string): RefPolicy {
  if (ref.startsWith("refs/tags/")) return { type: "tag", name: ref.slice("refs/tags/".length) };
  if (ref.startsWith("refs/heads/")) return { type: "branch", name: ref.slice("refs/heads/".length) };
  return { type: "branch", name: ref };
}

/**
 * Why a run of `ref` may not deploy to the environment, in GitHub's words, or undefined when its
 * deployment branch policy lets it: no policy lets every ref; `protected_branches` only protected
 * branches (gantry has no branch protection yet, so none: every ref is refused, as on GitHub for a
 * repository without protected branches); custom policies a branch or tag matching one of the
 * environment's patterns of its type.
 */
export function refusedRef(
  environment: string,
  settings: EnvironmentSettings,
  policies: RefPolicy[],
  ref: string,
): string | undefined {
  const policy = settings.branchPolicy;
  if (!policy) return undefined;
  const target = deployRefOf(ref);
  const allowed =
    policy.customBranchPolicies &&
    policies.some((p) => p.type === target.type && refPatternMatches(p.name, target.name));
  if (allowed) return undefined;
  const kind = target.type === "tag" ? "Tag" : "Branch";
  return `${kind} "${target.name}" is not allowed to deploy to ${environment} due to environment protection rules.`;
}
