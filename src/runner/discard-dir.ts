import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, renameSync } from "node:fs";
import { basename, join } from "node:path";
import { spawnProcess } from "../spawner/index.js";

/**
 * Takes `dir` out of the way at once: a rename into `trash` (one system call, whatever it holds).
 * removeTrash() deletes it later. Nothing happens to a folder that is not there. Whether there was
 * one to take.
 */
export function discardDir(dir: string, trash: string): boolean {
  mkdirSync(trash, { recursive: true });
  const doomed = join(trash, `${basename(dir)}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    renameSync(dir, doomed);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    return false;
  }
}

/**
 * Deletes everything in `trash` (what discardDir put there, and what an earlier process left when
 * it was killed before its removal ended) in a process of its own that outlives this one: tens of
 * thousands of files go without holding up this process's event loop, its output or its exit.
 */
export function removeTrash(trash: string, start: typeof spawnProcess = spawnProcess): void {
  let names: string[];
  try {
    names = readdirSync(trash);
  } catch {
    return;
  }
  if (names.length === 0) return;
  const child = start("rm", ["-rf", "--", ...names.map((n) => join(trash, n))], {
    detached: true,
    stdio: "ignore",
  });
  child.on("error", () => undefined); // no rm: the next start tries again
  child.unref();
}

/** How long removeTrashSoon waits for the server to be quiet (no run ended meanwhile). */
const QUIET_MS = 500;
/** The longest removeTrashSoon puts a removal off while runs keep ending. */
const LATEST_MS = 5000;
/** Removals put off, by trash folder: the timer, and when the first of them was asked for. */
const pending = new Map<string, { timer: NodeJS.Timeout; since: number }>();

/**
 * removeTrash, once the server has been quiet for a moment (no run ended for QUIET_MS; at most
 * LATEST_MS after it was first asked): what runs ending one after another discarded goes in one
 * `rm`, which then starts while no event is on its way to its first step (an `rm` started as a run
 * ended took the spawn helper and a core while the next event's step started: 9-10 ms of its p50).
 * A removal still pending when this process exits starts as it exits.
 */
export function removeTrashSoon(trash: string): void {
  const now = Date.now();
  const since = pending.get(trash)?.since ?? now;
  clearTimeout(pending.get(trash)?.timer);
  const timer = setTimeout(
    () => {
      pending.delete(trash);
      removeTrash(trash);
    },
    Math.max(0, Math.min(QUIET_MS, since + LATEST_MS - now)),
  );
  timer.unref();
  pending.set(trash, { timer, since });
  if (!flushing) {
    flushing = true;
    // This process ending first (a server stopped): the removal starts now, and outlives it, as a
    // removal always did (started by this process itself: its spawn helper ends with it).
    process.once("exit", () => {
      for (const dir of pending.keys())
        removeTrash(dir, (command, args, options) => spawn(command, args, options ?? {}));
    });
  }
}

/** Whether removeTrashSoon's removals are made as this process exits. */
let flushing = false;
