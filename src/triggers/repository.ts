import type { Json } from "../expressions/index.js";

/** Who a repository is, as events name it. */
export interface RepoIdentity {
  owner: string;
  name: string;
  defaultBranch: string;
  /** The repository's web address, when it has one (commit and compare links in payloads). */
  htmlUrl?: string;
  /** Where it is cloned from. */
  cloneUrl?: string;
}

/** The `repository` object of a GitHub webhook payload. */
export function repositoryPayload(repo: RepoIdentity): { [key: string]: Json } {
  const payload: { [key: string]: Json } = {
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: { login: repo.owner, name: repo.owner },
    default_branch: repo.defaultBranch,
    master_branch: repo.defaultBranch,
    private: false,
    fork: false,
  };
  if (repo.htmlUrl) payload.html_url = repo.htmlUrl;
  if (repo.cloneUrl) payload.clone_url = repo.cloneUrl;
  return payload;
}
