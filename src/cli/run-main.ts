// `gantry run` alone: the entry of dist/gantry-run.cjs, the CommonJS bundle that bin/gantry.js
// compiles with V8's code cache (see code-cache.ts). As main.ts's `run`: git starts reading the
// checkout before the run's code (a lazy part of the bundle) is initialised.
import { commandErrorCode, early, settle } from "./command-outcome.js";
import { readLocalRepoAsync } from "./read-checkout.js";

let worthy = false;

/** Whether this start ran workflows (code-cache.ts writes the code cache after such a start only). */
export function codeCacheWorthy(): boolean {
  return worthy;
}

async function runMain(argv: string[]): Promise<number> {
  try {
    const repo = early(readLocalRepoAsync(process.cwd()));
    const code = await (await import("./run.js")).runCommand(argv, repo);
    worthy = !argv.includes("--help") && !argv.includes("-h");
    return code;
  } catch (err) {
    return await commandErrorCode(err, "run");
  }
}

settle(runMain(process.argv.slice(3)));
