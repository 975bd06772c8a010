import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git, makeRepo } from "../../test/harness.js";
import { readBranchRef } from "./workflow-run-chain.js";

describe("readBranchRef", () => {
  it("reads a branch's commit from a bare clone, packed or loose, as git resolves it", () => {
    const work = makeRepo({ files: { "a.txt": "1" } });
    const bare = join(mkdtempSync(join(tmpdir(), "gantry-refs-")), "app.git");
    git(work, "clone", "-q", "--mirror", work, bare);
    // A fresh mirror keeps its refs in packed-refs.
    expect(readBranchRef(bare, "refs/heads/main")).toBe(git(bare, "rev-parse", "refs/heads/main"));
    git(work, "commit", "-q", "--allow-empty", "-m", "two");
    git(bare, "fetch", "-q", "origin");
    // A fetched branch is a loose ref, newer than its packed line.
    expect(readBranchRef(bare, "refs/heads/main")).toBe(git(work, "rev-parse", "HEAD"));
    expect(readBranchRef(bare, "refs/heads/nope")).toBeUndefined();
  });
});
