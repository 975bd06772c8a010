import { existsSync } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import { join, relative, resolve as resolvePath, sep } from "node:path";
import { type ActionPin, ActionPins } from "./action-pins.js";
import {
  ActionFileNotFoundError,
  ActionNotFoundError,
  ActionRefNotFoundError,
  ActionStoreError,
  upstreamUrl,
} from "./action-store-errors.js";
import { installDir, removeDir, sweepTemp } from "./atomic-dir.js";
import { extractCommit, git, gitReason } from "./store-git.js";
import { checkActionRef, displayUrl, isFullSha, isShortSha, mirrorUrl } from "./store-ref.js";

export interface StoredAction {
  /** A checkout of the whole repository at `commit`, shared: callers read it and never write to it. */
  dir: string;
  /** The full commit sha. */
  commit: string;
  /** Where the commit came from: "store", a mirror URL, or the `--from` of `gantry actions add`. */
  source: string;
}

/** What one remote git location said about a ref. */
type Fetched =
  | { found: "commit"; commit: string }
  | { found: "repo-only"; tags: string[] }
  | { found: "nothing"; reason: string };

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** True for a directory git treats as a repository of its own (a working tree's top or a bare repo). */
async function isGitRepository(dir: string): Promise<boolean> {
  if (await exists(join(dir, ".git"))) return true;
  const bare = await Promise.all(["HEAD", "objects", "refs"].map((n) => exists(join(dir, n))));
  return bare.every(Boolean);
}

/**
 * What to fetch for `ref` from a location whose refs are `refs`: its tag, else its branch, else the
 * commit a sha names (every branch and tag for a short one); undefined when it names none of them.
 */
function refspecsFor(refs: Set<string>, ref: string): string[] | undefined {
  if (refs.has(`refs/tags/${ref}`)) return [`+refs/tags/${ref}:refs/tags/${ref}`];
  if (refs.has(`refs/heads/${ref}`)) return [`+refs/heads/${ref}:refs/heads/${ref}`];
  if (isFullSha(ref)) return [`+${ref.toLowerCase()}:refs/gantry/commits/${ref.toLowerCase()}`];
  if (isShortSha(ref))
    return ["+refs/heads/*:refs/gantry/mirror/heads/*", "+refs/tags/*:refs/gantry/mirror/tags/*"];
  return undefined;
}

/** The tag names among full ref names (`refs/tags/v1`, and ls-remote's peeled `refs/tags/v1^{}`). */
function tagNames(refs: Iterable<string>): string[] {
  const tags = new Set<string>();
  for (const ref of refs) if (ref?.startsWith("refs/tags/")) tags.add(ref.slice(10).replace(/\^\{\}$/, ""));
  return [...tags];
}

/** Identity and date of snapshot commits: fixed, so the same files always give the same commit. */
const SNAPSHOT_ENV = {
  GIT_AUTHOR_NAME: "gantry",
  GIT_AUTHOR_EMAIL: "gantry@localhost",
  GIT_AUTHOR_DATE: "1970-01-01T00:00:00Z",
  GIT_COMMITTER_NAME: "gantry",
  GIT_COMMITTER_EMAIL: "gantry@localhost",
  GIT_COMMITTER_DATE: "1970-01-01T00:00:00Z",
};

/**
 * Remote actions and reusable workflows, resolved offline from places the user controls.
 *
 * Layout under `root` ($GANTRY_HOME/actions), owner and repo lower-cased:
 *   pins/<owner>/<repo>/<ref>.json     a resolved ref pinned to its commit (read first, no git needed)
 *   repos/<owner>/<repo>.git           the store's bare copy (gantry actions add, mirror fetches)
 *   checkouts/<owner>/<repo>/<commit>  the files of one commit, extracted once
 *   tmp/                               installs in progress; renamed into place when complete
 *
 * A ref resolves from its pin, else from the store's copy, else from the mirror URL template
 * (`{owner}`, `{repo}`), and is then pinned. Resolutions are shared within the process, so jobs
 * asking for one action at once fetch it once.
 */
export class ActionStore {
  private readonly pins: ActionPins;
  private readonly resolving = new Map<string, Promise<StoredAction>>();
  private readonly resolvingLocal = new Map<string, Promise<StoredAction>>();
  private readonly extracting = new Map<string, Promise<string>>();
  private readonly repoLocks = new Map<string, Promise<unknown>>();
  private swept = false;

  constructor(
    readonly root: string,
    /** Mirror URL template, for example file:///srv/mirrors/{owner}/{repo}.git. */
    readonly mirror?: string,
  ) {
    this.pins = new ActionPins(join(root, "pins"));
  }

  private get tmp(): string {
    return join(this.root, "tmp");
  }

  private gitDir(owner: string, repo: string): string {
    return join(this.root, "repos", owner, `${repo}.git`);
  }

  private checkoutDir(owner: string, repo: string, commit: string): string {
    return join(this.root, "checkouts", owner, repo, commit);
  }

  /**
   * Resolves owner/repo@ref to a checkout of its commit. With `mirror: false`, only from the copies the
   * store holds (pins, its own repositories). Throws ActionNotFoundError, ActionRefNotFoundError.
   */
  resolve(owner: string, repo: string, ref: string, opts: { mirror?: boolean } = {}): Promise<StoredAction> {
    try {
      checkActionRef(owner, repo, ref);
    } catch (err) {
      return Promise.reject(err);
    }
    const key = `${owner.toLowerCase()}/${repo.toLowerCase()}@${ref}`;
    const useMirror = opts.mirror !== false;
    const memo = useMirror ? this.resolving : this.resolvingLocal;
    let pending = memo.get(key);
    if (!pending) {
      pending = this.resolveOnce(owner, repo, ref, useMirror);
      memo.set(key, pending);
      // A failure from the store alone is remembered (a built-in action asks on every step); the store
      // changes only through this object, whose resolutions and adds replace it.
      if (useMirror) {
        pending.then(
          (found) => this.resolvingLocal.set(key, Promise.resolve(found)),
          () => memo.delete(key),
        );
      }
    }
    return pending;
  }

  /** A file of owner/repo at ref (a reusable workflow), with the commit it was read from. */
  async readFile(
    owner: string,
    repo: string,
    ref: string,
    path: string,
  ): Promise<{ content: string; commit: string }> {
    const { dir, commit } = await this.resolve(owner, repo, ref);
    const full = resolvePath(dir, path);
    const inside = relative(dir, full);
    const name = `${owner}/${repo}@${ref}`;
    if (inside === "" || inside.startsWith(`..${sep}`) || inside === "..") {
      throw new ActionFileNotFoundError(name, path, commit);
    }
    try {
      return { content: await readFile(full, "utf8"), commit };
    } catch {
      throw new ActionFileNotFoundError(name, path, commit);
    }
  }

  private async resolveOnce(
    owner: string,
    repo: string,
    ref: string,
    useMirror: boolean,
  ): Promise<StoredAction> {
    const o = owner.toLowerCase();
    const r = repo.toLowerCase();
    // The fast path, taken by every step of an action already resolved once: a pin and a stat, in
    // synchronous calls (tens of microseconds, against hundreds through the thread pool), no git.
    if (isFullSha(ref)) {
      const dir = this.checkoutDir(o, r, ref.toLowerCase());
      if (existsSync(dir)) return { dir, commit: ref.toLowerCase(), source: "store" };
    }
    const pin = this.pins.readSync(o, r, ref);
    if (pin) {
      const dir = this.checkoutDir(o, r, pin.commit);
      if (existsSync(dir)) return { dir, commit: pin.commit, source: pin.source };
    }
    return this.withRepoLock(o, r, async () => {
      await this.sweepOnce();
      const name = `${owner}/${repo}@${ref}`;
      if (pin) return this.restorePinned(owner, repo, name, pin, useMirror);
      const found = await this.findCommit(owner, repo, ref, name, useMirror);
      const dir = await this.checkout(o, r, found.commit);
      await this.pins.write(o, r, ref, {
        action: name,
        commit: found.commit,
        source: found.source,
        pinnedAt: new Date().toISOString(),
      });
      return { dir, ...found };
    });
  }

  /** A pinned commit whose checkout is gone: extract it again from the store's copy or the mirror. */
  private async restorePinned(
    owner: string,
    repo: string,
    name: string,
    pin: ActionPin,
    useMirror: boolean,
  ): Promise<StoredAction> {
    const o = owner.toLowerCase();
    const r = repo.toLowerCase();
    if (!(await this.hasCommit(o, r, pin.commit))) {
      const fetched = useMirror ? await this.fetchFromMirror(owner, repo, pin.commit) : undefined;
      if (fetched?.found !== "commit") {
        throw new ActionStoreError(
          `Action '${name}' is pinned to ${pin.commit}, but the store no longer holds that commit and no mirror has it. Add it again with \`gantry actions add ${name} --from ${upstreamUrl(name)}\`, or remove the pin with \`gantry actions rm ${name}\`.`,
        );
      }
    }
    return { dir: await this.checkout(o, r, pin.commit), commit: pin.commit, source: pin.source };
  }

  /** The commit `ref` names: from the store's copy, else the mirror. */
  private async findCommit(
    owner: string,
    repo: string,
    ref: string,
    name: string,
    useMirror: boolean,
  ): Promise<{ commit: string; source: string }> {
    const o = owner.toLowerCase();
    const r = repo.toLowerCase();
    const gitDir = this.gitDir(o, r);
    const inStore = await exists(gitDir);
    if (inStore) {
      const commit = await this.revParse(gitDir, ref);
      if (commit) return { commit, source: "store" };
    }
    const where: string[] = [];
    if (inStore && (await git(["--git-dir", gitDir, "for-each-ref", "--count=1"])).stdout.trim() !== "") {
      where.push("gantry's action store");
    }
    const tags = inStore ? await this.storeTags(gitDir) : [];
    const tried: string[] = [];
    for (const url of useMirror ? this.mirrorUrls(owner, repo) : []) {
      const fetched = await this.fetchRef(o, r, url, ref);
      if (fetched.found === "commit") return { commit: fetched.commit, source: displayUrl(url) };
      if (fetched.found === "repo-only") {
        where.push(`the mirror ${displayUrl(url)}`);
        tags.push(...fetched.tags);
      } else tried.push(`${displayUrl(url)}: ${fetched.reason}`);
    }
    if (where.length > 0) throw new ActionRefNotFoundError(name, ref, where, tags);
    throw new ActionNotFoundError(name, tried, !this.mirror ? "none" : useMirror ? "asked" : "skipped");
  }

  /** The mirror URLs for owner/repo: as written, then lower-cased when that differs. */
  private mirrorUrls(owner: string, repo: string): string[] {
    if (!this.mirror) return [];
    const urls = [
      mirrorUrl(this.mirror, owner, repo),
      mirrorUrl(this.mirror, owner.toLowerCase(), repo.toLowerCase()),
    ];
    return [...new Set(urls)];
  }

  private async fetchFromMirror(owner: string, repo: string, ref: string): Promise<Fetched> {
    let last: Fetched = { found: "nothing", reason: "no action mirror is set" };
    for (const url of this.mirrorUrls(owner, repo)) {
      last = await this.fetchRef(owner.toLowerCase(), repo.toLowerCase(), url, ref);
      if (last.found === "commit") return last;
    }
    return last;
  }

  /** The tags of the store's copy of a repository. */
  private async storeTags(gitDir: string): Promise<string[]> {
    const out = await git(["--git-dir", gitDir, "for-each-ref", "--format=%(refname)", "refs/tags"]);
    return out.code === 0 ? tagNames(out.stdout.split("\n")) : [];
  }

  /** The commit of a tag, branch or (short) sha in a bare repository, or undefined. */
  private async revParse(gitDir: string, ref: string): Promise<string | undefined> {
    const candidates = [`refs/tags/${ref}`, `refs/heads/${ref}`];
    if (isFullSha(ref) || isShortSha(ref)) candidates.push(ref);
    for (const c of candidates) {
      const out = await git(["--git-dir", gitDir, "rev-parse", "--verify", "--quiet", `${c}^{commit}`]);
      if (out.code === 0) return out.stdout.trim();
    }
    return undefined;
  }

  private async hasCommit(owner: string, repo: string, commit: string): Promise<boolean> {
    const gitDir = this.gitDir(owner, repo);
    if (!(await exists(gitDir))) return false;
    return (await git(["--git-dir", gitDir, "cat-file", "-e", `${commit}^{commit}`])).code === 0;
  }

  /** The store's bare copy of owner/repo, created atomically when missing. */
  private async ensureRepo(owner: string, repo: string): Promise<string> {
    const gitDir = this.gitDir(owner, repo);
    if (await exists(gitDir)) return gitDir;
    await installDir(this.tmp, gitDir, async (tmp) => {
      const init = await git(["init", "--quiet", "--bare", tmp]);
      if (init.code !== 0) throw new ActionStoreError(`git init failed: ${gitReason(init)}`);
      // Pinned commits must outlive the refs that brought them: never prune.
      await git(["--git-dir", tmp, "config", "gc.auto", "0"]);
    });
    return gitDir;
  }

  /**
   * The store's bare copy of owner/repo holding `ref` (a tag, branch or commit: from the copy, else
   * fetched through the mirror), for a git checkout of another repository or a submodule. Nothing
   * is pinned or extracted. Throws ActionNotFoundError, ActionRefNotFoundError.
   */
  async gitRepository(owner: string, repo: string, ref: string): Promise<{ gitDir: string; commit: string }> {
    checkActionRef(owner, repo, ref);
    const o = owner.toLowerCase();
    const r = repo.toLowerCase();
    return this.withRepoLock(o, r, async () => {
      await this.sweepOnce();
      const pin = this.pins.readSync(o, r, ref);
      if (pin && (await this.hasCommit(o, r, pin.commit)))
        return { gitDir: this.gitDir(o, r), commit: pin.commit };
      const found = await this.findCommit(owner, repo, ref, `${owner}/${repo}@${ref}`, true);
      return { gitDir: this.gitDir(o, r), commit: found.commit };
    });
  }

  /** The branch the mirror's HEAD names for owner/repo (its default branch), or undefined. */
  async defaultBranch(owner: string, repo: string): Promise<string | undefined> {
    for (const url of this.mirrorUrls(owner, repo)) {
      const out = await git(["ls-remote", "--symref", "--", url, "HEAD"]);
      const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out.stdout);
      if (out.code === 0 && m) return m[1];
    }
    return undefined;
  }

  /** The refs at the git location `url` (git ls-remote: a listing, nothing downloaded). */
  private async listRefs(url: string): Promise<{ refs: Set<string> } | { reason: string }> {
    const listed = await git(["ls-remote", "--", url]);
    if (listed.code !== 0) return { reason: gitReason(listed) };
    return { refs: new Set(listed.stdout.split("\n").map((l) => l.split("\t")[1])) };
  }

  /** Fetches `ref` (tag, branch, full or short sha) from the git location `url` into the store's copy. */
  private async fetchRef(owner: string, repo: string, url: string, ref: string): Promise<Fetched> {
    const listed = await this.listRefs(url);
    if ("reason" in listed) return { found: "nothing", reason: listed.reason };
    const refspecs = refspecsFor(listed.refs, ref);
    if (!refspecs) return { found: "repo-only", tags: tagNames(listed.refs) };
    const wanted = isFullSha(ref) ? ref.toLowerCase() : ref;
    const gitDir = await this.ensureRepo(owner, repo);
    const fetch = ["--git-dir", gitDir, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head"];
    const fetched = await git([...fetch, "--", url, ...refspecs]);
    if (fetched.code !== 0 && !isFullSha(ref)) {
      throw new ActionStoreError(`Fetching ${ref} from ${displayUrl(url)} failed: ${gitReason(fetched)}`);
    }
    const commit = await this.revParse(gitDir, wanted);
    return commit ? { found: "commit", commit } : { found: "repo-only", tags: tagNames(listed.refs) };
  }

  /**
   * The store's checkout of owner/repo@ref when it holds one already (pinned and extracted), else
   * undefined: no git, no network, nothing written.
   */
  checkedOut(owner: string, repo: string, ref: string): string | undefined {
    const o = owner.toLowerCase();
    const r = repo.toLowerCase();
    const commit = isFullSha(ref) ? ref.toLowerCase() : this.pins.readSync(o, r, ref)?.commit;
    const dir = commit ? this.checkoutDir(o, r, commit) : undefined;
    return dir && existsSync(dir) ? dir : undefined;
  }

  /**
   * Whether a run could have owner/repo@ref, without fetching anything: undefined when the store
   * holds it (a pin, its own copy) or the mirror lists it (git ls-remote, which asks a remote mirror
   * but downloads nothing; a commit sha the mirror has no ref at is taken as there, as only a fetch
   * could tell); else the error a run would fail with.
   */
  async check(owner: string, repo: string, ref: string): Promise<Error | undefined> {
    try {
      checkActionRef(owner, repo, ref);
    } catch (err) {
      return err as Error;
    }
    const o = owner.toLowerCase();
    const r = repo.toLowerCase();
    if (this.pins.readSync(o, r, ref) || this.checkedOut(o, r, ref)) return undefined;
    const gitDir = this.gitDir(o, r);
    const inStore = await exists(gitDir);
    if (inStore && (await this.revParse(gitDir, ref))) return undefined;
    const name = `${owner}/${repo}@${ref}`;
    const where: string[] = [];
    if (inStore && (await git(["--git-dir", gitDir, "for-each-ref", "--count=1"])).stdout.trim() !== "") {
      where.push("gantry's action store");
    }
    const tags = inStore ? await this.storeTags(gitDir) : [];
    const tried: string[] = [];
    for (const url of this.mirrorUrls(owner, repo)) {
      const listed = await this.listRefs(url);
      if ("reason" in listed) tried.push(`${displayUrl(url)}: ${listed.reason}`);
      else if (refspecsFor(listed.refs, ref)) return undefined;
      else {
        where.push(`the mirror ${displayUrl(url)}`);
        tags.push(...tagNames(listed.refs));
      }
    }
    if (where.length > 0) return new ActionRefNotFoundError(name, ref, where, tags);
    return new ActionNotFoundError(name, tried, this.mirror ? "asked" : "none");
  }

  /** The checkout of `commit`, extracted once (concurrent callers share one extraction). */
  private checkout(owner: string, repo: string, commit: string): Promise<string> {
    const dir = this.checkoutDir(owner, repo, commit);
    let pending = this.extracting.get(dir);
    if (!pending) {
      pending = (async () => {
        if (!(await exists(dir))) {
          const gitDir = this.gitDir(owner, repo);
          await installDir(this.tmp, dir, (tmp) => extractCommit(gitDir, commit, tmp));
        }
        return dir;
      })();
      this.extracting.set(dir, pending);
      pending.catch(() => this.extracting.delete(dir));
    }
    return pending;
  }

  /** Drops what this process remembers of owner/repo@ref, after the store changed it. */
  private forget(key: string): void {
    this.resolving.delete(key);
    this.resolvingLocal.delete(key);
  }

  /** Runs `fn` after every earlier locked call for owner/repo (git operations on one repository). */
  private withRepoLock<T>(owner: string, repo: string, fn: () => Promise<T>): Promise<T> {
    const key = `${owner}/${repo}`;
    const next = (this.repoLocks.get(key) ?? Promise.resolve()).then(fn, fn);
    this.repoLocks.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  private async sweepOnce(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    await sweepTemp(this.tmp, 60 * 60 * 1000);
  }

  /**
   * Puts owner/repo@ref into the store from `from` and pins it: a git URL or repository (its ref),
   * or a plain directory (its files, committed as a snapshot). Returns the pin.
   */
  async add(owner: string, repo: string, ref: string, from: string): Promise<ActionPin> {
    checkActionRef(owner, repo, ref);
    const o = owner.toLowerCase();
    const r = repo.toLowerCase();
    const name = `${owner}/${repo}@${ref}`;
    return this.withRepoLock(o, r, async () => {
      await this.sweepOnce();
      const local = resolvePath(from);
      const isDir = await stat(local).then(
        (s) => s.isDirectory(),
        () => false,
      );
      let commit: string;
      let source: string;
      if (isDir && !(await isGitRepository(local))) {
        commit = await this.snapshot(o, r, ref, local);
        source = `${local} (snapshot)`;
      } else {
        const url = isDir ? local : from;
        const fetched = await this.fetchRef(o, r, url, ref);
        if (fetched.found === "nothing") {
          throw new ActionStoreError(
            `Cannot read a git repository at ${displayUrl(from)}: ${fetched.reason}`,
          );
        }
        if (fetched.found === "repo-only") {
          throw new ActionRefNotFoundError(name, ref, [displayUrl(from)], fetched.tags, displayUrl(from));
        }
        commit = fetched.commit;
        source = displayUrl(url);
      }
      await this.checkout(o, r, commit);
      const pin = { action: name, commit, source, pinnedAt: new Date().toISOString() };
      await this.pins.write(o, r, ref, pin);
      this.forget(`${o}/${r}@${ref}`);
      return pin;
    });
  }

  /** Commits the files of a plain directory (ignored ones too) and tags the commit as `ref`. */
  private async snapshot(owner: string, repo: string, ref: string, dir: string): Promise<string> {
    if (isFullSha(ref)) {
      throw new ActionStoreError(
        `A snapshot of a directory needs a tag or branch name as its ref, not a commit sha ('${ref}')`,
      );
    }
    const gitDir = await this.ensureRepo(owner, repo);
    const index = join(this.tmp, `index-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const env = { ...SNAPSHOT_ENV, GIT_INDEX_FILE: index };
    const step = async (args: string[]) => {
      const out = await git(["--git-dir", gitDir, "--work-tree", dir, ...args], { cwd: dir, env });
      if (out.code !== 0) throw new ActionStoreError(`Snapshot of ${dir} failed: ${gitReason(out)}`);
      return out.stdout.trim();
    };
    try {
      await step(["add", "--all", "--force", "."]);
      const tree = await step(["write-tree"]);
      const commit = await step(["commit-tree", tree, "-m", `Snapshot of ${dir} (gantry actions add)`]);
      await step(["update-ref", `refs/tags/${ref}`, commit]);
      return commit;
    } finally {
      await rm(index, { force: true });
    }
  }

  /** Every pin, sorted by action. */
  list(): Promise<ActionPin[]> {
    return this.pins.list();
  }

  /**
   * Removes owner/repo@ref: its pin, the store's ref of that name, and the checkout when no other
   * pin of the repository uses its commit. Returns the pin removed, or undefined when there was none.
   */
  async remove(owner: string, repo: string, ref: string): Promise<ActionPin | undefined> {
    checkActionRef(owner, repo, ref);
    const o = owner.toLowerCase();
    const r = repo.toLowerCase();
    return this.withRepoLock(o, r, async () => {
      const pin = await this.pins.read(o, r, ref);
      if (!pin) return undefined;
      await this.pins.remove(o, r, ref);
      this.forget(`${o}/${r}@${ref}`);
      const gitDir = this.gitDir(o, r);
      if (await exists(gitDir)) {
        for (const name of [
          `refs/tags/${ref}`,
          `refs/heads/${ref}`,
          `refs/gantry/commits/${ref.toLowerCase()}`,
        ]) {
          await git(["--git-dir", gitDir, "update-ref", "-d", name]);
        }
      }
      const others = (await this.pins.list()).filter(
        (p) => p.commit === pin.commit && p.action.toLowerCase().startsWith(`${o}/${r}@`),
      );
      if (others.length === 0) await removeDir(this.tmp, this.checkoutDir(o, r, pin.commit));
      return pin;
    });
  }
}
