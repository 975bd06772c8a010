import { changedBetween, gitOut, lines } from "../triggers/index.js";
import type { LocalRepo } from "./read-checkout.js";

export { COMMIT_FORMAT, type LocalRepo, readLocalRepo, readLocalRepoAsync } from "./read-checkout.js";

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
