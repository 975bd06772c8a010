import { execFile, execFileSync } from "node:child_process";

/** A commit id that stands for "no commit": a created ref's old value, a deleted ref's new one. */
export const ZERO_SHA = "0000000000000000000000000000000000000000";

/** True for the all-zero id git uses for a missing side of a ref update (SHA-1 or SHA-256 length). */
export function isZeroSha(sha: string): boolean {
  return /^0+$/.test(sha);
}

/** Runs git; undefined when git fails (no repository, unknown commit, …). */
export function gitOut(cwd: string, args: string[], input?: string): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      input,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "ignore"],
      maxBuffer: 256 * 1024 * 1024,
    }).trim();
  } catch {
    return undefined;
  }
}

/** Runs git without blocking the event loop (fetches, clones); rejects with git's own message. */
export function gitAsync(cwd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args[0]} failed: ${stderr.trim() || err.message}`));
        else resolve(stdout.trim());
      },
    );
  });
}

/** The non-empty lines of git's output. */
export function lines(text: string | undefined): string[] {
  return (text ?? "").split("\n").filter((l) => l !== "");
}

/** The paths of git's `-z` output (names as they are: no quoting of unusual characters). */
export function paths(text: string | undefined): string[] {
  return (text ?? "").split("\0").filter((p) => p !== "");
}

/**
 * Whether the object exists in the repository (a commit a forge named may not be fetched yet). A
 * sha from a payload comes after `--end-of-options`, as every revision git is given from outside.
 */
export function hasCommit(gitDir: string, sha: string): boolean {
  return gitOut(gitDir, ["cat-file", "-e", "--end-of-options", `${sha}^{commit}`]) !== undefined;
}

/** Files changed between two commits (two-dot for a push, three-dot from the merge base for a PR). */
export function changedBetween(
  root: string,
  from: string,
  to: string,
  threeDot = false,
): string[] | undefined {
  const range = threeDot ? `${from}...${to}` : `${from}..${to}`;
  const out = gitOut(root, ["diff", "--name-only", "--no-renames", "-z", "--end-of-options", range]);
  return out === undefined ? undefined : paths(out);
}
