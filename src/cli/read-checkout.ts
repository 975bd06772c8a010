// Reads the checkout `gantry run` starts in (its top folder, HEAD, branch, origin, user) with git.
// main.ts starts this before it loads the run's code, so this file imports nothing but Node.js:
// git then reads the checkout on another core while this process loads and compiles the rest.
import { execFile, execFileSync } from "node:child_process";
import { basename } from "node:path";

/** What a push event's payload says of its commit: `git log -1 --format=COMMIT_FORMAT <commit>`. */
export const COMMIT_FORMAT = "parents:%P%n%T%n%cI%n%an%n%ae%n%cn%n%ce%n%B";

export interface LocalRepo {
  root: string;
  owner: string;
  name: string;
  sha: string;
  /** Current branch, undefined on a detached HEAD. */
  branch: string | undefined;
  /** The full ref the checkout stands for: its branch, or on a detached HEAD a ref at HEAD ("" if none). */
  ref: string;
  defaultBranch: string;
  actor: string;
  actorEmail: string;
  /** HEAD's commit in COMMIT_FORMAT, when it was read with the checkout (readLocalRepoAsync). */
  headCommit?: string;
}

const OPTIONS = { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 } as const;

/** git's output, trimmed; undefined when git fails. Blocks. */
function gitSync(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { ...OPTIONS, cwd, stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** git's output, trimmed; undefined when git fails. git runs beside this process. */
export function gitText(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = execFile("git", args, { ...OPTIONS, cwd }, (err, stdout) =>
      resolve(err ? undefined : stdout.trim()),
    );
    child.stdin?.end();
  });
}

/** A word for the shell: single-quoted. */
function shellWord(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * Several git commands' outputs (each trimmed; undefined where git failed), run one after another
 * by one `sh`: starting a process costs this one a fork of its whole memory (milliseconds on a
 * VM, during which it does nothing else), the shell's own forks cost little. The commands whose
 * index is in `ifDetached` run only when the first command's output ends with a line `HEAD` (what
 * `rev-parse --symbolic-full-name HEAD` says on a detached HEAD); otherwise they answer undefined.
 */
export function gitBatch(
  cwd: string,
  commands: string[][],
  ifDetached: ReadonlySet<number> = new Set(),
): Promise<(string | undefined)[]> {
  // Ends each command's output with a line that no output holds: the mark, and git's exit status.
  const mark = `gantry-${process.pid}-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const ended = `printf '\\n%s %s\\n' "$0" "$?"`;
  const script = commands
    .map((args, i) => {
      const git = `git ${args.map(shellWord).join(" ")} 2>/dev/null`;
      if (i === 0)
        return `first=$(${git}); status=$?; printf '%s' "$first"; printf '\\n%s %s\\n' "$0" "$status"`;
      if (!ifDetached.has(i)) return `${git}; ${ended}`;
      return `case "$first" in *"\nHEAD") ${git}; ${ended};; *) printf '\\n%s skipped\\n' "$0";; esac`;
    })
    .join("\n");
  return new Promise((resolve) => {
    const child = execFile("sh", ["-c", script, mark], { ...OPTIONS, cwd }, (err, stdout) => {
      const parts = err ? [] : stdout.split(`\n${mark} `);
      resolve(
        commands.map((_, i) => {
          const part = parts[i];
          const status = parts[i + 1]?.split("\n", 1)[0];
          if (part === undefined || status !== "0") return undefined;
          return (i === 0 ? part : part.slice(part.indexOf("\n") + 1)).trim();
        }),
      );
    });
    child.stdin?.end();
  });
}

/**
 * The git commands that read the checkout. Each runs from the folder gantry was started in (git
 * finds the top folder itself), so none waits for another's answer.
 */
const QUERIES = {
  // The top folder, HEAD's commit and the ref HEAD names ("HEAD" itself when detached), in one.
  head: ["rev-parse", "--show-toplevel", "HEAD", "--symbolic-full-name", "HEAD"],
  config: ["config", "--get-regexp", "^(remote\\.origin\\.url|user\\.name|user\\.email)$"],
  // For the default branch: origin's HEAD, else main, else master.
  refs: [
    "for-each-ref",
    "--format=%(refname) %(symref)",
    "refs/remotes/origin/HEAD",
    "refs/heads/main",
    "refs/heads/master",
  ],
  headCommit: ["log", "-1", `--format=${COMMIT_FORMAT}`, "HEAD"],
  // The refs at HEAD, for a detached HEAD (see refAtHead).
  atHead: [
    "for-each-ref",
    "--points-at",
    "HEAD",
    "--format=%(refname)",
    "refs/heads",
    "refs/remotes/origin",
    "refs/tags",
  ],
};

/** Reads what the github context needs from the checkout gantry was started in. */
export function readLocalRepo(cwd: string): LocalRepo {
  // Few git processes: each costs milliseconds, and this runs before the first step.
  const head = headOf(cwd, gitSync(cwd, QUERIES.head));
  const repo = repoFrom(head, gitSync(cwd, QUERIES.config), gitSync(cwd, QUERIES.refs));
  return repo.branch ? repo : { ...repo, ref: refAtHead(gitSync(cwd, QUERIES.atHead)) };
}

/**
 * readLocalRepo without blocking (git runs in one `sh` of its own: see gitBatch), HEAD's commit
 * read too (a push event's payload describes it), and the refs at HEAD on a detached HEAD (the
 * same `sh` asks them only then: four git processes on a branch, five detached).
 */
export async function readLocalRepoAsync(cwd: string): Promise<LocalRepo> {
  const { head, config, refs, headCommit, atHead } = QUERIES;
  const answers = await gitBatch(cwd, [head, config, refs, headCommit, atHead], new Set([4]));
  const repo = repoFrom(headOf(cwd, answers[0]), answers[1], answers[2]);
  const ref = repo.branch ? repo.ref : refAtHead(answers[4]);
  return answers[3] === undefined ? { ...repo, ref } : { ...repo, ref, headCommit: answers[3] };
}

/** The top folder, HEAD's commit and its ref from the `head` query; throws outside a repository. */
function headOf(cwd: string, text: string | undefined): { root: string; sha: string; head: string } {
  const [root, sha, head = ""] = (text ?? "").split("\n");
  if (!sha) {
    const top = gitSync(cwd, ["rev-parse", "--show-toplevel"]);
    if (!top) throw new Error(`${cwd} is not inside a git repository`);
    throw new Error(`${top} has no commits yet: commit something first`);
  }
  return { root, sha, head };
}

/** The checkout from git's answers; `ref` is "" on a detached HEAD (see refAtHead). */
function repoFrom(
  { root, sha, head }: { root: string; sha: string; head: string },
  configText: string | undefined,
  refText: string | undefined,
): LocalRepo {
  const branch = head.startsWith("refs/heads/") ? head.slice("refs/heads/".length) : undefined;
  const config = new Map<string, string>();
  for (const line of (configText ?? "").split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) config.set(line.slice(0, space), line.slice(space + 1));
  }
  const m = /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(config.get("remote.origin.url") ?? "");
  const refs = new Map<string, string>();
  for (const line of (refText ?? "").split("\n")) {
    const [name, target] = line.split(" ");
    if (name) refs.set(name, target ?? "");
  }
  const originHead = refs.get("refs/remotes/origin/HEAD")?.replace(/^refs\/remotes\/origin\//, "");
  const defaultBranch =
    originHead || ["main", "master"].find((b) => refs.has(`refs/heads/${b}`)) || branch || "main";
  return {
    root,
    owner: m ? m[1] : "local",
    name: m ? m[2] : basename(root),
    sha,
    branch,
    ref: branch ? `refs/heads/${branch}` : "",
    defaultBranch,
    actor: config.get("user.name") || process.env.USER || "gantry",
    actorEmail: config.get("user.email") || "",
  };
}

/**
 * The ref a detached HEAD stands for (CI systems check out detached), from the refs at HEAD: a
 * local branch, else origin's branch, else a tag; "" when no ref points at HEAD.
 */
function refAtHead(text: string | undefined): string {
  const refs = (text ?? "").split("\n").filter((l) => l !== "");
  const local = refs.find((r) => r.startsWith("refs/heads/"));
  const remote = refs.find((r) => r.startsWith("refs/remotes/origin/") && r !== "refs/remotes/origin/HEAD");
  const tag = refs.find((r) => r.startsWith("refs/tags/"));
  return local ?? remote?.replace(/^refs\/remotes\/origin\//, "refs/heads/") ?? tag ?? "";
}
