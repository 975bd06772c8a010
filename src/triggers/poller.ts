import { fetchMirror } from "./mirror.js";
import { type CommitReader, peelAll, pushEvents } from "./push-events.js";
import { diffRefs, type RefMap, readRefs } from "./ref-updates.js";
import type { RepoEvent } from "./repo-event.js";
import type { RepoIdentity } from "./repository.js";

export interface PollInput {
  /** The server's bare mirror of the repository (cloned on the first poll). */
  gitDir: string;
  /** Where the repository lives: a path or any git URL the server can reach. */
  url: string;
  repo: RepoIdentity;
  /** The branches and tags the last poll saw; undefined on the very first poll. */
  seen: RefMap | undefined;
  /** Brings the mirror up to date (default: fetchMirror; the server passes its own, locked one). */
  fetch?: () => Promise<void>;
  /** The commits of these ids as the clone has them (default: pushEvents asks git). */
  peel?: CommitReader;
}

export interface PollResult {
  events: RepoEvent[];
  /** What to record as seen for the next poll. */
  refs: RefMap;
}

/**
 * Fetches the mirror and turns every branch and tag that changed since the last poll into the
 * events GitHub would have sent for it. The first poll only records what is there: a repository
 * registered with fifty branches does not start fifty runs.
 */
export async function pollRepository(input: PollInput): Promise<PollResult> {
  await (input.fetch ? input.fetch() : fetchMirror(input.gitDir, input.url));
  const refs = readRefs(input.gitDir);
  if (input.seen === undefined) return { events: [], refs };
  const updates = diffRefs(input.seen, refs);
  const peeled = await peelAll(input.peel, updates, refs, input.repo.defaultBranch);
  const events = pushEvents({
    gitDir: input.gitDir,
    repo: input.repo,
    updates,
    refsBefore: input.seen,
    peeled,
  });
  return { events, refs };
}
