// The port behind `concurrency:` (workflow and job level). The engine asks for a place in a group
// before a run or job starts and gives it back when it ends; the implementation decides, as GitHub
// documents, who runs, who waits and who is cancelled. `gantry run` keeps groups in memory
// (MemoryConcurrencyGroups); the server keeps them in its store, across runs and restarts.

export type ConcurrencyQueue = "single" | "max";

/** How many requests may wait in one group with `queue: max` (GitHub's limit). */
export const MAX_PENDING = 100;

/** A `concurrency:` setting once its expressions are evaluated. */
export interface ConcurrencySetting {
  /** The group as written (messages show it so); groups compare case-insensitively. */
  group: string;
  cancelInProgress: boolean;
  queue: ConcurrencyQueue;
}

export interface ConcurrencyRequest extends ConcurrencySetting {
  /** Who asks: a run id, or a run id and a job key. Unique among the requests in flight. */
  holder: string;
  /** Who asks, as a person reads it (`Deploy #4, run 17`): the holders it supersedes are told. */
  label?: string;
  /** Called once when the request has to wait (the group is held): the holder is now pending. */
  onWaiting?: () => void;
}

/** The place a request holds while it runs. */
export interface ConcurrencySlot {
  /**
   * Calls `fn` once, with GitHub's message, when a newer request with cancel-in-progress
   * supersedes this holder (at once if it already has).
   */
  onSuperseded(fn: (message: string) => void): void;
  /** Frees the group for the next pending request. Calling it again does nothing. */
  release(): Promise<void>;
}

export type Admission =
  | { granted: true; slot: ConcurrencySlot }
  /** Cancelled while pending; `message` says why, in GitHub's words where GitHub has some. */
  | { granted: false; message: string };

export interface ConcurrencyGroups {
  /**
   * Enters the request's group. Settles with a slot when the holder may run, or with a message
   * when it is cancelled while pending: a newer request took its place, the queue was full, or
   * `signal` aborted (the holder's run was cancelled). Requests enter in the order `acquire` is
   * called: an implementation records the request before it first awaits anything.
   */
  acquire(request: ConcurrencyRequest, signal?: AbortSignal): Promise<Admission>;
}

/** The key a group is compared by: names are case-insensitive. */
export function groupKey(group: string): string {
  return group.toLowerCase();
}

/**
 * GitHub's message for a holder a newer request displaced, running (cancel-in-progress) or
 * pending; `by` (the newer request's label) names the one that displaced it.
 */
export function supersededMessage(group: string, by?: string): string {
  return `Canceling since a higher priority waiting request for '${group}' exists${by ? `: ${by}` : ""}`;
}

/** For a request that finds `MAX_PENDING` already waiting with `queue: max` (gantry's wording). */
export function queueFullMessage(group: string): string {
  return `Canceling since the queue of concurrency group '${group}' is full (${MAX_PENDING} pending)`;
}

/**
 * GitHub's message for a job (or a called workflow) whose group is its own run's workflow-level
 * group: the job would wait for its own run. GitHub fails the job with it.
 */
export function deadlockMessage(group: string, job: string): string {
  return `Canceling since a deadlock was detected for concurrency group: '${group}' between a top level workflow and '${job}'`;
}

/** For a pending request whose own run was cancelled. */
export function abandonedMessage(group: string): string {
  return `The run was cancelled while waiting for concurrency group '${group}'`;
}
