import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gitAsTester as git } from "../../test/harness.js";
import { CatFileBatch, treeEntries } from "./cat-file-batch.js";

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-catfile-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, "init", "-q", "-b", "main");
  mkdirSync(join(dir, "sub dir"));
  writeFileSync(join(dir, "a.yml"), "one\n");
  writeFileSync(join(dir, "sub dir", "b c.yml"), "two\n");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "first");
  return dir;
}

function batch(dir: string): CatFileBatch {
  const b = new CatFileBatch(dir);
  cleanup.push(() => b.close());
  return b;
}

describe("CatFileBatch", () => {
  it("resolves refs and reads files, trees and missing names in order, from one process", async () => {
    const dir = repo();
    const b = batch(dir);
    const head = git(dir, "rev-parse", "HEAD");
    const [commit, file, spaced, missing, tree] = await Promise.all([
      b.read("refs/heads/main^{commit}"),
      b.read(`${head}:a.yml`),
      b.read(`${head}:sub dir/b c.yml`),
      b.read("refs/heads/nope^{commit}"),
      b.read(`${head}:sub dir`),
    ]);
    expect(commit).toMatchObject({ oid: head, type: "commit" });
    expect(file?.content.toString()).toBe("one\n");
    expect(spaced?.content.toString()).toBe("two\n");
    expect(missing).toBeUndefined();
    expect(tree?.type).toBe("tree");
    const entries = treeEntries(tree?.content ?? Buffer.alloc(0), 20);
    expect(entries).toEqual([
      { mode: "100644", name: "b c.yml", oid: git(dir, "rev-parse", `${head}:sub dir/b c.yml`) },
    ]);
  });

  it("sees a commit made and a ref moved after it started", async () => {
    const dir = repo();
    const b = batch(dir);
    const first = await b.read("refs/heads/main^{commit}");
    writeFileSync(join(dir, "a.yml"), "changed\n");
    git(dir, "commit", "-q", "-am", "second");
    git(dir, "pack-refs", "--all");
    const second = await b.read("refs/heads/main^{commit}");
    expect(second?.oid).toBe(git(dir, "rev-parse", "HEAD"));
    expect(second?.oid).not.toBe(first?.oid);
    expect((await b.read("refs/heads/main:a.yml"))?.content.toString()).toBe("changed\n");
  });

  it("answers nothing for a name that is not one line, and starts again after close", async () => {
    const dir = repo();
    const b = batch(dir);
    expect(await b.read("refs/heads/main\nHEAD")).toBeUndefined();
    expect(await b.read(" HEAD")).toBeUndefined();
    b.close();
    expect((await b.read("HEAD:a.yml"))?.content.toString()).toBe("one\n");
  });

  it("rejects when git cannot read the folder (the caller falls back)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-catfile-none-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    await expect(batch(join(dir, "gone")).read("HEAD")).rejects.toThrow();
  });
});
