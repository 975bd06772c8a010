import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
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

/**
 * Commits this process saw in a mirror (fetched or looked at), with when: a later job of the same
 * commit starts without a git process. Looked at again after a while, so that what the mirror's
 * git may have removed since is never taken for present (its gc keeps nothing from being pruned,
 * below, but the mirror is a folder on disk that a person may clean).
 */
const present = new Map<string, number>();
const PRESENT_MS = 10 * 60_000;
/** Mirrors whose settings this process made sure of. */
const prepared = new Set<string>();

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
 * The job's source: the runner's mirror of its repository (a bare repository under
 * WORK/repos/OWNER/NAME.git) holding the job's commit, fetched from the server (the protocol's git
 * route, authenticated with the runner's credential in git's environment, never on a command line)
 * when the mirror lacks it. actions/checkout fetches the commit from there into the workspace: no
 * job needs a working tree of its own beside it, so a commit the mirror has costs no git process.
 */
export async function jobSource(
  client: RunnerClient,
  workDir: string,
  job: { id: number; repository: { owner: string; name: string }; sha: string },
): Promise<string> {
  const mirror = join(workDir, "repos", job.repository.owner, `${job.repository.name}.git`);
  const key = `${mirror}\0${job.sha}`;
  const seen = present.get(key);
  if (seen !== undefined && Date.now() - seen < PRESENT_MS && existsSync(join(mirror, "HEAD"))) return mirror;
  await locked(mirror, async () => {
    if (!existsSync(join(mirror, "HEAD"))) {
      mkdirSync(mirror, { recursive: true });
      await git(mirror, ["init", "--bare", "--quiet"]);
      prepared.delete(mirror);
    }
    if (!prepared.has(mirror)) {
      // A commit is fetched by its sha, with no ref naming it: git's gc must never prune it as
      // unreachable while a job fetches it from here (a job's worktree named it before).
      await git(mirror, ["config", "gc.pruneExpire", "never"]);
      prepared.add(mirror);
    }
    const has = await git(mirror, ["cat-file", "-e", `${job.sha}^{commit}`]).then(
      () => true,
      () => false,
    );
    if (!has) {
      // The header reaches git through its environment: GIT_CONFIG_COUNT/KEY/VALUE.
      const auth = {
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.extraHeader",
        GIT_CONFIG_VALUE_0: `Authorization: ${client.authorization}`,
      };
      const url = client.url(`_runner/jobs/${job.id}/git`);
      await git(mirror, ["fetch", "--quiet", "--no-tags", "--", url, job.sha], auth);
    }
  });
  present.set(key, Date.now());
  return mirror;
}
