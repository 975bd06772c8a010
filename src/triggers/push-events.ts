// The events a set of ref updates makes on GitHub, built from the server's clone: one `push` per
// updated branch or tag (payload as GitHub's push webhook, without commits' added/removed/modified,
// which Actions payloads leave out), a `create` per created ref and a `delete` per deleted one.
// GitHub's limits: no push or create events for tags when more than three tags are pushed at once,
// none at all for more than 5,000 branches.
import type { Json } from "../expressions/index.js";
import { pushChangedFiles, pushedCommits } from "./changed-files.js";
import { gitOut, isZeroSha, lines, ZERO_SHA } from "./git.js";
import type { RefMap, RefUpdate } from "./ref-updates.js";
import type { RepoEvent } from "./repo-event.js";
import { type RepoIdentity, repositoryPayload } from "./repository.js";

type Payload = { [key: string]: Json };

/** A push webhook lists at most this many commits. */
export const MAX_PAYLOAD_COMMITS = 2048;
const MAX_TAGS = 3;
const MAX_BRANCHES = 5000;

/** Who pushed: the hook's user, or for a polled change the tip commit's committer. */
export interface Pusher {
  name: string;
  email?: string;
}

const SEP = "\x1f";
const END = "\x1e";
const FORMAT = ["%H", "%T", "%an", "%ae", "%cn", "%ce", "%cI", "%B"].join(SEP) + END;

interface CommitInfo {
  id: string;
  tree: string;
  author: { name: string; email: string };
  committer: { name: string; email: string };
  timestamp: string;
  message: string;
}

function readCommits(gitDir: string, shas: readonly string[]): CommitInfo[] {
  if (shas.length === 0) return [];
  const out = gitOut(
    gitDir,
    ["log", "--no-walk=unsorted", `--format=${FORMAT}`, "--stdin"],
    `${shas.join("\n")}\n`,
  );
  return (out ?? "")
    .split(END)
    .map((r) => r.replace(/^\n/, ""))
    .filter((r) => r !== "")
    .map(parseCommit);
}

/** One commit as FORMAT writes it. */
function parseCommit(record: string): CommitInfo {
  const [id, tree, an, ae, cn, ce, date, ...message] = record.split(SEP);
  return {
    id,
    tree,
    author: { name: an, email: ae },
    committer: { name: cn, email: ce },
    timestamp: date,
    message: message.join(SEP).trim(),
  };
}

function commitPayload(c: CommitInfo, repo: RepoIdentity, distinct: boolean): Payload {
  const payload: Payload = {
    id: c.id,
    tree_id: c.tree,
    distinct,
    message: c.message,
    timestamp: c.timestamp,
    author: { name: c.author.name, email: c.author.email, username: c.author.name },
    committer: { name: c.committer.name, email: c.committer.email, username: c.committer.name },
  };
  if (repo.htmlUrl) payload.url = `${repo.htmlUrl}/commit/${c.id}`;
  return payload;
}

/** The commit an object id stands for (an annotated tag's target), undefined when not in the clone. */
export function peelCommit(gitDir: string, sha: string): string | undefined {
  if (isZeroSha(sha)) return undefined;
  return gitOut(gitDir, ["rev-parse", "-q", "--verify", "--end-of-options", `${sha}^{commit}`]) || undefined;
}

/** An object id: what is given to git on its standard input, one a line (nothing else can be). */
const OBJECT_ID = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/i;

/**
 * peelCommit for several ids with one git process, kept: each id's commit (undefined when the clone
 * has none), then peelCommit's answer for anything asked later. A push's events peel the same few
 * ids again and again (its before and after, for the payload, the commits and `forced`); each was
 * a git process of its own, run synchronously on the server's event loop. `peeled`: the ids whose
 * commits the caller knows already (the server reads them through its clone's cat-file process).
 */
export function commitPeeler(
  gitDir: string,
  ids: Iterable<string>,
  peeled?: ReadonlyMap<string, string | undefined>,
): (sha: string) => string | undefined {
  let known: Map<string, string | undefined> | undefined;
  // On the first question, not before: events that peel nothing start no process.
  const batch = (): Map<string, string | undefined> => {
    const found = new Map<string, string | undefined>(peeled ?? []);
    const asked = [...new Set(ids)].filter((id) => OBJECT_ID.test(id) && !isZeroSha(id) && !found.has(id));
    if (asked.length === 0) return found;
    const out = gitOut(
      gitDir,
      ["cat-file", "--batch-check=%(objectname)"],
      asked.map((id) => `${id}^{commit}\n`).join(""),
    );
    // One line per id, in order: the commit's id, or `<name> missing`.
    const answers = out === undefined ? [] : out.split("\n");
    if (answers.length === asked.length) {
      asked.forEach((id, i) => found.set(id, OBJECT_ID.test(answers[i]) ? answers[i] : undefined));
    }
    return found;
  };
  return (sha) => {
    if (isZeroSha(sha)) return undefined;
    known ??= batch();
    if (!known.has(sha)) known.set(sha, peelCommit(gitDir, sha));
    return known.get(sha);
  };
}

/** The commits an update of a ref from `before` to `after` brought (see walkPush). */
export interface PushWalk {
  /** Newest first (topological order), at most MAX_PAYLOAD_COMMITS. */
  shas: string[];
  /** Each listed commit, read. */
  commits: Map<string, CommitInfo>;
  /** Whether `before` is not an ancestor of `after`; undefined when the walk cannot tell (too long). */
  forced: boolean | undefined;
}

/**
 * The commits `after` has and `before` has not, read, in one git process, with the excluded commits
 * at their edge (--boundary): `before`'s commit is among them exactly when it is an ancestor of
 * `after` (every commit of the edge is a parent of a listed one; a path from `after` down to
 * `before` leaves the listed commits at `before` itself), which is what `forced` asks. A walk cut by
 * the count has the cut commits at its edge, so it tells nothing of `forced` then.
 */
function walkPush(
  gitDir: string,
  update: { before: string; after: string },
  commits: { before: string; after: string },
): PushWalk | undefined {
  const { before, after } = update;
  const out = gitOut(gitDir, [
    "log",
    "--topo-order",
    "--boundary",
    `--max-count=${MAX_PAYLOAD_COMMITS}`,
    `--format=%m${SEP}${FORMAT}`,
    "--end-of-options",
    after,
    `^${before}`,
  ]);
  if (out === undefined) return undefined;
  const shas: string[] = [];
  const read = new Map<string, CommitInfo>();
  const edge = new Set<string>();
  for (const record of out.split(END)) {
    const text = record.replace(/^\n/, "");
    if (text === "") continue;
    const [mark, ...rest] = text.split(SEP);
    const commit = parseCommit(rest.join(SEP));
    if (mark === "-") edge.add(commit.id);
    else {
      shas.push(commit.id);
      read.set(commit.id, commit);
    }
  }
  const cut = shas.length >= MAX_PAYLOAD_COMMITS;
  // Nothing listed: `after` is `before` or one of its ancestors (a branch moved back, forced).
  const forced = cut
    ? undefined
    : shas.length === 0
      ? commits.before !== commits.after
      : !edge.has(commits.before);
  return { shas, commits: read, forced };
}

/** A commit's raw content (`git cat-file commit`), undefined when the clone has no such commit. */
export type CommitContentReader = (id: string) => Promise<Buffer | undefined>;

/** The most commits readLinearPush follows before it leaves the walk to git. */
const LINEAR_WALK = 64;

const IDENT = /^([^<>\n]*) <([^<>\n]*)> (\d{1,15}) ([+-])(\d\d)(\d\d)$/;

/** A commit's time as git's %cI writes it (strict ISO 8601, in the committer's own offset). */
function isoStrict(seconds: number, sign: string, hours: string, minutes: string): string {
  const offset = (sign === "-" ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
  const at = new Date((seconds + offset * 60) * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const date = `${String(at.getUTCFullYear()).padStart(4, "0")}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())}`;
  const time = `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}`;
  return `${date}T${time}${offset < 0 ? "-" : "+"}${hours}:${minutes}`;
}

/**
 * A commit's raw content read as FORMAT gives it, with its parents; undefined for anything whose
 * reading could differ from git's (a message in another encoding, an ident git would trim).
 */
function parseRawCommit(id: string, raw: Buffer): (CommitInfo & { parents: string[] }) | undefined {
  const text = raw.toString("utf8");
  const cut = text.indexOf("\n\n");
  const headers = (cut < 0 ? text : text.slice(0, cut)).split("\n");
  let tree: string | undefined;
  const parents: string[] = [];
  const idents: Record<string, RegExpExecArray> = {};
  for (const line of headers) {
    const space = line.indexOf(" ");
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === "tree") tree = value;
    else if (key === "parent") parents.push(value);
    else if (key === "author" || key === "committer") {
      const m = IDENT.exec(value);
      if (!m || idents[key] || /\s$/.test(m[1]) || /^\s/.test(m[2])) return undefined;
      idents[key] = m;
    } else if (key === "encoding") return undefined;
  }
  const { author, committer } = idents;
  if (!tree || !OBJECT_ID.test(tree) || !author || !committer || parents.some((p) => !OBJECT_ID.test(p)))
    return undefined;
  return {
    id,
    tree,
    parents,
    author: { name: author[1], email: author[2] },
    committer: { name: committer[1], email: committer[2] },
    timestamp: isoStrict(Number(committer[3]), committer[4], committer[5], committer[6]),
    message: cut < 0 ? "" : text.slice(cut + 2).trim(),
  };
}

/**
 * walkPush for the common push, without a git process: `after`'s commits, each with one parent,
 * down to `before`'s commit, read through `read` (the server's clone answers through its cat-file
 * process), at most LINEAR_WALK of them. Undefined when the history is not that (a merge, a root, a
 * rewritten branch, too long, a commit this does not read as git would): pushEvents asks git.
 */
export async function readLinearPush(
  read: CommitContentReader,
  commits: { before: string; after: string },
): Promise<PushWalk | undefined> {
  const shas: string[] = [];
  const read_ = new Map<string, CommitInfo>();
  let id = commits.after;
  while (id !== commits.before) {
    if (shas.length >= LINEAR_WALK) return undefined;
    const raw = await read(id);
    const commit = raw && parseRawCommit(id, raw);
    if (!commit || commit.parents.length !== 1) return undefined;
    const { parents, ...info } = commit;
    shas.push(id);
    read_.set(id, info);
    id = parents[0];
  }
  return { shas, commits: read_, forced: false };
}

/** The key of an update's walk in PushEventsInput.walks. */
export function walkKey(update: { before: string; after: string }): string {
  return `${update.before}..${update.after}`;
}

/** Reads the commits ids stand for (an annotated tag's target), undefined for one the clone has not. */
export type CommitReader = (ids: string[]) => Promise<ReadonlyMap<string, string | undefined>>;

/**
 * What pushEvents peels for these updates (their before and after, the default branch's tip), read
 * by `read` ahead: the server's clone answers through its long-lived cat-file process, where
 * pushEvents would start a git process. Undefined without a reader.
 */
export async function peelAll(
  read: CommitReader | undefined,
  updates: readonly RefUpdate[],
  refs: RefMap,
  defaultBranch: string,
): Promise<ReadonlyMap<string, string | undefined> | undefined> {
  if (!read || updates.length === 0) return undefined;
  const ids = [...updates.flatMap((u) => [u.before, u.after]), refs[`refs/heads/${defaultBranch}`] ?? ""];
  return read([...new Set(ids)].filter((id) => OBJECT_ID.test(id) && !isZeroSha(id)));
}

/** Whether `before` is not an ancestor of `after` (history was rewritten). */
export function isForced(
  gitDir: string,
  before: string,
  after: string,
  peel: (sha: string) => string | undefined = (sha) => peelCommit(gitDir, sha),
): boolean {
  if (isZeroSha(before) || isZeroSha(after)) return false;
  const b = peel(before);
  const a = peel(after);
  if (!b || !a) return !b && !!a;
  return gitOut(gitDir, ["merge-base", "--is-ancestor", "--end-of-options", b, a]) === undefined;
}

function shortRef(ref: string): { name: string; type: "branch" | "tag" } {
  if (ref.startsWith("refs/tags/")) return { name: ref.slice("refs/tags/".length), type: "tag" };
  return { name: ref.replace(/^refs\/heads\//, ""), type: "branch" };
}

/** The branch whose tip a pushed tag's commit is (GitHub's push `base_ref`), else null. */
function baseRefOf(
  refsAfter: RefMap,
  commit: string,
  peel: (sha: string) => string | undefined,
): string | null {
  for (const [ref, sha] of Object.entries(refsAfter)) {
    if (ref.startsWith("refs/heads/") && peel(sha) === commit) return ref;
  }
  return null;
}

export interface PushEventsInput {
  gitDir: string;
  repo: RepoIdentity;
  updates: readonly RefUpdate[];
  /** Every branch and tag before the updates (new branches are diffed from their fork point). */
  refsBefore: RefMap;
  /** Who pushed; undefined: the pushed tip's committer. */
  pusher?: Pusher;
  /** Ids whose commits the caller has read already (commitPeeler's `peeled`). */
  peeled?: ReadonlyMap<string, string | undefined>;
  /** Updates whose commits the caller has walked already (readLinearPush), by walkKey. */
  walks?: ReadonlyMap<string, PushWalk>;
}

/** The events GitHub would send for these ref updates (see the top of this file). */
export function pushEvents(input: PushEventsInput): RepoEvent[] {
  const { gitDir, repo, refsBefore } = input;
  const tags = input.updates.filter((u) => u.ref.startsWith("refs/tags/"));
  const branches = input.updates.filter((u) => u.ref.startsWith("refs/heads/"));
  const kept = [...(branches.length > MAX_BRANCHES ? [] : branches), ...(tags.length > MAX_TAGS ? [] : tags)];
  const refsAfter: RefMap = { ...refsBefore };
  for (const u of input.updates) {
    if (isZeroSha(u.after)) delete refsAfter[u.ref];
    else refsAfter[u.ref] = u.after;
  }
  const defaultRef = `refs/heads/${repo.defaultBranch}`;
  // Every id the events peel, in one git process (the branches' too when a tag may need its base_ref).
  const peel = commitPeeler(
    gitDir,
    [
      ...kept.flatMap((u) => [u.before, u.after]),
      refsAfter[defaultRef] ?? "",
      ...(kept.some((u) => u.ref.startsWith("refs/tags/"))
        ? Object.entries(refsAfter)
            .filter(([ref]) => ref.startsWith("refs/heads/"))
            .map(([, sha]) => sha)
        : []),
    ],
    input.peeled,
  );
  const defaultSha = () => peel(refsAfter[defaultRef] ?? "") ?? ZERO_SHA;
  const repository = repositoryPayload(repo);
  const events: RepoEvent[] = [];
  for (const u of kept) {
    const created = isZeroSha(u.before);
    const deleted = isZeroSha(u.after);
    const commit = peel(u.after);
    if (!deleted && !commit) continue; // not fetched: nothing to read workflows from
    const existing = Object.entries(refsBefore)
      .filter(([ref]) => ref !== u.ref)
      .map(([, sha]) => sha);
    const { name: short, type } = shortRef(u.ref);

    // A push onto a commit the clone has: its commits, read, and `forced`, in one git process.
    const beforeCommit = created || deleted ? undefined : peel(u.before);
    const walk =
      beforeCommit && commit
        ? (input.walks?.get(walkKey(u)) ?? walkPush(gitDir, u, { before: beforeCommit, after: commit }))
        : undefined;
    const pushedShas = deleted
      ? []
      : walk
        ? walk.shas
        : created || !beforeCommit
          ? pushedCommits(gitDir, u.after, existing)
          : lines(
              gitOut(gitDir, [
                "rev-list",
                "--topo-order",
                `--max-count=${MAX_PAYLOAD_COMMITS}`,
                "--end-of-options",
                u.after,
                `^${u.before}`,
              ]),
            );
    const listed = pushedShas.slice(0, MAX_PAYLOAD_COMMITS).reverse();
    // A commit is distinct when no other ref held it before this push: all of them when no other
    // ref pointed anywhere but at `before` (which the list excludes already).
    const distinct = new Set(
      created || existing.every((sha) => sha === u.before || isZeroSha(sha))
        ? listed
        : lines(
            gitOut(
              gitDir,
              ["rev-list", "--stdin", "--ignore-missing"],
              `${[...listed, ...[u.before, ...existing].map((s) => `^${s}`)].join("\n")}\n`,
            ),
          ),
    );
    // The pushed commits and the head commit in one git process (the head is among them but for a
    // push that brought no new commit, e.g. a branch made at an existing commit); the walk read them.
    const wanted = commit && !listed.includes(commit) ? [...listed, commit] : listed;
    const walked = walk?.commits;
    const read =
      walked && wanted.every((id) => walked.has(id))
        ? wanted.map((id) => walked.get(id) as CommitInfo)
        : readCommits(gitDir, wanted);
    const commits = read
      .filter((c) => c.id !== commit || listed.includes(commit))
      .map((c) => commitPayload(c, repo, distinct.has(c.id)));
    const head = commit ? read.find((c) => c.id === commit) : undefined;
    const pusher = input.pusher ?? {
      name: head?.committer.name ?? "unknown",
      email: head?.committer.email,
    };
    const pusherPayload: Payload = { name: pusher.name };
    if (pusher.email) pusherPayload.email = pusher.email;
    const sender: Payload = { login: pusher.name };
    const payload: Payload = {
      ref: u.ref,
      before: u.before,
      after: u.after,
      created,
      deleted,
      forced: walk?.forced ?? isForced(gitDir, u.before, u.after, peel),
      base_ref: type === "tag" && commit ? baseRefOf(refsAfter, commit, peel) : null,
      compare: repo.htmlUrl
        ? `${repo.htmlUrl}/compare/${u.before.slice(0, 12)}...${u.after.slice(0, 12)}`
        : "",
      commits,
      head_commit: head ? commitPayload(head, repo, true) : null,
      pusher: pusherPayload,
      repository,
      sender,
    };
    events.push({
      name: "push",
      payload,
      ref: u.ref,
      filterRef: u.ref,
      // A deleted branch's push has no commit: GitHub reverts the sha to the default branch's.
      sha: commit ?? defaultSha(),
      headRef: "",
      baseRef: "",
      changedFiles: () =>
        pushChangedFiles(gitDir, {
          before: u.before,
          after: u.after,
          existing,
          ...(walk ? { beforeCommit, commits: walk.shas.length } : {}),
        }),
    });
    if (created || deleted) {
      const payload: Payload = {
        ref: short,
        ref_type: type,
        pusher_type: "user",
        repository,
        sender,
      };
      if (created) {
        payload.master_branch = repo.defaultBranch;
        payload.description = null;
      }
      events.push({
        name: created ? "create" : "delete",
        payload,
        // create runs at the created ref; delete at the default branch.
        ref: created ? u.ref : defaultRef,
        filterRef: created ? u.ref : defaultRef,
        sha: commit ?? defaultSha(),
        headRef: "",
        baseRef: "",
        changedFiles: () => [],
      });
    }
  }
  return events;
}

/**
 * Whether GitHub starts workflows for this event: a push that deleted its branch or tag does not
 * (it has no commit to read workflows from; `delete` workflows see it instead).
 */
export function startsWorkflows(event: RepoEvent): boolean {
  return !(event.name === "push" && event.payload.deleted === true);
}
