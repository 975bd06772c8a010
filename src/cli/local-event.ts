import type { Json } from "../expressions/index.js";
import {
  type ChangedFiles,
  gitOut,
  hasCommit,
  pullRequestChangedFiles,
  pushChangedFiles,
  type RepoEvent,
  ZERO_SHA,
} from "../triggers/index.js";
import { UsageError } from "../workflow/index.js";
import {
  COMMIT_FORMAT,
  fullRef,
  headCommitChanges,
  type LocalRepo,
  workingTreeChanges,
} from "./local-repo.js";

type Payload = { [key: string]: Json };

/** The event a local run simulates. */
export type LocalEvent = RepoEvent;

function obj(value: Json | undefined): Payload {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Payload) : {};
}

function str(value: Json | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function shortBranch(ref: string): string | undefined {
  return ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : undefined;
}

/** The commits' changes plus the working tree's (a local run tests uncommitted work too). */
function withWorkingTree(files: ChangedFiles, working: () => string[]): ChangedFiles {
  return files === null ? null : [...new Set([...files, ...working()])];
}

/**
 * Builds the event a local run simulates, from the checkout and an optional payload file,
 * GitHub's way: a push diffs before..after, a pull request diffs three-dot from its base.
 */
export function buildLocalEvent(
  repo: LocalRepo,
  name: string,
  ref: string | undefined,
  given: Payload | undefined,
): LocalEvent {
  const payload: Payload = { ...(given ?? {}) };
  const repository: Payload = {
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: { login: repo.owner, name: repo.owner },
    default_branch: repo.defaultBranch,
    ...obj(payload.repository),
  };
  payload.repository = repository;
  payload.sender ??= { login: repo.actor };
  const working = () => workingTreeChanges(repo.root);

  if (name === "pull_request" || name === "pull_request_target") {
    const pr = obj(payload.pull_request);
    const base = obj(pr.base);
    const head = obj(pr.head);
    const baseBranch =
      str(base.ref) ?? (ref ? fullRef(repo, ref).replace(/^refs\/heads\//, "") : repo.defaultBranch);
    const headBranch = str(head.ref) ?? repo.branch ?? shortBranch(repo.ref) ?? "HEAD";
    const number =
      typeof pr.number === "number" ? pr.number : typeof payload.number === "number" ? payload.number : 1;
    // The base branch locally, else as origin has it (a CI clone often has only the head branch).
    const baseSha =
      str(base.sha) ??
      gitOut(repo.root, ["rev-parse", "-q", "--verify", `refs/heads/${baseBranch}`]) ??
      gitOut(repo.root, ["rev-parse", "-q", "--verify", `refs/remotes/origin/${baseBranch}`]);
    payload.action ??= "opened";
    payload.number = number;
    payload.pull_request = {
      number,
      title: headBranch,
      ...pr,
      head: { ref: headBranch, sha: repo.sha, ...head },
      base: { ref: baseBranch, sha: baseSha ?? "", ...base },
    };
    return {
      name,
      payload,
      ref: `refs/pull/${number}/merge`,
      filterRef: `refs/heads/${baseBranch}`,
      sha: repo.sha,
      headRef: headBranch,
      baseRef: baseBranch,
      changedFiles: () =>
        withWorkingTree(
          baseSha ? pullRequestChangedFiles(repo.root, baseSha, "HEAD") : headCommitChanges(repo.root),
          working,
        ),
    };
  }

  const fullName = fullRef(repo, str(payload.ref) ?? ref);
  if (ref && !fullName) throw new UsageError(`--ref '${ref}' is not a ref`);
  // The checkout's own ref is HEAD, already read; another ref costs a git process.
  const sha =
    (fullName &&
      fullName !== repo.ref &&
      gitOut(repo.root, ["rev-parse", "-q", "--verify", `${fullName}^{commit}`])) ||
    repo.sha;
  if (name === "push") {
    const before = str(payload.before);
    const after = str(payload.after) ?? sha;
    payload.ref = fullName;
    payload.after = after;
    // What the payload says of the pushed commit: read with the checkout when it is HEAD, else one
    // git process. The first line is marked: a root commit has no parents, and git's output is trimmed.
    const commit =
      (after === repo.sha ? repo.headCommit : undefined) ??
      gitOut(repo.root, ["log", "-1", `--format=${COMMIT_FORMAT}`, after]);
    const [parents = "", tree = "", timestamp = "", an = "", ae = "", cn = "", ce = "", ...body] = (
      commit ?? ""
    ).split("\n");
    // A commit without parents is the repository's first: its push created the branch (GitHub's
    // before is then forty zeros).
    payload.before ??= parents.replace(/^parents:/, "").split(" ")[0] || ZERO_SHA;
    payload.created ??= payload.before === ZERO_SHA;
    payload.deleted ??= false;
    payload.forced ??= false;
    payload.pusher ??= { name: repo.actor, email: repo.actorEmail };
    payload.head_commit ??= {
      id: after,
      tree_id: tree,
      distinct: true,
      message: body.join("\n").trim(),
      timestamp,
      author: { name: an, email: ae },
      committer: { name: cn, email: ce },
    };
    payload.commits ??= [payload.head_commit];
    return {
      name,
      payload,
      ref: fullName,
      filterRef: fullName,
      sha: after,
      headRef: "",
      baseRef: "",
      changedFiles: () =>
        withWorkingTree(
          before && before !== ZERO_SHA && hasCommit(repo.root, before)
            ? pushChangedFiles(repo.root, { before, after, existing: [] })
            : headCommitChanges(repo.root),
          working,
        ),
    };
  }
  if (name === "workflow_dispatch") payload.ref = fullName;
  return {
    name,
    payload,
    ref: fullName,
    filterRef: fullName,
    sha,
    headRef: "",
    baseRef: "",
    changedFiles: () => withWorkingTree(headCommitChanges(repo.root), working),
  };
}
