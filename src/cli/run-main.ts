// `gantry run` alone: the entry of dist/gantry-run.cjs, the CommonJS bundle that bin/gantry.js
// compiles with V8's code cache (see code-cache.ts), then starts with runMain. bin/gantry.js has
// git reading the checkout before it even reads this bundle (dist/read-checkout.cjs is
// read-checkout.ts alone): the `sh` is forked from a process still small, and git works while the
// bundle is compiled and its code initialised.
import { commandErrorCode, early, settle } from "./command-outcome.js";
import { type LocalRepo, readLocalRepoAsync } from "./read-checkout.js";

let worthy = false;

/** Whether this start ran workflows (code-cache.ts writes the code cache after such a start only). */
export function codeCacheWorthy(): boolean {
  return worthy;
}

async function run(argv: string[], reading: Promise<LocalRepo> | undefined): Promise<number> {
  try {
    const repo = early(reading ?? readLocalRepoAsync(process.cwd()));
    const code = await (await import("./run.js")).runCommand(argv, repo);
    worthy = !argv.includes("--help") && !argv.includes("-h");
    return code;
  } catch (err) {
    return await commandErrorCode(err, "run");
  }
}

/** Runs `gantry run` with the process's arguments; `reading` is the checkout's read, if started. */
export function runMain(reading?: Promise<LocalRepo>): void {
  settle(run(process.argv.slice(3), reading));
}
