import type { Json } from "../expressions/index.js";

/**
 * One event in a repository, as everything downstream of a trigger sees it: `gantry run`'s
 * simulated event, a push seen by the poller or a hook, a forge webhook, a cron tick, a dispatch.
 */
export interface RepoEvent {
  /** GitHub's event name: push, pull_request, release, schedule, workflow_dispatch … */
  name: string;
  /** The webhook payload in GitHub's shape (github.event). */
  payload: { [key: string]: Json };
  /** github.ref for the run (refs/pull/N/merge for pull requests). */
  ref: string;
  /** The ref branch filters look at: the pushed ref, or a pull request's base branch. */
  filterRef: string;
  /** github.sha: the commit whose workflows run (a pull request's merge commit). */
  sha: string;
  /** github.head_ref and github.base_ref: set for pull requests only. */
  headRef: string;
  baseRef: string;
  /**
   * Pull requests only: the head is in another repository (a fork). A fork's `pull_request` run is
   * untrusted input, as on GitHub: no secrets, no variables, a read-only token.
   */
  fork?: boolean;
  /**
   * Files the event changed, as GitHub computes them for paths filters; computed on demand. null when
   * there were too many commits to diff (over 1,000 pushed): GitHub then runs the workflow regardless.
   */
  changedFiles: () => string[] | null;
}
