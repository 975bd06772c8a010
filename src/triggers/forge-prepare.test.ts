import { describe, expect, it } from "vitest";
import { commitFiles, makeRemote } from "../../test/git-remote.js";
import { git } from "../../test/harness.js";
import { type ForgeEvent, pullRequestTargetEvent } from "./forge-event.js";
import { EventSkipped, prepareForgeEvent } from "./forge-prepare.js";
import { fetchMirror } from "./mirror.js";

const repository = { full_name: "o/app", default_branch: "main" };

function pullRequest(
  forge: ForgeEvent["forge"],
  number: number,
  head: string,
  headRef: string,
  action = "opened",
): ForgeEvent {
  return {
    forge,
    name: "pull_request",
    payload: {
      action,
      number,
      pull_request: { number, head: { ref: headRef, sha: head }, base: { ref: "main", sha: "" } },
      repository,
    },
    ref: `refs/pull/${number}/merge`,
    filterRef: "refs/heads/main",
    sha: head,
    headRef,
    baseRef: "main",
    repository: "o/app",
  };
}

describe("prepareForgeEvent", () => {
  it("runs a pull request on the merge of its head into base, with its three-dot changes", async () => {
    const r = makeRemote({ "a.txt": "1", "m.txt": "1" });
    git(r.work, "checkout", "-q", "-b", "topic");
    const head = commitFiles(r.work, { "t.txt": "1" });
    git(r.work, "checkout", "-q", "main");
    const base = commitFiles(r.work, { "m.txt": "2" });
    git(r.work, "push", "-q", "origin", "main", "topic");
    const event = await prepareForgeEvent(pullRequest("gitlab", 4, head, "topic"), r.mirror, r.origin);
    expect(git(r.mirror, "rev-parse", `${event.sha}^1`, `${event.sha}^2`).split("\n")).toEqual([base, head]);
    expect(git(r.mirror, "rev-parse", "refs/pull/4/merge")).toBe(event.sha);
    // The merge holds both sides; the changes are the pull request's own.
    expect(git(r.mirror, "ls-tree", "--name-only", event.sha).split("\n")).toEqual([
      "a.txt",
      "m.txt",
      "t.txt",
    ]);
    expect(event.changedFiles()).toEqual(["t.txt"]);
    expect(event.payload.pull_request).toMatchObject({ base: { sha: base }, head: { sha: head } });
    expect(event).toMatchObject({
      ref: "refs/pull/4/merge",
      filterRef: "refs/heads/main",
      headRef: "topic",
      baseRef: "main",
    });
  });

  it("fetches a fork's head from the forge's pull request ref", async () => {
    const r = makeRemote({ "a.txt": "1" });
    git(r.work, "checkout", "-q", "-b", "from-fork");
    const head = commitFiles(r.work, { "f.txt": "1" });
    git(r.work, "push", "-q", "origin", "from-fork:refs/pull/9/head"); // only there, as on GitHub
    git(r.work, "push", "-q", "origin", "main");
    const event = await prepareForgeEvent(pullRequest("github", 9, head, "from-fork"), r.mirror, r.origin);
    expect(git(r.mirror, "rev-parse", `${event.sha}^2`)).toBe(head);
  });

  it("starts nothing for a pull request that does not merge cleanly", async () => {
    const r = makeRemote({ "a.txt": "1" });
    git(r.work, "checkout", "-q", "-b", "clash");
    const head = commitFiles(r.work, { "a.txt": "theirs" });
    git(r.work, "checkout", "-q", "main");
    commitFiles(r.work, { "a.txt": "ours" });
    git(r.work, "push", "-q", "origin", "main", "clash");
    await expect(
      prepareForgeEvent(pullRequest("gitea", 2, head, "clash"), r.mirror, r.origin),
    ).rejects.toThrow(EventSkipped);
    await expect(
      prepareForgeEvent(pullRequest("gitea", 2, head, "clash"), r.mirror, r.origin),
    ).rejects.toThrow(/'clash' does not merge cleanly into 'main'/);
  });

  it("pull_request_target runs on the base branch's head, a conflict or a fork's head notwithstanding", async () => {
    const r = makeRemote({ "a.txt": "1" });
    git(r.work, "checkout", "-q", "-b", "clash");
    const head = commitFiles(r.work, { "a.txt": "theirs" });
    git(r.work, "push", "-q", "origin", "clash:refs/pull/5/head"); // a fork's head: only there
    git(r.work, "checkout", "-q", "main");
    const base = commitFiles(r.work, { "a.txt": "ours" });
    git(r.work, "push", "-q", "origin", "main");
    const forked = { ...pullRequest("github", 5, head, "clash"), fork: true };
    const event = await prepareForgeEvent(pullRequestTargetEvent(forked), r.mirror, r.origin);
    expect(event).toMatchObject({
      name: "pull_request_target",
      ref: "refs/heads/main",
      filterRef: "refs/heads/main",
      sha: base,
      headRef: "clash",
      baseRef: "main",
      fork: true,
    });
    expect(event.payload.pull_request).toMatchObject({ base: { sha: base }, head: { sha: head } });
    expect(event.changedFiles()).toEqual(["a.txt"]);
    // The same activity's pull_request starts nothing: head and base conflict.
    await expect(prepareForgeEvent(forked, r.mirror, r.origin)).rejects.toThrow(EventSkipped);
  });

  it("a push: the forced flag from history and the changed files from the clone", async () => {
    const r = makeRemote({ "a.txt": "1" });
    const base = git(r.work, "rev-parse", "HEAD");
    const before = commitFiles(r.work, { "a.txt": "2" });
    git(r.work, "push", "-q", "origin", "main");
    await fetchMirror(r.mirror, r.origin); // the server saw the old tip
    git(r.work, "reset", "-q", "--hard", base);
    const after = commitFiles(r.work, { "b.txt": "1" });
    git(r.work, "push", "-q", "--force", "origin", "main");
    const push: ForgeEvent = {
      forge: "gitea",
      name: "push",
      payload: { ref: "refs/heads/main", before, after, forced: false, repository },
      ref: "refs/heads/main",
      filterRef: "refs/heads/main",
      sha: after,
      headRef: "",
      baseRef: "",
      repository: "o/app",
    };
    const event = await prepareForgeEvent(push, r.mirror, r.origin);
    expect(event.payload.forced).toBe(true);
    expect(event.sha).toBe(after);
    expect([...(event.changedFiles() ?? [])].sort()).toEqual(["a.txt", "b.txt"]);
    // The server's own peel (its clone's cat-file process) is asked, each id once, and decides.
    const asked: string[] = [];
    const peeled = await prepareForgeEvent(
      push,
      r.mirror,
      r.origin,
      async () => undefined,
      async (id) => {
        asked.push(id);
        return id === after ? after : id === before ? before : undefined;
      },
    );
    expect(asked.sort()).toEqual([after, before].sort());
    expect(peeled.sha).toBe(after);
    expect(peeled.payload.forced).toBe(true);
  });

  it("a release runs on its tag's commit", async () => {
    const r = makeRemote({ "a.txt": "1" });
    const head = git(r.work, "rev-parse", "HEAD");
    git(r.work, "tag", "-a", "v1", "-m", "one");
    git(r.work, "push", "-q", "origin", "v1");
    const release: ForgeEvent = {
      forge: "github",
      name: "release",
      payload: { action: "published", release: { tag_name: "v1" }, repository },
      ref: "refs/tags/v1",
      filterRef: "refs/tags/v1",
      sha: "",
      headRef: "",
      baseRef: "",
      repository: "o/app",
    };
    expect((await prepareForgeEvent(release, r.mirror, r.origin)).sha).toBe(head);
    const missing = { ...release, ref: "refs/tags/v9", filterRef: "refs/tags/v9" };
    await expect(prepareForgeEvent(missing, r.mirror, r.origin)).rejects.toThrow(
      /release refs\/tags\/v9: its commit is not in/,
    );
  });
});
