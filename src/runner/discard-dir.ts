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
export function removeTrash(trash: string): void {
  let names: string[];
  try {
    names = readdirSync(trash);
  } catch {
    return;
  }
  if (names.length === 0) return;
  const child = spawnProcess("rm", ["-rf", "--", ...names.map((n) => join(trash, n))], {
    detached: true,
    stdio: "ignore",
  });
  child.on("error", () => undefined); // no rm: the next start tries again
  child.unref();
}
