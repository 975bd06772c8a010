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

/** Each permission at the lesser of its two levels (one that either lacks is none). */
export function lesserPermissions(a: JobPermissions, b: JobPermissions): JobPermissions {
  const out: JobPermissions = {};
  for (const name of PERMISSIONS) {
    const level = levelAtLeast(a[name], b[name] ?? "none") ? (b[name] ?? "none") : (a[name] ?? "none");
    if (level !== "none") out[name] = level;
  }
  return out;
}

/**
 * The permissions of a job in a called workflow (`jobs.<id>.uses`), as GitHub grants them: each
 * level of the chain, from the top-level workflow's calling job down to the job itself, gives its
 * `permissions:` (the job's, else its workflow's), which may only lower what the caller had; a level
 * that sets none inherits the caller's. A level asking for more is GitHub's startup failure: the
 * `problem` says what it asked for and what it may have (the permissions are then the lesser). The
 * first level alone is jobTokenPermissions.
 */
export function chainPermissions(
  levels: readonly { workflow: PermissionsSetting; job: PermissionsSetting }[],
  opts: { fork: boolean },
): { permissions: JobPermissions; problem?: string } {
  let granted: JobPermissions | undefined;
  for (const { workflow, job } of levels) {
    if (granted && job === undefined && workflow === undefined) continue;
    const own = jobTokenPermissions(workflow, job, opts);
    if (granted) {
      const allowed = granted;
      const over = PERMISSIONS.filter((p) => !levelAtLeast(allowed[p], own[p] ?? "none"));
      if (over.length > 0) {
        const asked = over.map((p) => `${p}: ${own[p]}`).join(", ");
        const may = over.map((p) => `${p}: ${allowed[p] ?? "none"}`).join(", ");
        return {
          permissions: lesserPermissions(allowed, own),
          problem: `is requesting '${asked}', but is only allowed '${may}'`,
        };
      }
    }
    granted = own;
  }
  return { permissions: granted ?? jobTokenPermissions(undefined, undefined, opts) };
}

export function levelAtLeast(have: Level | undefined, need: Level): boolean {
  const order: Level[] = ["none", "read", "write"];
  return order.indexOf(have ?? "none") >= order.indexOf(need);
}
