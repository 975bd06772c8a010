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
}

type Obj = { [key: string]: Json };

/** A pull request event as GitHub's runs see it: on the merge ref, filtered by the base branch. */
export function pullRequestEvent(
  forge: Forge,
  name: string,
  payload: Obj,
  pr: { number: number | string; headRef: string; headSha: string; baseRef: string; repository: string },
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
  };
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
