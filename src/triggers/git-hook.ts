// What a post-receive hook installed by `gantry hook install` sends (POST /hooks/git) and how the
// server turns it into events: the pushed "old new ref" lines are taken as the push's before and
// after; the mirror is fetched first so their commits are there. Updates the server has already seen
// (a poll got there first) are skipped, and anything else that changed since the last look (a
// notification lost while the server was down) is caught up, so each update makes its events once.
import { z } from "zod";
import { PayloadError } from "./errors.js";
import { ZERO_SHA } from "./git.js";
import { fetchMirror } from "./mirror.js";
import type { PollResult } from "./poller.js";
import { type Pusher, pushEvents } from "./push-events.js";
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

const notificationSchema = z.object({
  repository: z.object({
    /** The bare repository's absolute path on the machine that received the push. */
    path: z.string().min(1),
    /** owner/name, when the hook was installed with --name. */
    full_name: z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+$/, "must be owner/name")
      .optional(),
  }),
  /** post-receive's stdin: "old new ref" per line. */
  updates: z.string(),
  /** The user who pushed, as the hook saw it. */
  pusher: z.object({ name: z.string().min(1), email: z.string().optional() }).optional(),
});

export interface HookNotification {
  repository: { path: string; full_name?: string };
  updates: RefUpdate[];
  pusher?: Pusher;
}

/** Reads a hook's notification body; throws PayloadError with the reason when it is malformed. */
export function parseHookNotification(body: unknown): HookNotification {
  const parsed = notificationSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PayloadError(`invalid hook notification: ${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  const updates = parseRefUpdates(parsed.data.updates);
  if (updates.length === 0) throw new PayloadError("invalid hook notification: no ref updates");
  return { repository: parsed.data.repository, updates, pusher: parsed.data.pusher };
}

export interface HookEventsInput {
  gitDir: string;
  url: string;
  repo: RepoIdentity;
  /** The refs the server last saw (undefined: never looked before). */
  seen: RefMap | undefined;
  notification: HookNotification;
  /** Brings the mirror up to date (default: fetchMirror). */
  fetch?: () => Promise<void>;
}

/** The events of a hook's notification (see the top of this file); `refs` is what to record as seen. */
export async function hookEvents(input: HookEventsInput): Promise<PollResult> {
  await (input.fetch ? input.fetch() : fetchMirror(input.gitDir, input.url));
  const refs = readRefs(input.gitDir);
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
  const events = pushEvents({
    gitDir: input.gitDir,
    repo: input.repo,
    updates: fresh,
    refsBefore: seen,
    pusher: input.notification.pusher,
  });
  const afterPush = applyUpdates(seen, fresh);
  const missed = diffRefs(afterPush, refs);
  events.push(
    ...pushEvents({ gitDir: input.gitDir, repo: input.repo, updates: missed, refsBefore: afterPush }),
  );
  return { events, refs };
}
