// The cache's scopes and versions, as @actions/cache and GitHub compute them: light, so that what
// names a job's scopes (the Actions services of every run) does not load the cache action itself.
import { createHash } from "node:crypto";
import type { Json } from "../expressions/index.js";

/** Bumped by @actions/cache when its entry format changes; part of every version. */
const VERSION_SALT = "1.0";

/** The version of an entry as @actions/cache computes it: sha256 over the path lines and the compression. */
export function cacheVersion(paths: string[], compression: string, crossOs = false): string {
  const components = [...paths, compression];
  if (process.platform === "win32" && !crossOs) components.push("windows-only");
  components.push(VERSION_SALT);
  return createHash("sha256").update(components.join("|")).digest("hex");
}

/**
 * The scopes a run reads, in order: its own ref, the base branch of a pull request, the default
 * branch (github.event.repository.default_branch: for `gantry run`, origin/HEAD, else main or
 * master). It writes only to the first. Each is its repository's own (`owner/repo:refs/heads/main`):
 * as on GitHub, a repository's runs never read or write another's caches.
 */
export function cacheScopes(github: Record<string, Json>): string[] {
  const own = String(github.ref ?? "");
  const base = github.base_ref ? `refs/heads/${String(github.base_ref)}` : "";
  const event = (github.event ?? {}) as Record<string, Json>;
  const repository = (event.repository ?? {}) as Record<string, Json>;
  const fallback = repository.default_branch ? `refs/heads/${String(repository.default_branch)}` : "";
  const refs = [...new Set([own, base, fallback].filter((s) => s !== ""))];
  return refs.map((ref) => cacheScope(String(github.repository ?? ""), ref));
}

/** The scope of a repository's ref; a ref alone when there is no repository. */
export function cacheScope(repository: string, ref: string): string {
  return repository ? `${repository}:${ref}` : ref;
}

/** The repository and ref of a scope (git refs and repository names hold no `:`). */
export function scopeParts(scope: string): { repository: string; ref: string } {
  const at = scope.indexOf(":");
  return at < 0
    ? { repository: "", ref: scope }
    : { repository: scope.slice(0, at), ref: scope.slice(at + 1) };
}
