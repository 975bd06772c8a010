// What a post-receive hook installed by `gantry hook install` sends (POST /hooks/git) and how the
// server turns it into events: the pushed "old new ref" lines are taken as the push's before and
// after; the mirror is fetched first so their commits are there. Updates the server has already seen
// (a poll got there first) are skipped, and anything else that changed since the last look (a
// notification lost while the server was down) is caught up, so each update makes its events once.
import { PayloadError } from "./errors.js";
import { ZERO_SHA } from "./git.js";
import { fetchMirror } from "./mirror.js";
import type { PollResult } from "./poller.js";
import {
  type CommitContentReader,
  type CommitReader,
  type Pusher,
  type PushWalk,
  peelAll,
  pushEvents,
  readLinearPush,
  walkKey,
} from "./push-events.js";
import {
  applyUpdates,
  diffRefs,
  isWatchedRef,
  parseRefUpdates,
  type RefMap,
  type RefUpdate,
  readRefs,
} from "./ref-updates.js";
import type { RepoIdentity } from "./repository.js";

export interface HookNotification {
  repository: { path: string; full_name?: string };
  updates: RefUpdate[];
  pusher?: Pusher;
}

const FULL_NAME = /^[^/\s]+\/[^/\s]+$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads a hook's notification body; throws PayloadError with the reason when it is malformed.
 * Checked by hand rather than with zod: src/triggers is also what `gantry run` loads for its git
 * helpers, and a zod schema here would bring zod (800 KB of bundle) into every start.
 */
export function parseHookNotification(body: unknown): HookNotification {
  const bad = (path: string, message: string) =>
    new PayloadError(`invalid hook notification: ${path}: ${message}`);
  if (!isObject(body)) throw bad("body", "expected an object");
  const repo = body.repository;
  if (!isObject(repo)) throw bad("repository", "expected an object");
  if (typeof repo.path !== "string" || repo.path === "")
    throw bad("repository.path", "expected a non-empty string");
  if (repo.full_name !== undefined && (typeof repo.full_name !== "string" || !FULL_NAME.test(repo.full_name)))
    throw bad("repository.full_name", "must be owner/name");
  if (typeof body.updates !== "string") throw bad("updates", "expected a string");
  let pusher: Pusher | undefined;
  if (body.pusher !== undefined) {
    const p = body.pusher;
    if (!isObject(p)) throw bad("pusher", "expected an object");
    if (typeof p.name !== "string" || p.name === "") throw bad("pusher.name", "expected a non-empty string");
    if (p.email !== undefined && typeof p.email !== "string") throw bad("pusher.email", "expected a string");
    pusher = p.email === undefined ? { name: p.name } : { name: p.name, email: p.email };
  }
  const updates = parseRefUpdates(body.updates);
  if (updates.length === 0) throw new PayloadError("invalid hook notification: no ref updates");
  const repository: HookNotification["repository"] =
    repo.full_name === undefined ? { path: repo.path } : { path: repo.path, full_name: repo.full_name };
  return pusher ? { repository, updates, pusher } : { repository, updates };
}

export interface HookEventsInput {
  gitDir: string;
  url: string;
  repo: RepoIdentity;
  /** The refs the server last saw (undefined: never looked before). */
  seen: RefMap | undefined;
  notification: HookNotification;
  /**
   * Brings the mirror up to date (default: fetchMirror); resolves with its branches and tags when it
   * knows them (a push copied in: as they are once it is in), else they are read from the mirror.
   */
  fetch?: () => Promise<RefMap | undefined | void>;
  /** The commits of these ids as the clone has them (default: pushEvents asks git). */
  peel?: CommitReader;
  /** A commit's raw content as the clone has it: a push's commits read without git (readLinearPush). */
  readCommit?: CommitContentReader;
}

/** The events of a hook's notification (see the top of this file); `refs` is what to record as seen. */
export async function hookEvents(input: HookEventsInput): Promise<PollResult> {
  const known = await (input.fetch ? input.fetch() : fetchMirror(input.gitDir, input.url));
  const refs = known ?? readRefs(input.gitDir);
  const pushed = input.notification.updates.filter((u) => isWatchedRef(u.ref));
  // Never looked before: the refs before this push are today's with the push undone.
  const seen =
    input.seen ??
    applyUpdates(
      refs,
      pushed.map((u) => ({ ref: u.ref, before: u.after, after: u.before })),
    );
  // Skip what the server has already seen: a ref at its new value, or a deletion of a ref it never had.
  const fresh = pushed.filter((u) => (seen[u.ref] ?? ZERO_SHA) !== u.after);
  const afterPush = applyUpdates(seen, fresh);
  const missed = diffRefs(afterPush, refs);
  const peeled = await peelAll(input.peel, [...fresh, ...missed], refs, input.repo.defaultBranch);
  // A push's commits (a branch moved forward by commits of one parent each): read ahead, as the ids.
  const walks = new Map<string, PushWalk>();
  const readCommit = input.readCommit;
  if (readCommit && peeled) {
    for (const u of fresh) {
      const before = peeled.get(u.before);
      const after = peeled.get(u.after);
      if (!before || !after || walks.has(walkKey(u))) continue;
      const walk = await readLinearPush(readCommit, { before, after });
      if (walk) walks.set(walkKey(u), walk);
    }
  }
  const events = pushEvents({
    gitDir: input.gitDir,
    repo: input.repo,
    updates: fresh,
    refsBefore: seen,
    pusher: input.notification.pusher,
    peeled,
    walks,
  });
  events.push(
    ...pushEvents({
      gitDir: input.gitDir,
      repo: input.repo,
      updates: missed,
      refsBefore: afterPush,
      peeled,
    }),
  );
  return { events, refs };
}
