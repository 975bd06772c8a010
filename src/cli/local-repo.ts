import { basename } from "node:path";
import { changedBetween, gitOut, lines } from "../triggers/index.js";

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
}

/** Reads what the github context needs from the checkout gantry was started in. */
export function readLocalRepo(cwd: string): LocalRepo {
  // Few git processes: each costs milliseconds, and this runs before the first step.
  // The top folder, HEAD's commit and the ref HEAD names ("HEAD" itself when detached), in one.
  const [root, sha, head = ""] = (
    gitOut(cwd, ["rev-parse", "--show-toplevel", "HEAD", "--symbolic-full-name", "HEAD"]) ?? ""
  ).split("\n");
  if (!sha) {
    const top = gitOut(cwd, ["rev-parse", "--show-toplevel"]);
    if (!top) throw new Error(`${cwd} is not inside a git repository`);
    throw new Error(`${top} has no commits yet: commit something first`);
  }
  const branch = head.startsWith("refs/heads/") ? head.slice("refs/heads/".length) : undefined;
  const config = new Map<string, string>();
  const configText = gitOut(root, [
    "config",
    "--get-regexp",
    "^(remote\\.origin\\.url|user\\.name|user\\.email)$",
  ]);
  for (const line of (configText ?? "").split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) config.set(line.slice(0, space), line.slice(space + 1));
  }
  const m = /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(config.get("remote.origin.url") ?? "");
  const refs = new Map<string, string>();
  const refText = gitOut(root, [
    "for-each-ref",
    "--format=%(refname) %(symref)",
    "refs/remotes/origin/HEAD",
    "refs/heads/main",
    "refs/heads/master",
  ]);
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
    ref: branch ? `refs/heads/${branch}` : refAtHead(root),
    defaultBranch,
    actor: config.get("user.name") || process.env.USER || "gantry",
    actorEmail: config.get("user.email") || "",
  };
}

/**
 * The ref a detached HEAD stands for (CI systems check out detached): a local branch at HEAD, else
 * origin's branch at HEAD, else a tag at HEAD; "" when no ref points at HEAD.
 */
function refAtHead(root: string): string {
  const refs = lines(
    gitOut(root, [
      "for-each-ref",
      "--points-at",
      "HEAD",
      "--format=%(refname)",
      "refs/heads",
      "refs/remotes/origin",
      "refs/tags",
    ]),
  );
  const local = refs.find((r) => r.startsWith("refs/heads/"));
  const remote = refs.find((r) => r.startsWith("refs/remotes/origin/") && r !== "refs/remotes/origin/HEAD");
  const tag = refs.find((r) => r.startsWith("refs/tags/"));
  return local ?? remote?.replace(/^refs\/remotes\/origin\//, "refs/heads/") ?? tag ?? "";
}

/** Turns `main`, `v1.0` or a full ref into a full ref, preferring what exists locally. */
export function fullRef(repo: LocalRepo, ref: string | undefined): string {
  if (!ref) return repo.ref;
  if (ref.startsWith("refs/")) return ref;
  if (gitOut(repo.root, ["rev-parse", "--verify", "-q", `refs/tags/${ref}`])) return `refs/tags/${ref}`;
  return `refs/heads/${ref}`;
}

/** Files changed in the working tree against HEAD: modified, deleted and untracked, not ignored. */
export function workingTreeChanges(root: string): string[] {
  return [
    ...lines(gitOut(root, ["diff", "--name-only", "HEAD"])),
    ...lines(gitOut(root, ["ls-files", "--others", "--exclude-standard"])),
  ];
}

/** Files the HEAD commit changed against its parent (all its files for a root commit). */
export function headCommitChanges(root: string): string[] {
  const parent = gitOut(root, ["rev-parse", "--verify", "-q", "HEAD~1"]);
  if (parent) return changedBetween(root, parent, "HEAD") ?? [];
  return lines(gitOut(root, ["ls-tree", "-r", "--name-only", "HEAD"]));
}
