import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { COMMIT_FORMAT, gitBatch, readLocalRepo, readLocalRepoAsync } from "./read-checkout.js";

const tmp = realpathSync(mkdtempSync(join(tmpdir(), "gantry-read-checkout-")));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();

function repo(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, "sub"), { recursive: true });
  git(dir, "init", "-q", "-b", "trunk");
  git(dir, "config", "user.name", "Ada Lovelace");
  git(dir, "config", "user.email", "ada@example.com");
  writeFileSync(join(dir, "sub", "a.txt"), "a\n");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "first\n\nwith a body");
  return dir;
}

/** Both readers agree, and the async one also has HEAD's commit as `git log -1` gives it. */
async function bothRead(cwd: string) {
  const sync = readLocalRepo(cwd);
  const { headCommit, ...rest } = await readLocalRepoAsync(cwd);
  expect(rest).toEqual(sync);
  expect(headCommit).toBe(git(cwd, "log", "-1", `--format=${COMMIT_FORMAT}`, "HEAD"));
  return sync;
}

describe("reading the checkout gantry run starts in", () => {
  it("reads the top folder, HEAD, branch, origin's name, default branch and user, from a subfolder too", async () => {
    const dir = repo("plain");
    git(dir, "remote", "add", "origin", "https://example.com/octo/widgets.git");
    git(dir, "update-ref", "refs/remotes/origin/release", "HEAD");
    git(dir, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/release");
    const r = await bothRead(join(dir, "sub"));
    expect(r).toMatchObject({
      root: dir,
      owner: "octo",
      name: "widgets",
      sha: git(dir, "rev-parse", "HEAD"),
      branch: "trunk",
      ref: "refs/heads/trunk",
      defaultBranch: "release",
      actor: "Ada Lovelace",
      actorEmail: "ada@example.com",
    });
  });

  it("on a detached HEAD, stands for the tag at HEAD; main is the default branch without origin", async () => {
    const dir = repo("detached");
    git(dir, "branch", "main");
    git(dir, "commit", "-q", "--allow-empty", "-m", "second");
    git(dir, "tag", "v1.0");
    git(dir, "commit", "-q", "--allow-empty", "-m", "third");
    git(dir, "checkout", "-q", "--detach", "v1.0");
    const r = await bothRead(dir);
    expect(r).toMatchObject({
      branch: undefined,
      ref: "refs/tags/v1.0",
      defaultBranch: "main",
      owner: "local",
    });
  });

  it("reads a linked worktree and packed refs", async () => {
    const dir = repo("main-tree");
    git(dir, "branch", "master");
    git(dir, "pack-refs", "--all");
    const linked = join(tmp, "linked");
    git(dir, "worktree", "add", "-q", "-b", "feature", linked);
    const r = await bothRead(linked);
    expect(r).toMatchObject({
      root: linked,
      branch: "feature",
      ref: "refs/heads/feature",
      defaultBranch: "master",
    });
  });

  it("runs several git commands in one shell, each answer on its own, a failed one undefined", async () => {
    const dir = repo("batch");
    const message = 'it\'s "quoted" $HOME `x`\n\n0\ngantry-1 0\n';
    git(dir, "commit", "-q", "--allow-empty", "-m", message);
    const answers = await gitBatch(dir, [
      ["rev-parse", "HEAD"],
      ["rev-parse", "--verify", "-q", "no-such-ref"],
      ["log", "-1", "--format=%B"],
      ["config", "--get", "user.name"],
    ]);
    expect(answers).toEqual([
      git(dir, "rev-parse", "HEAD"),
      undefined,
      git(dir, "log", "-1", "--format=%B"),
      "Ada Lovelace",
    ]);
    expect(answers[2]).toContain('it\'s "quoted" $HOME `x`');
  });

  it("asks for the refs at HEAD only on a detached HEAD (one git process fewer on a branch)", async () => {
    const dir = repo("if-detached");
    const ask = () =>
      gitBatch(
        dir,
        [
          ["rev-parse", "--show-toplevel", "--symbolic-full-name", "HEAD"],
          ["rev-parse", "HEAD"],
          ["rev-parse", "--short", "HEAD"],
        ],
        new Set([2]),
      );
    const sha = git(dir, "rev-parse", "HEAD");
    expect(await ask()).toEqual([`${dir}\nrefs/heads/trunk`, sha, undefined]);
    git(dir, "checkout", "-q", "--detach");
    expect(await ask()).toEqual([`${dir}\nHEAD`, sha, git(dir, "rev-parse", "--short", "HEAD")]);
    // A branch whose name ends in HEAD is not a detached HEAD.
    git(dir, "checkout", "-q", "-b", "not/HEAD");
    expect((await ask())[2]).toBeUndefined();
  });

  it("says when there is no repository, or no commit yet", async () => {
    const none = join(tmp, "none");
    mkdirSync(none);
    await expect(readLocalRepoAsync(none)).rejects.toThrow(/is not inside a git repository/);
    const empty = join(tmp, "empty");
    mkdirSync(empty);
    git(empty, "init", "-q");
    await expect(readLocalRepoAsync(empty)).rejects.toThrow(/has no commits yet/);
    expect(() => readLocalRepo(empty)).toThrow(/has no commits yet/);
  });
});
