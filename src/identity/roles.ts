/** A user's role on a repository, GitHub's repository roles from least to most. */
export type Role = "read" | "triage" | "write" | "maintain" | "admin";

export const ROLES: readonly Role[] = ["read", "triage", "write", "maintain", "admin"];

/** GitHub's older names for two roles, accepted wherever a role is given. */
const ALIASES = new Map<string, Role>([
  ["pull", "read"],
  ["push", "write"],
]);

/** A role by its name or GitHub's alias (`pull`, `push`); undefined for anything else. */
export function parseRole(name: string): Role | undefined {
  if ((ROLES as readonly string[]).includes(name)) return name as Role;
  return ALIASES.get(name);
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** The lesser of two roles. */
export function minRole(a: Role, b: Role): Role {
  return roleAtLeast(a, b) ? b : a;
}

/**
 * GitHub's `permissions` object of a collaborator (GET …/collaborators): each flag true when the
 * role includes it. GitHub's `role_name` is the role itself.
 */
export function rolePermissions(
  role: Role,
): Record<"pull" | "triage" | "push" | "maintain" | "admin", boolean> {
  return {
    pull: true,
    triage: roleAtLeast(role, "triage"),
    push: roleAtLeast(role, "write"),
    maintain: roleAtLeast(role, "maintain"),
    admin: role === "admin",
  };
}

/** GitHub's legacy `permission` of GET …/collaborators/{login}/permission: admin, write, read or none. */
export function legacyPermission(role: Role | undefined): "admin" | "write" | "read" | "none" {
  if (!role) return "none";
  if (role === "admin") return "admin";
  return roleAtLeast(role, "write") ? "write" : "read";
}
