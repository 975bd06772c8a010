import { execFile } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RunnerClient } from "./client.js";

/** Git work on one mirror runs one piece at a time (several slots may fetch the same repository). */
const locks = new Map<string, Promise<unknown>>();

function locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const next = (locks.get(key) ?? Promise.resolve()).then(fn);
  locks.set(
    key,
    next.catch(() => undefined),
  );
  return next;
}

function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0", ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args[0]}: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * The job's commit, checked out in a worktree at `dir`: fetched from the server (the protocol's
 * git route, authenticated with the runner's credential in git's environment, never on a command
 * line) into the runner's mirror of the repository, which later jobs fetch into again.
 */
export async function checkOutJobSource(
  client: RunnerClient,
  workDir: string,
  job: { id: number; repository: { owner: string; name: string }; sha: string },
  dir: string,
): Promise<void> {
  const mirror = join(workDir, "repos", job.repository.owner, `${job.repository.name}.git`);
  await locked(mirror, async () => {
    if (!existsSync(join(mirror, "HEAD"))) {
      mkdirSync(mirror, { recursive: true });
      await git(mirror, ["init", "--bare", "--quiet"]);
    }
    if (existsSync(dir)) {
      await git(mirror, ["worktree", "remove", "--force", "--", dir]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
    const add = () => git(mirror, ["worktree", "add", "--quiet", "--detach", "--force", "--", dir, job.sha]);
    // Usually the mirror has the commit (an earlier job of the run fetched it): one git process.
    if (
      await add().then(
        () => true,
        () => false,
      )
    )
      return;
    // The header reaches git through its environment: GIT_CONFIG_COUNT/KEY/VALUE.
    const auth = {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: ${client.authorization}`,
    };
    const url = client.url(`_runner/jobs/${job.id}/git`);
    await git(mirror, ["fetch", "--quiet", "--no-tags", "--", url, job.sha], auth);
    rmSync(dir, { recursive: true, force: true });
    await add();
  });
}

/** Removes the job's worktree from the mirror. */
export async function removeJobSource(
  workDir: string,
  repository: { owner: string; name: string },
  dir: string,
) {
  const mirror = join(workDir, "repos", repository.owner, `${repository.name}.git`);
  await locked(mirror, async () => {
    await git(mirror, ["worktree", "remove", "--force", "--", dir]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
}
