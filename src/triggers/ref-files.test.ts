import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commitFiles, makeRemote } from "../../test/git-remote.js";
import { git } from "../../test/harness.js";
import { readRefFiles } from "./ref-files.js";

/** What `git for-each-ref` lists, as readRefs read it before ref-files.ts. */
function forEachRef(gitDir: string): Record<string, string> {
  const out = git(gitDir, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags");
  return Object.fromEntries(
    out
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => [l.slice(l.indexOf(" ") + 1), l.slice(0, l.indexOf(" "))]),
  );
}

describe("readRefFiles", () => {
  it("lists the branches and tags for-each-ref lists: loose, packed, nested, annotated", () => {
    const r = makeRemote({ "a.txt": "1" });
    const first = git(r.work, "rev-parse", "HEAD");
    git(r.work, "tag", "-a", "-m", "v1", "v1");
    git(r.work, "tag", "light");
    git(r.work, "branch", "feat/deep/er");
    git(r.work, "push", "-q", "origin", "--all");
    git(r.work, "push", "-q", "origin", "--tags");
    git(r.origin, "pack-refs", "--all");
    // Loose ones over the packed file: a branch moved since, a new one, a tag.
    commitFiles(r.work, { "a.txt": "2" });
    git(r.work, "branch", "loose");
    git(r.work, "tag", "-a", "-m", "v2", "v2");
    git(r.work, "push", "-q", "origin", "main", "loose", "v2");
    git(r.origin, "update-ref", "refs/notes/x", first); // not a branch or tag: not listed
    writeFileSync(join(r.origin, "refs", "heads", "busy.lock"), `${first}\n`); // a ref being written
    const refs = readRefFiles(r.origin);
    expect(refs).toEqual(forEachRef(r.origin));
    expect(Object.keys(refs ?? {})).toContain("refs/heads/feat/deep/er");
    expect(Object.keys(refs ?? {})).toContain("refs/tags/v2");
  });

  it("leaves to git what it cannot read with certainty: a symbolic ref, a reftable repository", () => {
    const r = makeRemote({ "a.txt": "1" });
    writeFileSync(join(r.origin, "refs", "heads", "alias"), "ref: refs/heads/main\n");
    expect(readRefFiles(r.origin)).toBeUndefined();
    const s = makeRemote({ "a.txt": "1" });
    mkdirSync(join(s.origin, "reftable"));
    expect(readRefFiles(s.origin)).toBeUndefined();
  });
});
