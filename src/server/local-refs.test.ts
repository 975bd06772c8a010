import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { gitAsTester as git } from "../../test/harness.js";
import { localGitDir, readStoredRef } from "./local-refs.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function work(): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-refs-"));
  dirs.push(dir);
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(join(dir, "f"), "x");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "x");
  return dir;
}

describe("local refs", () => {
  it("finds the git folder of a work tree, a bare repository and a file URL; not of a remote", () => {
    const dir = work();
    const bare = `${dir}-bare.git`;
    dirs.push(bare);
    git(dir, "clone", "-q", "--bare", dir, bare);
    expect(localGitDir(dir)).toBe(join(dir, ".git"));
    expect(localGitDir(bare)).toBe(bare);
    expect(localGitDir(pathToFileURL(bare).href)).toBe(bare);
    expect(localGitDir("https://example.com/o/r.git")).toBeUndefined();
    expect(localGitDir("git@example.com:o/r.git")).toBeUndefined();
    expect(localGitDir("relative/path")).toBeUndefined();
    expect(localGitDir(join(dir, "f"))).toBeUndefined();
  });

  it("reads loose and packed refs as git stores them; a symbolic ref or a bad name is unknown", () => {
    const dir = work();
    const gitDir = join(dir, ".git");
    const head = git(dir, "rev-parse", "HEAD");
    expect(readStoredRef(gitDir, "refs/heads/main")).toBe(head);
    git(dir, "tag", "-a", "-m", "t", "v1");
    git(dir, "pack-refs", "--all");
    expect(readStoredRef(gitDir, "refs/heads/main")).toBe(head);
    // The tag object's id, as stored, not the commit it points at.
    expect(readStoredRef(gitDir, "refs/tags/v1")).toBe(git(dir, "rev-parse", "v1"));
    expect(readStoredRef(gitDir, "refs/heads/none")).toBeNull();
    git(dir, "branch", "a/b");
    expect(readStoredRef(gitDir, "refs/heads/a")).toBeNull();
    git(dir, "symbolic-ref", "refs/heads/alias", "refs/heads/main");
    expect(readStoredRef(gitDir, "refs/heads/alias")).toBe("unknown");
    expect(readStoredRef(gitDir, "refs/heads/../../config")).toBe("unknown");
    expect(readStoredRef(gitDir, "HEAD")).toBe("unknown");
  });
});
