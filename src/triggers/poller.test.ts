import { describe, expect, it } from "vitest";
import { commitFiles, makeRemote } from "../../test/git-remote.js";
import { git } from "../../test/harness.js";
import { ZERO_SHA } from "./git.js";
import { pollRepository } from "./poller.js";
import { startsWorkflows } from "./push-events.js";
import type { RefMap } from "./ref-updates.js";
import type { RepoEvent } from "./repo-event.js";

const repo = { owner: "acme", name: "app", defaultBranch: "main" };

/** A poller over a fresh remote: each call fetches and returns the events since the last one. */
async function poller(files: Record<string, string> = { "a.txt": "1" }) {
  const remote = makeRemote(files);
  let seen: RefMap | undefined;
  const poll = async (): Promise<RepoEvent[]> => {
    const result = await pollRepository({ gitDir: remote.mirror, url: remote.origin, repo, seen });
    seen = result.refs;
    return result.events;
  };
  expect(await poll()).toEqual([]); // the first poll records what is there
  return { ...remote, poll };
}

function only(events: RepoEvent[], name: string): RepoEvent {
  const found = events.filter((e) => e.name === name);
  expect(found, `${name} events in ${events.map((e) => e.name)}`).toHaveLength(1);
  return found[0];
}

describe("pollRepository", () => {
  it("sees nothing when nothing changed", async () => {
    const p = await poller();
    expect(await p.poll()).toEqual([]);
  });

  it("turns a push to a branch into a push event with GitHub's payload", async () => {
    const p = await poller({ "a.txt": "1", "b.txt": "1" });
    const before = git(p.work, "rev-parse", "HEAD");
    const first = commitFiles(p.work, { "a.txt": "2" }, "first change");
    const after = commitFiles(p.work, { "b.txt": "2" }, "second change\n\nwith a body");
    git(p.work, "push", "-q", "origin", "main");
    const events = await p.poll();
    expect(events.map((e) => e.name)).toEqual(["push"]);
    const push = events[0];
    expect(push).toMatchObject({ ref: "refs/heads/main", filterRef: "refs/heads/main", sha: after });
    expect(push.payload).toMatchObject({
      ref: "refs/heads/main",
      before,
      after,
      created: false,
      deleted: false,
      forced: false,
      base_ref: null,
      pusher: { name: "Test User", email: "test@example.com" },
      repository: { name: "app", full_name: "acme/app", default_branch: "main" },
      head_commit: { id: after, message: "second change\n\nwith a body" },
    });
    const commits = push.payload.commits as { id: string; message: string; distinct: boolean }[];
    expect(commits.map((c) => [c.id, c.message, c.distinct])).toEqual([
      [first, "first change", true],
      [after, "second change\n\nwith a body", true],
    ]);
    expect([...(push.changedFiles() ?? [])].sort()).toEqual(["a.txt", "b.txt"]);
    expect(await p.poll()).toEqual([]); // seen once, not again
  });

  it("a new branch: push (created) and create events, changed files from its fork point", async () => {
    const p = await poller({ "a.txt": "1", "m.txt": "1" });
    git(p.work, "checkout", "-q", "-b", "feature");
    const tip = commitFiles(p.work, { "f.txt": "1" }, "feature work");
    git(p.work, "checkout", "-q", "main");
    commitFiles(p.work, { "m.txt": "2" }, "main moves on");
    git(p.work, "push", "-q", "origin", "main", "feature");
    const events = await p.poll();
    expect(events.map((e) => `${e.name} ${e.ref}`).sort()).toEqual([
      "create refs/heads/feature",
      "push refs/heads/feature",
      "push refs/heads/main",
    ]);
    const push = events.find((e) => e.name === "push" && e.ref === "refs/heads/feature") as RepoEvent;
    expect(push.payload).toMatchObject({ before: ZERO_SHA, after: tip, created: true, forced: false });
    expect((push.payload.commits as { id: string }[]).map((c) => c.id)).toEqual([tip]);
    expect(push.changedFiles()).toEqual(["f.txt"]);
    const create = only(events, "create");
    expect(create).toMatchObject({ ref: "refs/heads/feature", sha: tip });
    expect(create.payload).toMatchObject({ ref: "feature", ref_type: "branch", master_branch: "main" });
  });

  it("a forced push is marked forced", async () => {
    const p = await poller();
    const base = git(p.work, "rev-parse", "HEAD");
    const dropped = commitFiles(p.work, { "a.txt": "2" });
    git(p.work, "push", "-q", "origin", "main");
    await p.poll();
    git(p.work, "reset", "-q", "--hard", base);
    const after = commitFiles(p.work, { "b.txt": "1" });
    git(p.work, "push", "-q", "--force", "origin", "main");
    const push = only(await p.poll(), "push");
    expect(push.payload).toMatchObject({ before: dropped, after, forced: true, created: false });
    expect([...(push.changedFiles() ?? [])].sort()).toEqual(["a.txt", "b.txt"]);
  });

  it("a deleted branch: a push that starts no workflow, and a delete event on the default branch", async () => {
    const p = await poller();
    git(p.work, "push", "-q", "origin", "main:gone");
    const gone = git(p.work, "rev-parse", "HEAD");
    await p.poll();
    git(p.work, "push", "-q", "origin", ":gone");
    const events = await p.poll();
    const push = only(events, "push");
    expect(push.payload).toMatchObject({ before: gone, after: ZERO_SHA, deleted: true, head_commit: null });
    expect(push.changedFiles()).toEqual([]);
    expect(startsWorkflows(push)).toBe(false);
    const del = only(events, "delete");
    expect(del).toMatchObject({ ref: "refs/heads/main", sha: gone });
    expect(del.payload).toMatchObject({ ref: "gone", ref_type: "branch" });
    expect(startsWorkflows(del)).toBe(true);
  });

  it("an annotated tag: the push names the tag object, the run gets its commit", async () => {
    const p = await poller();
    const head = git(p.work, "rev-parse", "HEAD");
    git(p.work, "tag", "-a", "v1.0.0", "-m", "release 1");
    const tagObject = git(p.work, "rev-parse", "v1.0.0");
    git(p.work, "push", "-q", "origin", "v1.0.0");
    const events = await p.poll();
    const push = only(events, "push");
    expect(push).toMatchObject({ ref: "refs/tags/v1.0.0", sha: head });
    expect(push.payload).toMatchObject({ after: tagObject, created: true, base_ref: "refs/heads/main" });
    expect(only(events, "create").payload).toMatchObject({ ref: "v1.0.0", ref_type: "tag" });
  });

  it("makes no tag events when more than three tags are pushed at once (GitHub's limit)", async () => {
    const p = await poller();
    for (const t of ["t1", "t2", "t3", "t4"]) git(p.work, "tag", t);
    commitFiles(p.work, { "a.txt": "2" });
    git(p.work, "push", "-q", "origin", "main", "--tags");
    const events = await p.poll();
    expect(events.map((e) => `${e.name} ${e.ref}`)).toEqual(["push refs/heads/main"]);
    // Three at once are fine.
    for (const t of ["u1", "u2", "u3"]) git(p.work, "tag", t);
    git(p.work, "push", "-q", "origin", "--tags");
    expect((await p.poll()).filter((e) => e.name === "push")).toHaveLength(3);
  });

  it("fails with git's reason when the repository cannot be reached", async () => {
    await expect(
      pollRepository({
        gitDir: "/tmp/gantry-no-mirror-xyz",
        url: "/nonexistent/repo.git",
        repo,
        seen: undefined,
      }),
    ).rejects.toThrow(/git clone failed: .*nonexistent/);
  });
});
