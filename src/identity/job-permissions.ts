/** A GITHUB_TOKEN permission's level. */
export type Level = "none" | "read" | "write";

/** GitHub's GITHUB_TOKEN permission names (the keys of `permissions:`). */
export const PERMISSIONS = [
  "actions",
  "attestations",
  "checks",
  "contents",
  "deployments",
  "discussions",
  "id-token",
  "issues",
  "metadata",
  "models",
  "packages",
  "pages",
  "pull-requests",
  "repository-projects",
  "security-events",
  "statuses",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type JobPermissions = Partial<Record<Permission, Level>>;

/** `permissions:` as a workflow or job writes it: `read-all`, `write-all`, or name → level. */
export type PermissionsSetting = string | Record<string, string> | undefined;

function all(level: Level): JobPermissions {
  return Object.fromEntries(PERMISSIONS.map((p) => [p, level])) as JobPermissions;
}

function asLevel(value: string): Level {
  return value === "write" ? "write" : value === "read" ? "read" : "none";
}

/**
 * The permissions of a job's GITHUB_TOKEN, as GitHub grants them: the job's `permissions:` when it
 * has one, else the workflow's, else read-only contents and metadata (GitHub's restricted default).
 * Metadata is always readable. A fork's pull request gets read at most.
 */
export function jobTokenPermissions(
  workflow: PermissionsSetting,
  job: PermissionsSetting,
  opts: { fork: boolean },
): JobPermissions {
  const setting = job ?? workflow;
  let granted: JobPermissions;
  if (setting === undefined) granted = { contents: "read", metadata: "read" };
  else if (setting === "read-all") granted = all("read");
  else if (setting === "write-all") granted = all("write");
  else if (typeof setting === "string") granted = {};
  else {
    granted = {};
    for (const [name, level] of Object.entries(setting)) {
      if ((PERMISSIONS as readonly string[]).includes(name)) granted[name as Permission] = asLevel(level);
    }
  }
  granted.metadata = granted.metadata === "write" ? "write" : "read";
  if (opts.fork) {
    for (const name of Object.keys(granted) as Permission[])
      if (granted[name] === "write") granted[name] = "read";
  }
  return granted;
}

export function levelAtLeast(have: Level | undefined, need: Level): boolean {
  const order: Level[] = ["none", "read", "write"];
  return order.indexOf(have ?? "none") >= order.indexOf(need);
}
