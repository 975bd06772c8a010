import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git, makeRepo } from "../../test/harness.js";
import { workflowMatches } from "../workflow/index.js";
import { MAX_CHANGED_FILES, pullRequestChangedFiles, pushChangedFiles } from "./changed-files.js";
import { ZERO_SHA } from "./git.js";

/** Writes the files and commits them; returns the new commit's id. */
function commit(dir: string, files: Record<string, string>, message = "change"): string {
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

function sorted(files: string[] | null): string[] | null {
  return files === null ? null : [...files].sort();
}

describe("pushChangedFiles", () => {
  it("diffs an existing branch's before and after directly (every commit of the push)", () => {
    const dir = makeRepo({ files: { "a.txt": "1", "b.txt": "1", "c.txt": "1" } });
    const before = git(dir, "rev-parse", "HEAD");
    commit(dir, { "a.txt": "2" });
    const after = commit(dir, { "b.txt": "2" });
    expect(sorted(pushChangedFiles(dir, { before, after, existing: [] }))).toEqual(["a.txt", "b.txt"]);
  });

  it("diffs a new branch against its fork point, not against what the default branch did since", () => {
    const dir = makeRepo({ files: { "a.txt": "1", "m.txt": "1" } });
    git(dir, "checkout", "-q", "-b", "feature");
    commit(dir, { "f1.txt": "1" });
    const after = commit(dir, { "f2.txt": "1" });
    git(dir, "checkout", "-q", "main");
    const main = commit(dir, { "m.txt": "2" });
    expect(sorted(pushChangedFiles(dir, { before: ZERO_SHA, after, existing: [main] }))).toEqual([
      "f1.txt",
      "f2.txt",
    ]);
  });

  it("a branch created at a commit the repository already had changed nothing", () => {
    const dir = makeRepo({ files: { "a.txt": "1" } });
    const head = git(dir, "rev-parse", "HEAD");
    expect(pushChangedFiles(dir, { before: ZERO_SHA, after: head, existing: [head] })).toEqual([]);
  });

  it("a new branch with no history in common lists every file of its tip", () => {
    const dir = makeRepo({ files: { "a.txt": "1" } });
    const main = git(dir, "rev-parse", "HEAD");
    git(dir, "checkout", "-q", "--orphan", "pages");
    git(dir, "rm", "-q", "-rf", ".");
    const after = commit(dir, { "index.html": "x", "style.css": "y" });
    expect(sorted(pushChangedFiles(dir, { before: ZERO_SHA, after, existing: [main] }))).toEqual([
      "index.html",
      "style.css",
    ]);
  });

  it("a deleted branch changed nothing", () => {
    const dir = makeRepo({ files: { "a.txt": "1" } });
    const head = git(dir, "rev-parse", "HEAD");
    expect(pushChangedFiles(dir, { before: head, after: ZERO_SHA, existing: [] })).toEqual([]);
  });

  it("a forced push diffs the old tip against the new one, dropped commits included", () => {
    const dir = makeRepo({ files: { "a.txt": "1", "b.txt": "1" } });
    const base = git(dir, "rev-parse", "HEAD");
    const before = commit(dir, { "a.txt": "2" });
    git(dir, "reset", "-q", "--hard", base);
    const after = commit(dir, { "b.txt": "2" });
    // a.txt differs between the two tips (the rewrite dropped its change), b.txt changed anew.
    expect(sorted(pushChangedFiles(dir, { before, after, existing: [] }))).toEqual(["a.txt", "b.txt"]);
  });

  it("lists renames under both names", () => {
    const dir = makeRepo({ files: { "src/tool.ts": "export const x = 1;\n".repeat(20) } });
    const before = git(dir, "rev-parse", "HEAD");
    git(dir, "mv", "src/tool.ts", "tool.ts");
    git(dir, "commit", "-q", "-m", "move");
    const after = git(dir, "rev-parse", "HEAD");
    expect(sorted(pushChangedFiles(dir, { before, after, existing: [] }))).toEqual([
      "src/tool.ts",
      "tool.ts",
    ]);
  });

  it("keeps paths as they are (no quoting of unusual characters)", () => {
    const dir = makeRepo({ files: { "a.txt": "1" } });
    const before = git(dir, "rev-parse", "HEAD");
    const after = commit(dir, { "naïve file.txt": "1" });
    expect(pushChangedFiles(dir, { before, after, existing: [] })).toEqual(["naïve file.txt"]);
  });

  it("matches paths filters against the first 300 files only, in path order (GitHub's diff limit)", () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < MAX_CHANGED_FILES; i++) files[`a${String(i).padStart(3, "0")}.txt`] = "x";
    files["z-last.txt"] = "x";
    const dir = makeRepo({ files: { "seed.txt": "1" } });
    const before = git(dir, "rev-parse", "HEAD");
    const after = commit(dir, files);
    const changed = pushChangedFiles(dir, { before, after, existing: [] });
    expect(changed).toHaveLength(MAX_CHANGED_FILES);
    expect(changed).not.toContain("z-last.txt");
    const event = { name: "push", payload: {}, ref: "refs/heads/main", changedFiles: () => changed };
    expect(workflowMatches({ push: { paths: ["z-*"] } }, event)).toBe(false);
    expect(workflowMatches({ push: { paths: ["a299.txt"] } }, event)).toBe(true);
  });

  it("gives no list for a push of over 1,000 commits: every workflow runs, paths filters or not", () => {
    const dir = makeRepo({ files: { "seed.txt": "1" } });
    const before = git(dir, "rev-parse", "HEAD");
    // 1,001 commits in one git process, each touching docs/n.txt.
    let stream = "";
    for (let i = 1; i <= 1001; i++) {
      const content = `${i}\n`;
      stream += `commit refs/heads/main\ncommitter T <t@example.com> ${1700000000 + i} +0000\n`;
      stream += `data 2\nc\n${i === 1 ? `from ${before}\n` : ""}M 100644 inline docs/${i}.txt\ndata ${content.length}\n${content}\n`;
    }
    execFileSync("git", ["fast-import", "--quiet"], { cwd: dir, input: stream });
    const after = git(dir, "rev-parse", "refs/heads/main");
    expect(pushChangedFiles(dir, { before, after, existing: [] })).toBeNull();
    const event = { name: "push", payload: {}, ref: "refs/heads/main", changedFiles: () => null };
    expect(workflowMatches({ push: { paths: ["src/**"] } }, event)).toBe(true);
    expect(workflowMatches({ push: { "paths-ignore": ["docs/**"] } }, event)).toBe(true);
    // One commit fewer is diffed as usual: only docs changed, so the src/** filter does not match.
    const fewer = git(dir, "rev-parse", "refs/heads/main~1");
    const diffed = pushChangedFiles(dir, { before, after: fewer, existing: [] });
    expect(diffed).toHaveLength(MAX_CHANGED_FILES);
    expect(workflowMatches({ push: { paths: ["src/**"] } }, { ...event, changedFiles: () => diffed })).toBe(
      false,
    );
  });
});

describe("pullRequestChangedFiles", () => {
  it("diffs head against its merge base with base (three-dot): base's later changes are not the PR's", () => {
    const dir = makeRepo({ files: { "a.txt": "1", "m.txt": "1" } });
    git(dir, "checkout", "-q", "-b", "feature");
    commit(dir, { "f.txt": "1" });
    git(dir, "merge", "-q", "--no-edit", "main");
    const head = commit(dir, { "a.txt": "2" });
    git(dir, "checkout", "-q", "main");
    const base = commit(dir, { "m.txt": "2" });
    expect(sorted(pullRequestChangedFiles(dir, base, head))).toEqual(["a.txt", "f.txt"]);
  });
});
