import type { Json } from "../expressions/index.js";

export type Forge = "github" | "gitea" | "gitlab";

/**
 * A forge webhook normalised to GitHub's event and payload shapes, before the server's clone is
 * consulted: `sha` is the pushed commit (a pull request's head until the merge commit is made, a
 * release's tagged commit when the forge names it, else ""). `prepareForgeEvent` completes it.
 */
export interface ForgeEvent {
  forge: Forge;
  name: string;
  payload: { [key: string]: Json };
  ref: string;
  filterRef: string;
  sha: string;
  headRef: string;
  baseRef: string;
  /** owner/name as the forge names the repository (the server finds its registration by it). */
  repository: string;
  /**
   * Pull requests only: the head is in another repository than the base (a fork, or a head
   * repository the forge no longer knows). Untrusted: a fork's `pull_request` run gets no secrets.
   */
  fork?: boolean;
}

type Obj = { [key: string]: Json };

/** A pull request event as GitHub's runs see it: on the merge ref, filtered by the base branch. */
export function pullRequestEvent(
  forge: Forge,
  name: string,
  payload: Obj,
  pr: {
    number: number | string;
    headRef: string;
    headSha: string;
    baseRef: string;
    repository: string;
    fork: boolean;
  },
): ForgeEvent {
  return {
    forge,
    name,
    payload,
    ref: `refs/pull/${pr.number}/merge`,
    filterRef: `refs/heads/${pr.baseRef}`,
    sha: pr.headSha,
    headRef: pr.headRef,
    baseRef: pr.baseRef,
    repository: pr.repository,
    fork: pr.fork,
  };
}

/**
 * The `pull_request_target` event of a `pull_request` one (GitHub starts both from the same activity):
 * the base branch's workflows at the base's head (GITHUB_REF the base branch, GITHUB_SHA its last
 * commit, which the server's clone fills in), with the same payload and filters.
 */
export function pullRequestTargetEvent(event: ForgeEvent): ForgeEvent {
  const base = `refs/heads/${event.baseRef}`;
  const sha = str(obj(obj(obj(event.payload.pull_request).base)).sha) ?? "";
  return { ...event, name: "pull_request_target", ref: base, filterRef: base, sha };
}

/** Repository names compare as the forges compare them: without regard to case. */
function sameName(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a !== "" && a.toLowerCase() === b.toLowerCase();
}

/**
 * Whether a pull request's head is in another repository than its base, read from a payload in
 * GitHub's shape: head.repo.full_name ≠ base.repo.full_name (the base's falls back to the event's
 * repository). A head repository the payload does not name (GitHub sends `head.repo: null` once a
 * fork is deleted) counts as a fork: what cannot be shown to be the base repository is untrusted.
 */
export function isForkPullRequest(payload: Obj): boolean {
  const pr = obj(payload.pull_request);
  const headRepo = obj(obj(pr.head).repo);
  const baseRepo = obj(obj(pr.base).repo);
  const headId = num(headRepo.id);
  const baseId = num(baseRepo.id);
  if (headId !== undefined && baseId !== undefined && headId !== baseId) return true;
  const baseName = str(baseRepo.full_name) || str(obj(payload.repository).full_name);
  return !sameName(str(headRepo.full_name), baseName);
}

/** The object at key, or an empty one. */
export function obj(value: Json | undefined): Obj {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : {};
}

export function str(value: Json | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: Json | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function arr(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}
