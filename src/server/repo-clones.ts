import { existsSync, mkdirSync, rmSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { execFileProcess } from "../spawner/index.js";
import type { Repo } from "../store/index.js";
import type { RefUpdate } from "../triggers/index.js";
import { CatFileBatch, type GitObject, treeEntries } from "./cat-file-batch.js";
import { copyLocalPush } from "./local-push-copy.js";
import { localGitDir, readStoredRef, type StoredRef } from "./local-refs.js";
import { repoNameProblem } from "./validate.js";

/**
 * Fetches into a clone between two runs of git's automatic maintenance (which a fetch would
 * otherwise start after each one; git's own thresholds then decide whether there is work).
 */
const MAINTAIN_EVERY = 50;

/**
 * Names whose object can never change: a full object id, alone, peeled to its commit or tree, or a
 * path in it (git takes a full id as that object before any ref of the same name).
 */
const IMMUTABLE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})(?:$|:|\^\{(?:commit|tree)\}$)/;

/** Objects kept once read under an immutable name (every clone's together): how many, and their bytes. */
const KEPT_OBJECTS = 512;
const KEPT_BYTES = 8 * 1024 * 1024;

/** A git failure, with git's own words. */
export class GitError extends Error {
  readonly code = "git_failed";
}

async function git(cwd: string, args: string[], input?: string): Promise<string> {
  try {
    const { stdout } = await execFileProcess("git", args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
      input,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new GitError((e.stderr || e.message).trim().split("\n").slice(-3).join(" "));
  }
}

/**
 * The server's own clones (bare mirrors under DIR/repos), fetched on demand; each run checks its
 * commit out in a worktree of its own. Git work on one clone runs one piece at a time. Whatever a
 * user wrote (a URL, a ref, a path) comes after `--` or `--end-of-options`: git never takes it for
 * an option.
 */
export class RepoClones {
  private locks = new Map<string, Promise<unknown>>();
  /** The origin URL each clone was last given in this process: a fetch sets it only when it changed. */
  private origins = new Map<string, string>();
  /** Fetches into each clone since its last maintenance (see sync). */
  private fetches = new Map<string, number>();
  /** Each clone's long-lived `git cat-file --batch` (cat-file-batch.ts). */
  private batches = new Map<string, CatFileBatch>();
  /**
   * Objects read under an immutable name (IMMUTABLE), by clone and name, least recently used first:
   * a run reads again what its event read (the workflows at its commit), and each read was a round
   * trip to the cat-file process on the way to the first step.
   */
  private kept = new Map<string, GitObject>();
  private keptBytes = 0;

  constructor(
    private readonly root: string,
    /** Fetches between two runs of git's maintenance on a clone. */
    private readonly maintainEvery = MAINTAIN_EVERY,
  ) {
    mkdirSync(root, { recursive: true });
  }

  /** The clone's folder; a name no repository may have (`..`, `-x`) never makes a path (validate.ts). */
  path(repo: Pick<Repo, "owner" | "name">): string {
    const problem = repoNameProblem(repo.owner, "owner") ?? repoNameProblem(repo.name, "name");
    if (problem) throw new GitError(`${repo.owner}/${repo.name}: ${problem}`);
    return join(this.root, repo.owner, `${repo.name}.git`);
  }

  private locked<T>(repo: Pick<Repo, "owner" | "name">, fn: () => Promise<T>): Promise<T> {
    const key = this.path(repo);
    const next = (this.locks.get(key) ?? Promise.resolve()).then(fn);
    this.locks.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  /**
   * The object a name stands for, read by the clone's cat-file process; undefined when git has
   * none; "unread" when that process failed (the caller asks git in a process of its own).
   */
  private async object(
    repo: Pick<Repo, "owner" | "name">,
    name: string,
  ): Promise<GitObject | undefined | "unread"> {
    const dir = this.path(repo);
    if (!existsSync(join(dir, "HEAD"))) return "unread";
    const key = IMMUTABLE.test(name) ? `${dir}\0${name}` : undefined;
    if (key === undefined) return this.catFile(repo, dir, name, undefined);
    const known = this.recall(key) ?? (await this.fromKept(repo, dir, name));
    if (known) return known;
    return this.catFile(repo, dir, name, key);
  }

  /** A kept object (then the most recently used), else undefined. */
  private recall(key: string): GitObject | undefined {
    const known = this.kept.get(key);
    if (known) {
      this.kept.delete(key); // most recently used goes last
      this.kept.set(key, known);
    }
    return known;
  }

  /**
   * An immutable name (IMMUTABLE) answered from what is kept, when its object id is: a commit
   * peeled to itself or to its tree, a path walked down the trees, each tree read by its id (then
   * kept: a push's next commit shares them). Undefined when the id is not kept, or the name is
   * anything this does not walk as cat-file does (a tag, a submodule, a symbolic link, an odd path,
   * a name not found): cat-file answers it.
   */
  private async fromKept(
    repo: Pick<Repo, "owner" | "name">,
    dir: string,
    name: string,
  ): Promise<GitObject | undefined> {
    const m = /^([0-9a-f]{40}|[0-9a-f]{64})(?:\^\{(commit|tree)\}$|:(.*)$|$)/s.exec(name);
    const start = m ? this.recall(`${dir}\0${m[1]}`) : undefined;
    if (!m || !start) return undefined;
    if (m[2] === "commit") return start.type === "commit" ? start : undefined;
    if (m[2] === undefined && m[3] === undefined) return start;
    // The commit's tree: its first header line.
    let tree = start;
    if (start.type === "commit") {
      const t = /^tree ([0-9a-f]{40}|[0-9a-f]{64})\n/.exec(start.content.subarray(0, 80).toString("latin1"));
      const read = t && t[1].length === start.oid.length ? await this.byId(repo, dir, t[1]) : undefined;
      if (!read || read.type !== "tree") return undefined;
      tree = read;
    }
    if (m[2] === "tree") return tree.type === "tree" ? tree : undefined;
    if (tree.type !== "tree" || m[3] === undefined) return undefined;
    if (m[3] === "") return tree;
    const parts = m[3].split("/");
    if (parts.some((p) => p === "" || p === "." || p === "..")) return undefined;
    let at: GitObject = tree;
    for (const part of parts) {
      if (at.type !== "tree") return undefined;
      const entry = treeEntries(at.content, at.oid.length / 2).find((e) => e.name === part);
      // Only what cat-file's path lookup gives the same way: a folder or a file (not a submodule).
      if (!entry || !/^(?:40000|100644|100755|120000)$/.test(entry.mode) || entry.name.includes("\uFFFD"))
        return undefined;
      const next = await this.byId(repo, dir, entry.oid);
      if (!next) return undefined;
      at = next;
    }
    return at;
  }

  /** An object by its id: kept, else read by cat-file and kept. */
  private async byId(
    repo: Pick<Repo, "owner" | "name">,
    dir: string,
    oid: string,
  ): Promise<GitObject | undefined> {
    const key = `${dir}\0${oid}`;
    const known = this.recall(key);
    if (known) return known;
    const read = await this.catFile(repo, dir, oid, key);
    return read === "unread" ? undefined : read;
  }

  /**
   * Objects a push copied into the clone (local-push-copy.ts), each checked against its id there:
   * kept, so the push's commits, trees and workflow files are read without a round trip to cat-file.
   */
  private keepCopied(dir: string, objects: readonly GitObject[]): void {
    for (const object of objects) this.keep(`${dir}\0${object.oid}`, object);
  }

  /** cat-file's answer for a name (kept under `key` when given and found). */
  private async catFile(
    repo: Pick<Repo, "owner" | "name">,
    dir: string,
    name: string,
    key: string | undefined,
  ): Promise<GitObject | undefined | "unread"> {
    let batch = this.batches.get(dir);
    if (!batch) this.batches.set(dir, (batch = new CatFileBatch(dir)));
    const read = await batch.read(name).catch(() => "unread" as const);
    // Only what was found: an object missing now may come with the next fetch.
    if (key !== undefined && read !== "unread" && read !== undefined) this.keep(key, read);
    return read;
  }

  private keep(key: string, object: GitObject): void {
    if (object.content.length > KEPT_BYTES / 16) return;
    const before = this.kept.get(key);
    if (before) this.kept.delete(key);
    this.keptBytes -= before?.content.length ?? 0;
    this.kept.set(key, object);
    this.keptBytes += object.content.length;
    while (this.kept.size > KEPT_OBJECTS || this.keptBytes > KEPT_BYTES) {
      const [oldest, value] = this.kept.entries().next().value as [string, GitObject];
      this.kept.delete(oldest);
      this.keptBytes -= value.content.length;
    }
  }

  /** Forgets the objects kept of a clone (it is deleted). */
  private forget(dir: string): void {
    for (const [key, value] of this.kept) {
      if (!key.startsWith(`${dir}\0`)) continue;
      this.kept.delete(key);
      this.keptBytes -= value.content.length;
    }
  }

  /** Ends the clone's cat-file process (its next read starts another, seeing the packs as they are now). */
  private closeBatch(repo: Pick<Repo, "owner" | "name">): void {
    const dir = this.path(repo);
    this.batches.get(dir)?.close();
    this.batches.delete(dir);
  }

  /** A local path is taken as given (relative to the server's working directory). */
  private source(url: string): string {
    return /^[\w+.-]+:\/\//.test(url) || /^[^/]+@[^:]+:/.test(url) || isAbsolute(url) ? url : resolve(url);
  }

  /** Clones the repository when the server has no clone yet, else fetches it. */
  sync(repo: Pick<Repo, "owner" | "name" | "url">): Promise<void> {
    return this.locked(repo, () => this.fetchNow(repo));
  }

  /**
   * Brings a push a post-receive hook told of into the clone: when origin is a repository on this
   * host and the push is what its files say, by copying the pushed objects and setting the refs as
   * files (local-push-copy.ts, no git process); else, or when that fails, by a fetch of everything.
   * Resolves with the clone's branches and tags when the push was copied (as the copy read and
   * checked them), undefined after a fetch.
   */
  syncPush(
    repo: Pick<Repo, "owner" | "name" | "url">,
    updates: readonly RefUpdate[],
  ): Promise<Record<string, string> | undefined> {
    return this.locked(repo, async () => {
      const dir = this.path(repo);
      const origin = existsSync(join(dir, "HEAD")) ? localGitDir(this.source(repo.url)) : undefined;
      let refs: Record<string, string> | undefined;
      try {
        refs =
          origin === undefined
            ? undefined
            : copyLocalPush({
                clone: dir,
                origin,
                updates,
                copied: (objects) => this.keepCopied(dir, objects),
              });
      } catch {
        // anything unexpected: fetched
      }
      if (refs) this.fetched(repo);
      else await this.fetchNow(repo);
      return refs;
    });
  }

  /** Counts a fetch into the clone; every `maintainEvery`, git's maintenance runs (see sync). */
  private fetched(repo: Pick<Repo, "owner" | "name">): void {
    const dir = this.path(repo);
    const fetched = (this.fetches.get(dir) ?? 0) + 1;
    this.fetches.set(dir, fetched % this.maintainEvery);
    if (fetched >= this.maintainEvery) void this.maintain(repo);
  }

  /** sync's work, under the clone's lock. */
  private async fetchNow(repo: Pick<Repo, "owner" | "name" | "url">): Promise<void> {
    const dir = this.path(repo);
    if (!existsSync(join(dir, "HEAD"))) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await git(dir, ["clone", "--quiet", "--mirror", "--", this.source(repo.url), "."]);
      this.origins.set(dir, this.source(repo.url));
      return;
    }
    // Every git process costs (≈ 5 ms idle, well over 100 ms on a loaded machine) on the way from
    // an event to its first step: the origin is set only when the repository's URL changed.
    const origin = this.source(repo.url);
    if (this.origins.get(dir) !== origin) {
      await git(dir, ["remote", "set-url", "--", "origin", origin]);
      this.origins.set(dir, origin);
    }
    // Every ref of origin, except refs/pull/*: the pull requests' merge and head refs are the
    // server's own (made in this clone), and a mirror's prune would delete them. Without git's
    // automatic maintenance, which starts a process of its own after every fetch, on the way from
    // an event to its run: the clone's maintenance runs every `maintainEvery` fetches instead,
    // after the fetch that asked for it.
    await git(dir, [
      "-c",
      "maintenance.auto=false",
      "fetch",
      "--quiet",
      "--prune",
      "--",
      "origin",
      "+refs/*:refs/*",
      "^refs/pull/*",
    ]);
    this.fetched(repo);
  }

  /**
   * Brings the clone up to date for resolving `ref` (resolveRef): fetches (sync) unless the clone
   * provably has what origin has for it. When origin is a repository on this host whose refs git
   * keeps as files, each ref `ref` may stand for is read there and in the clone, without a git
   * process: equal, the fetch would change nothing resolveRef reads, and is left out. Otherwise
   * (a remote origin, a difference, anything unusual), it fetches.
   */
  async syncFor(repo: Pick<Repo, "owner" | "name" | "url">, ref: string): Promise<void> {
    const dir = this.path(repo);
    const origin = existsSync(join(dir, "HEAD")) ? localGitDir(this.source(repo.url)) : undefined;
    if (origin) {
      const refs = ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
      const same = refs.every((r) => {
        const there = readStoredRef(origin, r);
        return there !== "unknown" && there === readStoredRef(dir, r);
      });
      // A commit id given as the ref: the clone has it already.
      const id = /^[0-9a-f]{7,40}$/i.test(ref) && !ref.startsWith("refs/");
      if (same && (!id || (await this.resolveRef(repo, ref)) !== undefined)) return;
    }
    await this.sync(repo);
  }

  /**
   * git's automatic maintenance of a clone (gc when loose objects or packs pile up), queued behind
   * the git work under way on it; a failure (an old git without `maintenance`) is ignored.
   */
  private maintain(repo: Pick<Repo, "owner" | "name">): Promise<void> {
    return this.locked(repo, async () => {
      await git(this.path(repo), ["maintenance", "run", "--auto", "--quiet"]).catch(() => undefined);
      // A repack may have replaced the packs the cat-file process holds open.
      this.closeBatch(repo);
    });
  }

  /** Deletes the server's clone of a repository (it was removed), after the git work under way on it. */
  remove(repo: Pick<Repo, "owner" | "name">): Promise<void> {
    return this.locked(repo, async () => {
      this.closeBatch(repo);
      this.forget(this.path(repo));
      rmSync(this.path(repo), { recursive: true, force: true });
      this.origins.delete(this.path(repo));
    });
  }

  /** The full ref and commit of a branch, tag, full ref or sha; undefined when there is none. */
  async resolveRef(
    repo: Pick<Repo, "owner" | "name">,
    ref: string,
  ): Promise<{ ref: string; sha: string } | undefined> {
    const dir = this.path(repo);
    const candidates = ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
    for (const full of candidates) {
      // The ref's file (or packed-refs line) read here, and its object peeled under its id, which
      // the clone reads once (kept): no round trip to git for a ref whose commit was read before.
      const stored = this.storedRef(dir, full);
      if (stored === null) continue;
      const read = await this.object(repo, stored === "unknown" ? `${full}^{commit}` : `${stored}^{commit}`);
      if (read !== "unread") {
        if (read) return { ref: full, sha: read.oid };
        continue;
      }
      const sha = await git(dir, [
        "rev-parse",
        "-q",
        "--verify",
        "--end-of-options",
        `${full}^{commit}`,
      ]).catch(() => "");
      if (sha.trim()) return { ref: full, sha: sha.trim() };
    }
    if (/^[0-9a-f]{7,40}$/i.test(ref)) {
      const read = await this.object(repo, `${ref}^{commit}`);
      if (read !== "unread") return read ? { ref: "", sha: read.oid } : undefined;
      const sha = await git(dir, [
        "rev-parse",
        "-q",
        "--verify",
        "--end-of-options",
        `${ref}^{commit}`,
      ]).catch(() => "");
      if (sha.trim()) return { ref: "", sha: sha.trim() };
    }
    return undefined;
  }

  /**
   * The commit each object id stands for (an annotated tag's target), as peelCommit reads it; an id
   * the clone has no commit for is left out (the caller asks git itself). Ids only reach cat-file.
   */
  async peelCommits(
    repo: Pick<Repo, "owner" | "name">,
    ids: readonly string[],
  ): Promise<Map<string, string>> {
    const peeled = new Map<string, string>();
    await Promise.all(
      ids.map(async (id) => {
        const sha = await this.peelCommit(repo, id);
        if (sha) peeled.set(id, sha);
      }),
    );
    return peeled;
  }

  /**
   * The commit an object id stands for (a commit's own, an annotated tag's), as the clone has it now;
   * undefined when it has none. Read by the clone's cat-file process (a git process when that failed).
   */
  async peelCommit(repo: Pick<Repo, "owner" | "name">, id: string): Promise<string | undefined> {
    if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(id) || /^0+$/.test(id)) return undefined;
    const read = await this.object(repo, `${id.toLowerCase()}^{commit}`);
    if (read !== "unread") return read?.oid;
    const sha = await git(this.path(repo), [
      "rev-parse",
      "-q",
      "--verify",
      "--end-of-options",
      `${id}^{commit}`,
    ]).catch(() => "");
    return sha.trim() || undefined;
  }

  /**
   * A commit's raw content by its id, read by the clone's cat-file process (kept: its id never
   * changes); undefined when the clone has no such commit, or that process failed.
   */
  async readCommit(repo: Pick<Repo, "owner" | "name">, id: string): Promise<Buffer | undefined> {
    if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(id)) return undefined;
    const read = await this.object(repo, id);
    return read !== "unread" && read?.type === "commit" ? read.content : undefined;
  }

  /** A ref's stored id in a clone (readStoredRef); "unknown" before the first fetch, or in a reftable clone. */
  private storedRef(dir: string, ref: string): StoredRef {
    if (!existsSync(join(dir, "HEAD")) || existsSync(join(dir, "reftable"))) return "unknown";
    return readStoredRef(dir, ref);
  }

  /** The branches (`heads`) or tags of the server's clone, by name, with their commits; none before the first fetch. */
  async listRefs(
    repo: Pick<Repo, "owner" | "name">,
    kind: "heads" | "tags",
  ): Promise<Array<{ name: string; sha: string }>> {
    const dir = this.path(repo);
    if (!existsSync(join(dir, "HEAD"))) return [];
    // A tag's commit is the one it points at, through an annotated tag's object (`*objectname`).
    const out = await git(dir, [
      "for-each-ref",
      "--sort=refname",
      "--format=%(refname:lstrip=2)%00%(objectname)%00%(*objectname)",
      `refs/${kind}/`,
    ]);
    return out
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        const [name, sha, peeled] = l.split("\0");
        return { name, sha: peeled || sha };
      });
  }

  /** The workflow files (.github/workflows/*.yml|yaml) at a commit, with their content. */
  async readWorkflows(
    repo: Pick<Repo, "owner" | "name">,
    sha: string,
  ): Promise<Array<{ file: string; content: string }>> {
    const tree = await this.object(repo, `${sha}:.github/workflows`);
    if (tree !== "unread") {
      if (tree?.type !== "tree") return [];
      const entries = treeEntries(tree.content, tree.oid.length / 2)
        .filter((e) => /\.ya?ml$/.test(e.name))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const out: Array<{ file: string; content: string }> = [];
      for (const e of entries) {
        const file = `.github/workflows/${e.name}`;
        // A blob by its id; anything else (a folder, a submodule) as `git show` gives it.
        const blob =
          e.mode.startsWith("10") || e.mode === "120000" ? await this.object(repo, e.oid) : "unread";
        const content =
          blob !== "unread" && blob?.type === "blob"
            ? blob.content.toString("utf8")
            : await this.readFile(repo, sha, file);
        out.push({ file, content });
      }
      return out;
    }
    const dir = this.path(repo);
    const listing = await git(dir, [
      "ls-tree",
      "--name-only",
      "--end-of-options",
      `${sha}:.github/workflows`,
    ]).catch(() => "");
    const files = listing
      .split("\n")
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => `.github/workflows/${f}`);
    const out: Array<{ file: string; content: string }> = [];
    for (const file of files) out.push({ file, content: await this.readFile(repo, sha, file) });
    return out;
  }

  /** A commit's author, message and parents; undefined when the clone has no such commit. */
  async commit(
    repo: Pick<Repo, "owner" | "name">,
    sha: string,
  ): Promise<
    | {
        sha: string;
        parents: string[];
        author: { name: string; email: string };
        authoredAt: string;
        message: string;
      }
    | undefined
  > {
    const out = await git(this.path(repo), [
      "log",
      "-1",
      "--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%B",
      "--end-of-options",
      `${sha}^{commit}`,
      "--",
    ]).catch(() => "");
    if (!out) return undefined;
    const [id, parents, name, email, authoredAt, ...message] = out.split("\0");
    return {
      sha: id,
      parents: parents.split(" ").filter((p) => p !== ""),
      author: { name, email },
      authoredAt,
      message: message.join("\0").trimEnd(),
    };
  }

  /**
   * The commit times (ISO 8601) of the commits `sha` has and `base` has not, newest first, at most
   * `limit` (`sha`'s alone without a base, or when the clone has no `base`): the changes a
   * deployment of `sha` brought after one of `base`. Empty when the clone has no `sha`.
   */
  async commitTimes(
    repo: Pick<Repo, "owner" | "name">,
    sha: string,
    base: string | undefined,
    limit = 10_000,
  ): Promise<string[]> {
    const times = (args: string[]) =>
      git(this.path(repo), ["log", "--format=%cI", ...args, "--"]).then(
        (out) => out.split("\n").filter((l) => l !== ""),
        () => undefined,
      );
    const own = ["--end-of-options", `${sha}^{commit}`];
    const since =
      base === undefined ? undefined : await times([`--max-count=${limit}`, ...own, `^${base}^{commit}`]);
    return since ?? (await times(["-1", ...own])) ?? [];
  }

  /**
   * A regular file's content at a commit (not a symbolic link, a folder or a submodule), read by the
   * clone's cat-file process; undefined when there is none, or when that process failed.
   */
  async readRegularFile(
    repo: Pick<Repo, "owner" | "name">,
    sha: string,
    path: string,
  ): Promise<string | undefined> {
    const cut = path.lastIndexOf("/");
    const tree = await this.object(repo, cut < 0 ? `${sha}^{tree}` : `${sha}:${path.slice(0, cut)}`);
    if (tree === "unread" || tree?.type !== "tree") return undefined;
    const name = path.slice(cut + 1);
    const entry = treeEntries(tree.content, tree.oid.length / 2).find((e) => e.name === name);
    if (!entry || (entry.mode !== "100644" && entry.mode !== "100755")) return undefined;
    const blob = await this.object(repo, entry.oid);
    return blob !== "unread" && blob?.type === "blob" ? blob.content.toString("utf8") : undefined;
  }

  /** A file's content at a commit (as `git show COMMIT:PATH`); rejects with GitError when there is none. */
  async readFile(repo: Pick<Repo, "owner" | "name">, sha: string, path: string): Promise<string> {
    const read = await this.object(repo, `${sha}:${path}`);
    if (read !== "unread" && read?.type === "blob") return read.content.toString("utf8");
    if (read === undefined) throw new GitError(`fatal: path '${path}' does not exist in '${sha}'`);
    return git(this.path(repo), ["show", "--end-of-options", `${sha}:${path}`]);
  }

  /** A detached worktree of `sha` at `dir` (replacing what a crash left there). */
  addWorktree(repo: Pick<Repo, "owner" | "name">, sha: string, dir: string): Promise<void> {
    return this.locked(repo, async () => {
      const clone = this.path(repo);
      if (existsSync(dir)) {
        await git(clone, ["worktree", "remove", "--force", "--", dir]).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
      // --force also takes a path still registered whose directory is gone (no prune needed first).
      await git(clone, ["worktree", "add", "--quiet", "--detach", "--force", "--", dir, sha]);
    });
  }

  removeWorktree(repo: Pick<Repo, "owner" | "name">, dir: string): Promise<void> {
    return this.locked(repo, async () => {
      const removed = await git(this.path(repo), ["worktree", "remove", "--force", "--", dir]).then(
        () => true,
        () => false,
      );
      rmSync(dir, { recursive: true, force: true });
      // `worktree remove` took its registration with it; when it failed, prune drops what is left.
      if (!removed) await git(this.path(repo), ["worktree", "prune"]).catch(() => undefined);
    });
  }
}
