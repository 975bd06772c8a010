// A forge event completed from the server's clone: the commit a run reads its workflows from (a
// pull request's merge commit, made here as GitHub makes refs/pull/N/merge; a release's tag), the
// files it changed, and whether a push was forced.

import type { Json } from "../expressions/index.js";
import { pullRequestChangedFiles, pushChangedFiles } from "./changed-files.js";
import { type ForgeEvent, num, obj, str } from "./forge-event.js";
import { gitAsync, gitOut, hasCommit, isZeroSha } from "./git.js";
import { fetchMirror } from "./mirror.js";
import { isForced, peelCommit } from "./push-events.js";
import { readRefs } from "./ref-updates.js";
import type { RepoEvent } from "./repo-event.js";

/** An event that starts nothing, with the reason (a merge conflict, a commit the clone lacks). */
export class EventSkipped extends Error {
  readonly code = "ERR_EVENT_SKIPPED";
}

type Obj = { [key: string]: Json };

/** Where each forge publishes a pull request's head. */
const PULL_HEAD: Record<ForgeEvent["forge"], (n: number) => string> = {
  github: (n) => `refs/pull/${n}/head`,
  gitea: (n) => `refs/pull/${n}/head`,
  gitlab: (n) => `refs/merge-requests/${n}/head`,
};

function branchTip(gitDir: string, branch: string): string | undefined {
  return peelCommit(gitDir, gitOut(gitDir, ["rev-parse", "-q", "--verify", `refs/heads/${branch}`]) ?? "");
}

/**
 * The test merge of head into base, as GitHub makes refs/pull/N/merge; undefined on a conflict.
 * Recorded at refs/pull/N/merge in the clone, so a job can fetch it by name.
 */
export function makeMergeCommit(
  gitDir: string,
  number: number,
  base: string,
  head: string,
): string | undefined {
  const tree = gitOut(gitDir, [
    "merge-tree",
    "--write-tree",
    "--no-messages",
    "--end-of-options",
    base,
    head,
  ]);
  if (!tree || !/^[0-9a-f]+$/.test(tree.split("\n")[0])) return undefined;
  const sha = gitOut(gitDir, [
    "-c",
    "user.name=gantry",
    "-c",
    "user.email=gantry@localhost",
    "commit-tree",
    tree.split("\n")[0],
    "-p",
    base,
    "-p",
    head,
    "-m",
    `Merge ${head} into ${base}`,
  ]);
  if (!sha) return undefined;
  gitOut(gitDir, ["update-ref", `refs/pull/${number}/merge`, sha]);
  return sha;
}

/** A pull request's head commit in the clone, fetched from the forge's pull ref when a fork has it. */
async function fetchPullHead(
  event: ForgeEvent,
  gitDir: string,
  url: string,
  number: number,
  headSha: string,
) {
  if (!hasCommit(gitDir, headSha)) {
    // A fork's head lives only under the forge's pull request ref.
    await gitAsync(gitDir, [
      "fetch",
      "--quiet",
      "--",
      url,
      `+${PULL_HEAD[event.forge](number)}:refs/pull/${number}/head`,
    ]).catch(() => undefined);
  }
  return hasCommit(gitDir, headSha);
}

async function pullRequestEvent(event: ForgeEvent, gitDir: string, url: string): Promise<RepoEvent> {
  const payload: Obj = { ...event.payload };
  const pr: Obj = { ...obj(payload.pull_request) };
  const number = num(payload.number) ?? num(pr.number) ?? 0;
  const head: Obj = { ...obj(pr.head) };
  const base: Obj = { ...obj(pr.base) };
  const headSha = str(head.sha) ?? event.sha;
  const target = event.name === "pull_request_target";
  const headHere = await fetchPullHead(event, gitDir, url, number, headSha);
  // pull_request_target runs the base's own workflows: the head is needed for its paths only.
  if (!headHere && !target)
    throw new EventSkipped(`pull request #${number}: head commit ${headSha} is not in ${url}`);
  const given = str(base.sha);
  const tip = branchTip(gitDir, event.baseRef);
  const baseSha = target ? (tip ?? given) : given && hasCommit(gitDir, given) ? given : tip;
  if (!baseSha || !hasCommit(gitDir, baseSha))
    throw new EventSkipped(`pull request #${number}: base branch '${event.baseRef}' is not in ${url}`);
  base.sha = baseSha;
  pr.base = base;
  pr.head = head;
  payload.pull_request = pr;
  const common = {
    name: event.name,
    payload,
    ref: event.ref,
    filterRef: event.filterRef,
    headRef: event.headRef,
    baseRef: event.baseRef,
    ...(event.fork !== undefined ? { fork: event.fork } : {}),
  };
  if (target) {
    // GitHub: GITHUB_SHA is the base branch's last commit, GITHUB_REF the base branch; it runs
    // whether or not head merges cleanly.
    const changedFiles = () => (headHere ? pullRequestChangedFiles(gitDir, baseSha, headSha) : null);
    return { ...common, sha: baseSha, changedFiles };
  }
  const action = str(payload.action);
  const mergedSha = str(pr.merge_commit_sha);
  let sha: string | undefined;
  if (action === "closed" && pr.merged === true && mergedSha && hasCommit(gitDir, mergedSha)) sha = mergedSha;
  else sha = makeMergeCommit(gitDir, number, baseSha, headSha);
  if (!sha) {
    // GitHub runs no pull_request workflow while the pull request has a merge conflict.
    if (action !== "closed") {
      throw new EventSkipped(
        `pull request #${number}: '${event.headRef}' does not merge cleanly into '${event.baseRef}'`,
      );
    }
    sha = headSha;
  }
  return { ...common, sha, changedFiles: () => pullRequestChangedFiles(gitDir, baseSha, headSha) };
}

/**
 * Completes a forge event from the server's clone at gitDir (fetched from url first). Throws
 * EventSkipped when the event starts nothing. `peel`: the commit an object id stands for in the
 * clone (the server reads it without a process of its own); a git process each by default.
 */
export async function prepareForgeEvent(
  event: ForgeEvent,
  gitDir: string,
  url: string,
  fetch: () => Promise<void> = () => fetchMirror(gitDir, url),
  peel: (id: string) => Promise<string | undefined> = async (id) => peelCommit(gitDir, id),
): Promise<RepoEvent> {
  await fetch();
  if (event.name === "pull_request" || event.name === "pull_request_target") {
    return pullRequestEvent(event, gitDir, url);
  }
  const repo = obj(event.payload.repository);
  const defaultSha = () => branchTip(gitDir, str(repo.default_branch) ?? "main");
  const done = (
    sha: string | undefined,
    changedFiles: RepoEvent["changedFiles"],
    payload = event.payload,
  ): RepoEvent => {
    if (!sha) throw new EventSkipped(`${event.name} ${event.ref}: its commit is not in ${url}`);
    return {
      name: event.name,
      payload,
      ref: event.ref,
      filterRef: event.filterRef,
      sha,
      headRef: event.headRef,
      baseRef: event.baseRef,
      changedFiles,
    };
  };
  if (event.name === "push") {
    const before = str(event.payload.before) ?? "";
    const after = str(event.payload.after) ?? "";
    if (isZeroSha(after)) return done(defaultSha(), () => []);
    // Each id peeled once, side by side, without blocking the event loop on a git process.
    const ids = [...new Set([event.sha, before, after])];
    const peeled = new Map(await Promise.all(ids.map(async (id) => [id, await peel(id)] as const)));
    const payload: Obj = { ...event.payload };
    if (event.forge !== "github") payload.forced = isForced(gitDir, before, after, (id) => peeled.get(id));
    const sha = peeled.get(event.sha) ?? peeled.get(after);
    // The other refs (what a new branch's changed files are counted from), read only when a paths
    // filter asks for the changed files: a git process otherwise on every push's way to its runs.
    const existing = () =>
      Object.entries(readRefs(gitDir))
        .filter(([ref]) => ref !== event.ref)
        .map(([, id]) => id);
    return done(sha, () => pushChangedFiles(gitDir, { before, after, existing: existing() }), payload);
  }
  if (event.name === "delete") return done(defaultSha(), () => []);
  // create and release: the ref's commit as the clone has it now, else the one the forge named.
  const atRef = peelCommit(
    gitDir,
    gitOut(gitDir, ["rev-parse", "-q", "--verify", "--end-of-options", event.ref]) ?? "",
  );
  return done(atRef ?? (event.sha ? peelCommit(gitDir, event.sha) : undefined), () => []);
}
