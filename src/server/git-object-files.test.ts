import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gitAsTester as git } from "../../test/harness.js";
import {
  looseObjectPath,
  MAX_OBJECT_BYTES,
  objectLinks,
  PackedObjects,
  readLooseObject,
} from "./git-object-files.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-objects-"));
  dirs.push(dir);
  git(dir, "init", "-q", "-b", "main");
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "sub", "a.txt"), "a\n");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "one");
  writeFileSync(join(dir, "b.txt"), "b\n");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "two");
  return join(dir, ".git");
}

describe("git object files", () => {
  it("reads loose objects as git has them, with the objects each names", () => {
    const gitDir = repo();
    const head = git(gitDir, "rev-parse", "HEAD");
    const commit = readLooseObject(gitDir, head);
    if (commit === undefined || commit === "unknown") throw new Error("no commit");
    expect(commit.type).toBe("commit");
    expect(objectLinks(commit, 40)).toEqual([
      git(gitDir, "rev-parse", "HEAD^{tree}"),
      git(gitDir, "rev-parse", "HEAD~1"),
    ]);
    const tree = readLooseObject(gitDir, git(gitDir, "rev-parse", "HEAD^{tree}"));
    if (tree === undefined || tree === "unknown") throw new Error("no tree");
    expect(objectLinks(tree, 40)).toEqual([
      git(gitDir, "rev-parse", "HEAD:b.txt"),
      git(gitDir, "rev-parse", "HEAD:sub"),
    ]);
    expect(readLooseObject(gitDir, "0".repeat(40))).toBeUndefined();
  });

  it("takes no file whose content is not the object its name says", () => {
    const gitDir = repo();
    const blob = git(gitDir, "rev-parse", "HEAD:b.txt");
    const other = git(gitDir, "rev-parse", "HEAD:sub/a.txt");
    // Another object's file under this one's name: read, but refused.
    rmSync(looseObjectPath(gitDir, blob));
    copyFileSync(looseObjectPath(gitDir, other), looseObjectPath(gitDir, blob));
    expect(readLooseObject(gitDir, blob)).toBe("unknown");
    // Not zlib at all.
    writeFileSync(looseObjectPath(gitDir, other), "plain text");
    expect(readLooseObject(gitDir, other)).toBe("unknown");
    // A small file that inflates past the limit: not inflated whole.
    const dir = dirname(gitDir);
    writeFileSync(join(dir, "zeros"), Buffer.alloc(MAX_OBJECT_BYTES + 1));
    const big = git(dir, "hash-object", "-w", "zeros");
    expect(readLooseObject(gitDir, big)).toBe("unknown");
  });

  it("refuses a tree that does not end where its last entry does", () => {
    const oid = "a".repeat(40);
    const entry = Buffer.concat([Buffer.from("100644 f\0"), Buffer.from(oid, "hex")]);
    const file = Buffer.alloc(0);
    expect(objectLinks({ type: "tree", content: entry, file }, 40)).toEqual([oid]);
    expect(objectLinks({ type: "tree", content: entry.subarray(0, -1), file }, 40)).toBe("unknown");
    expect(objectLinks({ type: "tree", content: Buffer.concat([entry, Buffer.from("1")]), file }, 40)).toBe(
      "unknown",
    );
    const submodule = Buffer.concat([Buffer.from("160000 m\0"), Buffer.from(oid, "hex")]);
    expect(objectLinks({ type: "tree", content: submodule, file }, 40)).toEqual([]);
  });

  it("finds objects in the packs' indexes; alternates make every answer unknown", () => {
    const gitDir = repo();
    const head = git(gitDir, "rev-parse", "HEAD");
    const none = new PackedObjects(gitDir, 40);
    expect(none.has(head)).toBe(false);
    none.close();
    git(gitDir, "repack", "-q", "-a", "-d");
    const packed = new PackedObjects(gitDir, 40);
    for (const name of ["HEAD", "HEAD~1", "HEAD:b.txt", "HEAD:sub", "HEAD~1^{tree}"])
      expect(packed.has(git(gitDir, "rev-parse", name))).toBe(true);
    expect(packed.has("f".repeat(40))).toBe(false);
    expect(packed.has("0".repeat(40))).toBe(false);
    packed.close();
    const alternates = join(gitDir, "objects", "info", "alternates");
    mkdirSync(dirname(alternates), { recursive: true });
    writeFileSync(alternates, "/nowhere/objects\n");
    const shared = new PackedObjects(gitDir, 40);
    expect(shared.has(head)).toBe("unknown");
    shared.close();
  });
});
