import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { gitAsTester as git } from "../../test/harness.js";
import { ensureMirror } from "../triggers/index.js";
import { CatFileBatch } from "./cat-file-batch.js";
import { RepoClones } from "./repo-clones.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A repository with one commit on `branch` holding file.txt = `text`. */
function source(root: string, name: string, branch: string, text: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  git(dir, "init", "-q", "-b", branch);
  writeFileSync(join(dir, "file.txt"), text);
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", text);
  return dir;
}

describe("RepoClones", () => {
  it("follows a repository whose URL changed, in the same process and after a restart", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-clones-"));
    dirs.push(root);
    const a = source(root, "a", "from-a", "a");
    const b = source(root, "b", "from-b", "b");
    const c = source(root, "c", "from-c", "c");
    const clones = new RepoClones(join(root, "repos"));
    await clones.sync({ owner: "o", name: "r", url: a });
    expect(await clones.resolveRef({ owner: "o", name: "r" }, "from-a")).toBeDefined();
    await clones.sync({ owner: "o", name: "r", url: a });
    await clones.sync({ owner: "o", name: "r", url: b });
    expect(await clones.resolveRef({ owner: "o", name: "r" }, "from-b")).toBeDefined();
    expect(await clones.resolveRef({ owner: "o", name: "r" }, "from-a")).toBeUndefined();
    // A new server process knows nothing of the clone's origin: it sets it again.
    const restarted = new RepoClones(join(root, "repos"));
    await restarted.sync({ owner: "o", name: "r", url: c });
    expect(await restarted.resolveRef({ owner: "o", name: "r" }, "from-c")).toBeDefined();
    expect(git(clones.path({ owner: "o", name: "r" }), "config", "remote.origin.url")).toBe(c);
  });

  it("fetches for a ref only when origin (a repository on this host) has it otherwise than the clone", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-clones-"));
    dirs.push(root);
    const a = source(root, "a", "main", "first");
    const clones = new RepoClones(join(root, "repos"));
    const repo = { owner: "o", name: "r", url: a };
    // No clone yet: made.
    await clones.syncFor(repo, "main");
    expect((await clones.resolveRef(repo, "main"))?.sha).toBe(git(a, "rev-parse", "main"));
    // Origin's main as the clone's: nothing fetched (the new branch is not there yet).
    git(a, "branch", "other");
    await clones.syncFor(repo, "main");
    expect(await clones.resolveRef(repo, "other")).toBeUndefined();
    // Origin's main moved (packed there, loose or not): fetched, and read at once.
    writeFileSync(join(a, "file.txt"), "second");
    git(a, "commit", "-q", "-am", "second");
    git(a, "pack-refs", "--all");
    await clones.syncFor(repo, "main");
    expect((await clones.resolveRef(repo, "main"))?.sha).toBe(git(a, "rev-parse", "main"));
    expect(await clones.readFile(repo, "main", "file.txt")).toBe("second");
    // A tag of the name appearing in origin: fetched (a branch and a tag share the short name).
    git(a, "tag", "v1");
    await clones.syncFor(repo, "v1");
    expect((await clones.resolveRef(repo, "v1"))?.ref).toBe("refs/tags/v1");
    // A commit id the clone has: nothing to fetch; one it lacks: fetched.
    const old = git(a, "rev-parse", "main~1");
    await clones.syncFor(repo, old.slice(0, 12));
    expect((await clones.resolveRef(repo, old.slice(0, 12)))?.sha).toBe(old);
    git(a, "checkout", "-q", "-b", "side");
    writeFileSync(join(a, "file.txt"), "third");
    git(a, "commit", "-q", "-am", "third");
    const third = git(a, "rev-parse", "HEAD");
    await clones.syncFor(repo, third);
    expect((await clones.resolveRef(repo, third))?.sha).toBe(third);
  });

  it("brings a pushed ref in by copying its objects when origin's files vouch for it, else fetches", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-clones-"));
    dirs.push(root);
    const work = source(root, "work", "main", "first");
    const origin = join(root, "origin.git");
    git(root, "clone", "-q", "--bare", work, origin);
    git(work, "remote", "add", "origin", origin);
    const clones = new RepoClones(join(root, "repos"));
    const repo = { owner: "o", name: "r", url: origin };
    await clones.sync(repo);
    const clone = clones.path(repo);
    /** Pushes a commit to origin's main; the update a hook would tell. */
    const pushed = (text: string) => {
      const before = git(work, "rev-parse", "HEAD");
      writeFileSync(join(work, "file.txt"), text);
      git(work, "commit", "-q", "-am", text);
      git(work, "push", "-q", "origin", "main");
      return { ref: "refs/heads/main", before, after: git(work, "rev-parse", "HEAD") };
    };
    /** The clone's branches and tags as git lists them. */
    const cloneRefs = () =>
      Object.fromEntries(
        git(clone, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags")
          .split("\n")
          .map((line) => line.split(" ")),
      );
    /** The refs syncPush said the clone holds once its refs are set (undefined: fetched). */
    let told: Record<string, string> | undefined;
    /** The git commands syncPush runs (GIT_TRACE). */
    const traced = async (updates: { ref: string; before: string; after: string }[]) => {
      const trace = join(root, `trace-${Math.random()}`);
      process.env.GIT_TRACE = trace;
      try {
        told = await clones.syncPush(repo, updates);
      } finally {
        delete process.env.GIT_TRACE;
      }
      // No trace file: no git process at all.
      const text = existsSync(trace) ? readFileSync(trace, "utf8") : "";
      return [...text.matchAll(/trace: built-in: git (\S+)/g)].map((m) => m[1]);
    };
    // Origin's files say what the hook said: the objects copied, main set, no fetch; the refs told
    // are the clone's.
    const second = pushed("second");
    expect(await traced([second])).toEqual([]);
    expect(told).toEqual(cloneRefs());
    expect(told?.["refs/heads/main"]).toBe(second.after);
    expect((await clones.resolveRef(repo, "main"))?.sha).toBe(second.after);
    expect(await clones.readFile(repo, second.after, "file.txt")).toBe("second");
    git(clone, "fsck", "--connectivity-only", "--no-dangling");
    // Both sides' objects packed (maintenance): the walk stops at what the clone's packs hold. A branch
    // and an annotated tag in one push, the tag's object and the commit copied, both refs set.
    git(clone, "repack", "-q", "-a", "-d");
    git(origin, "repack", "-q", "-a", "-d");
    const tagged = pushed("tagged");
    git(work, "tag", "-a", "-m", "release", "v1");
    git(work, "push", "-q", "origin", "refs/tags/v1", "main:side");
    const tag = git(work, "rev-parse", "v1");
    const zero40 = "0".repeat(40);
    const updates = [
      tagged,
      { ref: "refs/heads/side", before: zero40, after: tagged.after },
      { ref: "refs/tags/v1", before: zero40, after: tag },
    ];
    expect(await traced(updates)).toEqual([]);
    expect(git(clone, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags")).toBe(
      `refs/heads/main ${tagged.after}\nrefs/heads/side ${tagged.after}\nrefs/tags/v1 ${tag}`,
    );
    expect(told).toEqual(cloneRefs());
    expect(existsSync(join(clone, "objects", tag.slice(0, 2), tag.slice(2)))).toBe(true);
    git(clone, "fsck", "--connectivity-only", "--no-dangling");
    // Objects origin holds in a pack (a large push, or origin repacked): fetched.
    const packedPush = pushed("packed");
    git(origin, "repack", "-q", "-a", "-d");
    expect(await traced([packedPush])).toContain("fetch");
    expect(told).toBeUndefined();
    expect((await clones.resolveRef(repo, "main"))?.sha).toBe(packedPush.after);
    // A notification origin does not bear out (a stranger's, or origin moved again): fetched, and
    // the clone has what origin has, not what was told.
    const third = pushed("third");
    expect(await traced([{ ...third, after: second.before }])).toContain("fetch");
    expect((await clones.resolveRef(repo, "main"))?.sha).toBe(third.after);
    // Another ref changed in origin without a word: a fetch catches up on it too.
    git(work, "push", "-q", "origin", "main:unannounced");
    const fourth = pushed("fourth");
    expect(await traced([fourth])).toContain("fetch");
    expect((await clones.resolveRef(repo, "unannounced"))?.sha).toBe(third.after);
    expect((await clones.resolveRef(repo, "main"))?.sha).toBe(fourth.after);
    // A deletion: fetched (the fetch prunes).
    git(work, "push", "-q", "origin", ":unannounced");
    const zero = "0".repeat(40);
    const deleted = { ref: "refs/heads/unannounced", before: third.after, after: zero };
    expect(await traced([deleted])).toContain("fetch");
    expect(await clones.resolveRef(repo, "unannounced")).toBeUndefined();
    // A ref file that cannot be renamed into place (an empty folder of its name in the clone): a
    // fetch sets the refs; no lock file is left behind.
    mkdirSync(join(clone, "refs", "heads", "blocked"), { recursive: true });
    git(work, "push", "-q", "origin", "main:blocked");
    const blocked = { ref: "refs/heads/blocked", before: zero, after: fourth.after };
    expect(await traced([blocked])).toContain("fetch");
    expect((await clones.resolveRef(repo, "blocked"))?.sha).toBe(fourth.after);
    expect(existsSync(join(clone, "refs", "heads", "blocked.lock"))).toBe(false);
  });

  it("reads a copied push's commits and workflows from what it copied, as cat-file gives them", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-clones-"));
    dirs.push(root);
    const work = source(root, "work", "main", "first");
    mkdirSync(join(work, ".github", "workflows"), { recursive: true });
    writeFileSync(join(work, ".github", "workflows", "ci.yml"), "on: push\n");
    symlinkSync("ci.yml", join(work, ".github", "workflows", "link.yml"));
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "workflows");
    const origin = join(root, "origin.git");
    git(root, "clone", "-q", "--bare", work, origin);
    git(work, "remote", "add", "origin", origin);
    const clones = new RepoClones(join(root, "repos"));
    const repo = { owner: "o", name: "r", url: origin };
    await clones.sync(repo);
    const push = async (file: string, text: string) => {
      const before = git(work, "rev-parse", "HEAD");
      writeFileSync(join(work, file), text);
      git(work, "add", ".");
      git(work, "commit", "-q", "-m", text);
      git(work, "push", "-q", "origin", "main");
      const update = { ref: "refs/heads/main", before, after: git(work, "rev-parse", "HEAD") };
      await clones.syncPush(repo, [update]);
      return update;
    };
    // What a push's event reads: its commits peeled and read, its workflows.
    const reads = async (u: { before: string; after: string }, c = clones) => ({
      peeled: Object.fromEntries(await c.peelCommits(repo, [u.before, u.after])),
      commit: (await c.readCommit(repo, u.after))?.toString("utf8"),
      workflows: await c.readWorkflows(repo, u.after),
    });
    // The first push reads the trees it did not copy (.github, its workflows) once, by their ids.
    await reads(await push("file.txt", "second"));
    const requests = vi.spyOn(CatFileBatch.prototype, "read");
    try {
      const third = await push("file.txt", "third");
      const seen = await reads(third);
      expect(requests).not.toHaveBeenCalled();
      expect(seen.peeled).toEqual({ [third.before]: third.before, [third.after]: third.after });
      expect(seen.commit).toBe(`${git(clones.path(repo), "cat-file", "commit", third.after)}\n`);
      expect(seen.workflows).toEqual([
        { file: ".github/workflows/ci.yml", content: "on: push\n" },
        { file: ".github/workflows/link.yml", content: "ci.yml" },
      ]);
      // A workflow changed: its new blob and trees were copied too.
      const changed = await push(".github/workflows/ci.yml", "on: [push]\n");
      expect((await reads(changed)).workflows[0]).toEqual({
        file: ".github/workflows/ci.yml",
        content: "on: [push]\n",
      });
      expect(requests).not.toHaveBeenCalled();
    } finally {
      requests.mockRestore();
    }
    // Every answer from what was kept is cat-file's (a server that kept nothing asks it).
    const head = git(work, "rev-parse", "HEAD");
    const fresh = new RepoClones(join(root, "repos"));
    const answers = async (c: RepoClones) => ({
      ...(await reads({ before: git(work, "rev-parse", "HEAD~1"), after: head }, c)),
      file: await c.readFile(repo, head, "file.txt").catch((e: Error) => e.message),
      regular: await c.readRegularFile(repo, head, ".github/workflows/ci.yml"),
      link: await c.readRegularFile(repo, head, ".github/workflows/link.yml"),
      throughLink: await c.readFile(repo, head, ".github/workflows/link.yml/x").catch(() => "none"),
      throughFile: await c.readFile(repo, head, "file.txt/x").catch(() => "none"),
      missing: await c.readFile(repo, head, ".github/nope.yml").catch(() => "none"),
      odd: await c.readFile(repo, head, ".github//workflows/ci.yml").catch(() => "none"),
      tree: await c.resolveRef(repo, "main"),
    });
    expect(await answers(clones)).toEqual(await answers(fresh));
  });

  it("reads files and workflows through one cat-file process, as git show and ls-tree give them", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-clones-"));
    dirs.push(root);
    const a = source(root, "a", "main", "first");
    mkdirSync(join(a, ".github", "workflows"), { recursive: true });
    writeFileSync(join(a, ".github", "workflows", "b.yml"), "b: 1\n");
    writeFileSync(join(a, ".github", "workflows", "a.yaml"), "a: 1\n");
    writeFileSync(join(a, ".github", "workflows", "notes.txt"), "no\n");
    symlinkSync("b.yml", join(a, ".github", "workflows", "link.yml"));
    git(a, "add", ".");
    git(a, "commit", "-q", "-m", "workflows");
    const clones = new RepoClones(join(root, "repos"));
    const repo = { owner: "o", name: "r", url: a };
    await clones.sync(repo);
    const sha = git(a, "rev-parse", "HEAD");
    expect(await clones.readWorkflows(repo, sha)).toEqual([
      { file: ".github/workflows/a.yaml", content: "a: 1\n" },
      { file: ".github/workflows/b.yml", content: "b: 1\n" },
      { file: ".github/workflows/link.yml", content: "b.yml" },
    ]);
    expect(await clones.readWorkflows(repo, git(a, "rev-parse", "HEAD~1"))).toEqual([]);
    await expect(clones.readFile(repo, sha, "nope.txt")).rejects.toThrow(/does not exist/);
    // A regular file only: not a symbolic link, nor a folder.
    expect(await clones.readRegularFile(repo, sha, ".github/workflows/b.yml")).toBe("b: 1\n");
    expect(await clones.readRegularFile(repo, sha, "file.txt")).toBe("first");
    expect(await clones.readRegularFile(repo, sha, ".github/workflows/link.yml")).toBeUndefined();
    expect(await clones.readRegularFile(repo, sha, ".github/workflows")).toBeUndefined();
    expect(await clones.readRegularFile(repo, sha, ".github/workflows/none.yml")).toBeUndefined();
  });

  it("resolves a ref the fetch moved after its old commit was read, and peels ids to their commits", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-clones-"));
    dirs.push(root);
    const a = source(root, "a", "main", "first");
    git(a, "tag", "-a", "-m", "v1", "v1");
    const clones = new RepoClones(join(root, "repos"));
    const repo = { owner: "o", name: "r", url: a };
    await clones.sync(repo);
    const first = git(a, "rev-parse", "main");
    expect(await clones.resolveRef(repo, "main")).toEqual({ ref: "refs/heads/main", sha: first });
    expect(await clones.readFile(repo, first, "file.txt")).toBe("first");
    expect(await clones.resolveRef(repo, "v1")).toEqual({ ref: "refs/tags/v1", sha: first });
    expect(await clones.peelCommit(repo, git(a, "rev-parse", "v1"))).toBe(first);
    expect(await clones.peelCommit(repo, "0".repeat(40))).toBeUndefined();
    expect(await clones.peelCommit(repo, "1".repeat(40))).toBeUndefined();
    writeFileSync(join(a, "file.txt"), "second");
    git(a, "commit", "-q", "-am", "second");
    const second = git(a, "rev-parse", "main");
    expect(await clones.peelCommit(repo, second)).toBeUndefined();
    await clones.sync(repo);
    expect(await clones.resolveRef(repo, "main")).toEqual({ ref: "refs/heads/main", sha: second });
    expect(await clones.peelCommit(repo, second)).toBe(second);
    expect(await clones.readFile(repo, second, "file.txt")).toBe("second");
    // Packed, as a fetch or gc may leave them.
    git(clones.path(repo), "pack-refs", "--all");
    expect(await clones.resolveRef(repo, "main")).toEqual({ ref: "refs/heads/main", sha: second });
    expect(await clones.resolveRef(repo, "nope")).toBeUndefined();
  });

  it("checks a commit out where a crash left a worktree registered but its directory gone", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-clones-"));
    dirs.push(root);
    const a = source(root, "a", "main", "first");
    const clones = new RepoClones(join(root, "repos"));
    const repo = { owner: "o", name: "r", url: a };
    await clones.sync(repo);
    const sha = (await clones.resolveRef(repo, "main"))?.sha ?? "";
    const dir = join(root, "sources", "1-1");
    await clones.addWorktree(repo, sha, dir);
    rmSync(dir, { recursive: true, force: true });
    await clones.addWorktree(repo, sha, dir);
    expect(readFileSync(join(dir, "file.txt"), "utf8")).toBe("first");
    await clones.removeWorktree(repo, dir);
    expect(existsSync(dir)).toBe(false);
  });

  it("keeps the pull request refs it made across fetches, and follows origin's deletions", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-clones-"));
    dirs.push(root);
    const a = source(root, "a", "main", "first");
    git(a, "branch", "gone");
    const clones = new RepoClones(join(root, "repos"));
    const repo = { owner: "o", name: "r", url: a };
    await clones.sync(repo);
    const sha = (await clones.resolveRef(repo, "main"))?.sha ?? "";
    git(clones.path(repo), "update-ref", "refs/pull/1/merge", sha);
    git(a, "branch", "-D", "gone");
    await clones.sync(repo);
    expect(await clones.resolveRef(repo, "refs/pull/1/merge")).toEqual({ ref: "refs/pull/1/merge", sha });
    expect(await clones.resolveRef(repo, "gone")).toBeUndefined();
  });
});

describe("git gets `--` before what a user wrote", () => {
  it("takes a URL starting with '-' as a repository, never as an option", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-clones-"));
    dirs.push(root);
    // Without `--`, `git clone --mirror --bare <dir>` clones <dir> and says so; with it, '--bare' is the URL.
    await expect(ensureMirror(join(root, "m.git"), "--bare")).rejects.toThrow(/'--bare' does not exist/);
    const a = source(root, "a", "main", "a");
    const clones = new RepoClones(join(root, "repos"));
    await clones.sync({ owner: "acme", name: "app", url: a });
    // A ref that looks like an option is a ref name that does not exist, not `rev-parse --git-dir`.
    expect(await clones.resolveRef({ owner: "acme", name: "app" }, "--git-dir")).toBeUndefined();
  });

  it("never makes a clone's path from a name no repository may have", () => {
    const clones = new RepoClones(mkdtempSync(join(tmpdir(), "gantry-clones-")));
    expect(() => clones.path({ owner: "..", name: "x" })).toThrow(/owner must not be/);
    expect(() => clones.path({ owner: "acme", name: "--help" })).toThrow(/name must not start with '-'/);
    expect(clones.path({ owner: "acme", name: "app" })).toMatch(/acme\/app\.git$/);
  });
  it("fetches without git's automatic maintenance, which runs every few fetches instead; a removed worktree needs no prune", async () => {
    const root = mkdtempSync(join(tmpdir(), "gantry-clones-"));
    dirs.push(root);
    const a = source(root, "a", "main", "a");
    const repo = { owner: "o", name: "r", url: a };
    const clones = new RepoClones(join(root, "repos"), 3);
    await clones.sync(repo);
    // GIT_TRACE names every process git starts (its own helpers too) and every git command.
    const trace = join(root, "trace.txt");
    const before = process.env.GIT_TRACE;
    process.env.GIT_TRACE = trace;
    try {
      const ran = () => (existsSync(trace) ? readFileSync(trace, "utf8") : "");
      await clones.sync(repo);
      await clones.sync(repo);
      expect(ran()).toContain("fetch");
      expect(ran()).not.toContain("maintenance");
      // The third fetch since the clone's last maintenance: it runs, after the fetch.
      await clones.sync(repo);
      const head = await clones.resolveRef(repo, "main");
      const work = join(root, "work");
      await clones.addWorktree(repo, head?.sha ?? "", work);
      expect(ran().match(/maintenance run --auto/g)).toHaveLength(1);
      writeFileSync(trace, "");
      await clones.removeWorktree(repo, work);
      expect(ran()).toContain("worktree remove");
      expect(ran()).not.toContain("worktree prune");
      expect(existsSync(work)).toBe(false);
      expect(git(clones.path(repo), "worktree", "list", "--porcelain")).not.toContain(work);
    } finally {
      if (before === undefined) delete process.env.GIT_TRACE;
      else process.env.GIT_TRACE = before;
    }
  });
});
