import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gitAsTester as git } from "../../test/harness.js";
import { RunnerClient } from "./client.js";
import { jobSource } from "./job-source.js";

describe("jobSource", () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it("gives the runner's mirror as the job's source, with no git process for a commit it knows it has", async () => {
    const base = mkdtempSync(join(tmpdir(), "job-source-"));
    const repo = join(base, "repo");
    mkdirSync(repo);
    git(repo, "init", "--quiet");
    writeFileSync(join(repo, "README.md"), "hello\n");
    git(repo, "add", ".");
    git(repo, "commit", "--quiet", "-m", "one");
    const sha = git(repo, "rev-parse", "HEAD");
    const work = join(base, "work");
    const mirror = join(work, "repos", "acme", "app.git");
    git(base, "clone", "--quiet", "--bare", repo, mirror);
    // Nothing listens there: a fetch would fail.
    const client = new RunnerClient(["http://127.0.0.1:9"], "runner-credential");
    const job = { id: 7, repository: { owner: "acme", name: "app" }, sha };

    expect(await jobSource(client, work, job)).toBe(mirror);
    // Its gc never prunes a commit fetched by its sha (no ref names it).
    expect(git(mirror, "config", "gc.pruneExpire")).toBe("never");
    // No worktree per job beside the mirror.
    expect(git(mirror, "worktree", "list").split("\n")).toHaveLength(1);
    // A later job of the commit: no git at all (none could start without a PATH).
    process.env.PATH = join(base, "nothing-here");
    expect(await jobSource(client, work, { ...job, id: 8 })).toBe(mirror);
    process.env.PATH = path;

    // A commit the mirror lacks is fetched from the server; unreachable, the job fails saying so.
    await expect(jobSource(client, work, { ...job, id: 9, sha: "b".repeat(40) })).rejects.toThrow(
      /git fetch/,
    );
  });
});
