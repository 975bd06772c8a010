import { parseArgsMessage } from "./usage.js";

/** Marks a promise as handled: a command that fails before it awaits the promise does not crash on it. */
export function early<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * The exit code of a command that threw `err`: 2, with the message on stderr, for bad usage, an
 * invalid workflow (each problem as file:line:col) or a folder that is not a usable git checkout.
 * Anything else is rethrown.
 */
export async function commandErrorCode(err: unknown, command: string): Promise<number> {
  const badArgs = parseArgsMessage(err, command);
  if (badArgs) {
    process.stderr.write(`${badArgs}\n`);
    return 2;
  }
  // Loaded here, not at the start: `gantry --version` does not load the workflow parser.
  const { formatProblem, UsageError } = await import("../workflow/index.js");
  if (err instanceof UsageError) {
    for (const p of err.problems ?? []) process.stderr.write(`${formatProblem(p)}\n`);
    process.stderr.write(`gantry: ${err.message}\n`);
    return 2;
  }
  if (err instanceof Error && /not inside a git repository|has no commits yet/.test(err.message)) {
    process.stderr.write(`gantry: ${err.message}\n`);
    return 2;
  }
  throw err;
}

/** The process's exit code from a command's outcome; an error that got this far is an internal one. */
export function settle(outcome: Promise<number>): void {
  outcome.then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(
        `gantry: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
