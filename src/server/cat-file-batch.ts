import { type ChildProcess, spawn } from "node:child_process";

/** An object `git cat-file --batch` gave: its id, type and content. */
export interface GitObject {
  oid: string;
  type: "blob" | "tree" | "commit" | "tag";
  content: Buffer;
}

interface Pending {
  resolve(object: GitObject | undefined): void;
  reject(err: Error): void;
}

/** The header of a found object: `<oid> <type> <size>`. */
const HEADER = /^([0-9a-f]{40}|[0-9a-f]{64}) (blob|tree|commit|tag) (\d+)$/;

/** What git reads as one request: a line, so nothing that ends it or that git would not take whole. */
const ASKABLE = /^[^\0\n\r]+$/;

/**
 * One long-lived `git cat-file --batch` in a repository: refs resolved and objects read without a
 * git process each (a process costs ≈ 5 ms idle, far more under load, on the way from an event to
 * its first step). Requests are answered in order; the process ends after `idleMs` without one
 * and starts again on the next. git re-reads a ref's file (and packed-refs when it changed) at each
 * request, and looks for new packs when an object is not found, so a fetch in between is seen.
 * A failure (git gone, the repository not there yet) rejects every request under way: callers fall
 * back to a git process of their own.
 */
export class CatFileBatch {
  private child: ChildProcess | undefined;
  private readonly pending: Pending[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Asked to close while requests were under way: it does once they are answered. */
  private closing = false;

  constructor(
    private readonly gitDir: string,
    private readonly idleMs = 10_000,
  ) {}

  /**
   * The object a name stands for (an object id, `REF^{commit}`, `COMMIT:PATH`, any of git's
   * revision expressions); undefined when git finds none (missing, ambiguous) or the name cannot
   * be asked on one line.
   */
  read(name: string): Promise<GitObject | undefined> {
    if (!ASKABLE.test(name) || name.trim() !== name) return Promise.resolve(undefined);
    const child = this.process();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return new Promise<GitObject | undefined>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      child.stdin?.write(`${name}\n`);
    });
  }

  /** Ends the process once the requests under way are answered; the next request starts another. */
  close(): void {
    if (this.pending.length > 0) {
      this.closing = true;
      return;
    }
    this.closing = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const child = this.child;
    this.child = undefined;
    child?.stdin?.end();
  }

  private process(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn("git", ["cat-file", "--batch"], {
      cwd: this.gitDir,
      stdio: ["pipe", "pipe", "ignore"],
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
    });
    this.child = child;
    this.chunks = [];
    this.buffered = 0;
    // The server's exit never waits for it.
    child.unref();
    for (const s of [child.stdin, child.stdout]) (s as unknown as { unref?: () => void })?.unref?.();
    const fail = (err: Error) => {
      if (this.child === child) this.child = undefined;
      const waiting = this.pending.splice(0);
      for (const p of waiting) p.reject(err);
    };
    child.on("error", fail);
    child.stdin?.on("error", fail);
    child.on("exit", (code, signal) => fail(new Error(`git cat-file exited (${signal ?? code})`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.answer();
    });
    return child;
  }

  /** Answers the requests whose whole answer has arrived. */
  private answer(): void {
    let data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    while (this.pending.length > 0) {
      const eol = data.indexOf(10);
      if (eol < 0) break;
      const header = data.subarray(0, eol).toString("utf8");
      const found = HEADER.exec(header);
      if (!found) {
        // `<name> missing`, `<name> ambiguous`: nothing follows the line.
        data = data.subarray(eol + 1);
        this.pending.shift()?.resolve(undefined);
        continue;
      }
      const size = Number(found[3]);
      const end = eol + 1 + size;
      if (data.length < end + 1) break;
      const content = Buffer.from(data.subarray(eol + 1, end));
      data = data.subarray(end + 1);
      this.pending.shift()?.resolve({ oid: found[1], type: found[2] as GitObject["type"], content });
    }
    this.chunks = data.length > 0 ? [data] : [];
    this.buffered = data.length;
    if (this.pending.length === 0 && this.closing) this.close();
    else if (this.pending.length === 0 && this.child) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.close(), this.idleMs);
      this.timer.unref();
    }
  }
}

/** The entries of a tree object: name, mode and object id (hex). */
export function treeEntries(
  tree: Buffer,
  oidBytes: number,
): Array<{ mode: string; name: string; oid: string }> {
  const entries: Array<{ mode: string; name: string; oid: string }> = [];
  let at = 0;
  while (at < tree.length) {
    const space = tree.indexOf(32, at);
    const nul = tree.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + oidBytes > tree.length) break;
    entries.push({
      mode: tree.subarray(at, space).toString("latin1"),
      name: tree.subarray(space + 1, nul).toString("utf8"),
      oid: tree.subarray(nul + 1, nul + 1 + oidBytes).toString("hex"),
    });
    at = nul + 1 + oidBytes;
  }
  return entries;
}
