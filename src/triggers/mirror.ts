import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { gitAsync, gitOut } from "./git.js";

/** Git must never stop to ask for a password or a host key on the server. */
const QUIET_ENV = { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "true", SSH_ASKPASS: "true" };

/** Whether dir holds a bare repository. */
export function isBareRepository(dir: string): boolean {
  return gitOut(dir, ["rev-parse", "--is-bare-repository"]) === "true";
}

/**
 * The server's own clone of a repository: a bare mirror (every ref of the remote, updated with
 * forced updates and deletions on each fetch). Created on first use. The URL comes after `--`:
 * git never takes it for an option.
 */
export async function ensureMirror(gitDir: string, url: string): Promise<void> {
  if (existsSync(gitDir) && isBareRepository(gitDir)) return;
  mkdirSync(dirname(gitDir), { recursive: true });
  await gitAsync(dirname(gitDir), ["clone", "--mirror", "--quiet", "--", url, gitDir], QUIET_ENV);
}

/** Brings the mirror up to date with its remote (the remote's deletions and forced updates too). */
export async function fetchMirror(gitDir: string, url: string): Promise<void> {
  await ensureMirror(gitDir, url);
  await gitAsync(
    gitDir,
    ["fetch", "--prune", "--quiet", "--", url, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
    QUIET_ENV,
  );
}

/** The remote's default branch as the mirror recorded it (HEAD), else undefined. */
export function mirrorDefaultBranch(gitDir: string): string | undefined {
  const head = gitOut(gitDir, ["symbolic-ref", "-q", "HEAD"]);
  return head?.startsWith("refs/heads/") ? head.slice("refs/heads/".length) : undefined;
}
