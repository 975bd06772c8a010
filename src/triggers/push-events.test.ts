import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gitAsTester as git } from "../../test/harness.js";
import { pushEvents, readLinearPush, walkKey } from "./push-events.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const repoIdentity = { owner: "o", name: "r", defaultBranch: "main", cloneUrl: "/nowhere" };

/** A commit's raw content, as the server's clone reads it through cat-file. */
const reader = (dir: string) => async (id: string) => {
  try {
    return execFileSync("git", ["cat-file", "commit", id], { cwd: dir });
  } catch {
    return undefined;
  }
};

function commitAs(dir: string, file: string, message: string, env: Record<string, string>): string {
  writeFileSync(join(dir, file), message);
  git(dir, "add", file);
  execFileSync("git", ["commit", "-q", "-F", "-"], {
    cwd: dir,
    input: message,
    env: { ...process.env, ...env },
  });
  return git(dir, "rev-parse", "HEAD");
}

describe("readLinearPush", () => {
  it("reads a push's commits as git log does: names, offsets, messages", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-walk-"));
    dirs.push(dir);
    git(dir, "init", "-q", "-b", "main");
    const before = commitAs(dir, "a", "first", {});
    commitAs(dir, "b", "  Ünïcode subject\n\nbody with\r\nCRLF and trailing spaces   \n\n\n", {
      GIT_AUTHOR_NAME: "Zoë Ä. O'Brien",
      GIT_AUTHOR_EMAIL: "zoe@example.com",
      GIT_AUTHOR_DATE: "1700000000 -0330",
      GIT_COMMITTER_NAME: "Κώστας",
      GIT_COMMITTER_EMAIL: "k@example.gr",
      GIT_COMMITTER_DATE: "1700000000 +0545",
    });
    commitAs(dir, "c", "utc", { GIT_COMMITTER_DATE: "946684799 +0000" });
    const after = commitAs(dir, "d", "west", { GIT_COMMITTER_DATE: "4000000000 -1200" });
    const update = { ref: "refs/heads/main", before, after };
    const walk = await readLinearPush(reader(dir), { before, after });
    expect(walk?.shas).toEqual(git(dir, "rev-list", `${before}..${after}`).split("\n"));
    const input = {
      gitDir: dir,
      repo: repoIdentity,
      updates: [update],
      refsBefore: { "refs/heads/main": before },
    };
    const fromGit = pushEvents(input);
    const walked = pushEvents({ ...input, walks: new Map(walk ? [[walkKey(update), walk]] : []) });
    expect(walked.map((e) => e.payload)).toEqual(fromGit.map((e) => e.payload));
    expect(fromGit[0].payload.commits).toHaveLength(3);
    // Nothing pushed past before: no commits, not forced.
    expect(await readLinearPush(reader(dir), { before: after, after })).toEqual({
      shas: [],
      commits: new Map(),
      forced: false,
    });
  });

  it("leaves to git a merge, a history that does not reach before, and another encoding", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-walk-"));
    dirs.push(dir);
    git(dir, "init", "-q", "-b", "main");
    const base = commitAs(dir, "a", "first", {});
    git(dir, "checkout", "-q", "-b", "side");
    const side = commitAs(dir, "s", "side", {});
    git(dir, "checkout", "-q", "main");
    commitAs(dir, "m", "main", {});
    git(dir, "merge", "-q", "--no-edit", "side");
    const merge = git(dir, "rev-parse", "HEAD");
    expect(await readLinearPush(reader(dir), { before: base, after: merge })).toBeUndefined();
    // `before` not below `after` (a force push): down to the root, then left to git.
    expect(await readLinearPush(reader(dir), { before: merge, after: side })).toBeUndefined();
    git(dir, "checkout", "-q", "side");
    git(dir, "config", "i18n.commitEncoding", "ISO-8859-1");
    const latin = commitAs(dir, "l", "latin", {});
    expect(await readLinearPush(reader(dir), { before: side, after: latin })).toBeUndefined();
  });
});
