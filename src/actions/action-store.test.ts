import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ActionStore } from "./action-store.js";
import {
  ActionFileNotFoundError,
  ActionNotFoundError,
  ActionRefNotFoundError,
  nearestTags,
} from "./action-store-errors.js";
import { installDir } from "./atomic-dir.js";

function sh(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

let base: string;

/** A working repository with one commit of `files`; returns its dir and a commit function. */
function workRepo(files: Record<string, string>) {
  const dir = mkdtempSync(join(base, "work-"));
  sh(dir, "init", "-q", "-b", "main");
  sh(dir, "config", "user.name", "T");
  sh(dir, "config", "user.email", "t@example.com");
  sh(dir, "config", "commit.gpgsign", "false");
  const commit = (more: Record<string, string>, message = "c") => {
    writeFiles(dir, more);
    sh(dir, "add", "-A");
    sh(dir, "commit", "-q", "-m", message);
    return sh(dir, "rev-parse", "HEAD");
  };
  const first = commit(files, "first");
  return { dir, first, commit };
}

/** Publishes a working repository as the bare mirror `<mirrors>/<owner>/<repo>.git`. */
function publish(work: string, mirrors: string, owner: string, repo: string): string {
  const target = join(mirrors, owner, `${repo}.git`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  execFileSync("git", ["clone", "-q", "--bare", work, target]);
  return target;
}

/** Counts git commands named `name` that ran since the trace file was last cleared. */
function gitCommands(trace: string, name: string): number {
  if (!existsSync(trace)) return 0;
  return readFileSync(trace, "utf8")
    .split("\n")
    .filter((l) => l.includes('"event":"cmd_name"') && l.includes(`"name":"${name}"`)).length;
}

let mirrors: string;
let template: string;
let trace: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "gantry-store-"));
  mirrors = join(base, "mirrors");
  template = `file://${mirrors}/{owner}/{repo}.git`;
  trace = join(base, "trace.json");
  process.env.GIT_TRACE2_EVENT = trace;
});

afterEach(() => {
  delete process.env.GIT_TRACE2_EVENT;
  rmSync(base, { recursive: true, force: true });
});

describe("ActionStore.resolve from a mirror", () => {
  it("resolves a tag to a checkout of its commit, then pins it", async () => {
    const w = workRepo({ "action.yml": "name: hello\n", "dist/index.js": "1\n" });
    sh(w.dir, "tag", "-a", "v1", "-m", "v1");
    publish(w.dir, mirrors, "acme", "hello");
    const store = new ActionStore(join(base, "home"), template);
    const got = await store.resolve("acme", "hello", "v1");
    expect(got.commit).toBe(w.first);
    expect(got.source).toBe(`file://${mirrors}/acme/hello.git`);
    expect(readFileSync(join(got.dir, "dist/index.js"), "utf8")).toBe("1\n");
    expect(readdirSync(got.dir).sort()).toEqual(["action.yml", "dist"]);
    expect((await store.list()).map((p) => [p.action, p.commit])).toEqual([["acme/hello@v1", w.first]]);
  });

  it("resolves branches, full shas and short shas", async () => {
    const w = workRepo({ "a.txt": "one" });
    const second = w.commit({ "a.txt": "two" });
    publish(w.dir, mirrors, "acme", "refs");
    const store = new ActionStore(join(base, "home"), template);
    expect((await store.resolve("acme", "refs", "main")).commit).toBe(second);
    const full = await store.resolve("acme", "refs", w.first);
    expect(readFileSync(join(full.dir, "a.txt"), "utf8")).toBe("one");
    const fresh = new ActionStore(join(base, "home2"), template);
    expect((await fresh.resolve("acme", "refs", w.first.slice(0, 7))).commit).toBe(w.first);
  });

  it("treats owner and repo case-insensitively and finds a lower-case mirror path", async () => {
    const w = workRepo({ "a.txt": "x" });
    sh(w.dir, "tag", "v2");
    publish(w.dir, mirrors, "acme", "tool");
    const store = new ActionStore(join(base, "home"), template);
    const upper = await store.resolve("Acme", "Tool", "v2");
    expect(upper.commit).toBe(w.first);
    expect(await store.resolve("acme", "tool", "v2")).toBe(upper);
  });

  it("reuses a pin offline after the mirror is gone and after the tag moved", async () => {
    const w = workRepo({ "a.txt": "old" });
    sh(w.dir, "tag", "v1");
    const mirror = publish(w.dir, mirrors, "acme", "pinned");
    const home = join(base, "home");
    await new ActionStore(home, template).resolve("acme", "pinned", "v1");

    sh(w.dir, "tag", "-d", "v1");
    w.commit({ "a.txt": "new" });
    sh(w.dir, "tag", "v1");
    publish(w.dir, mirrors, "acme", "pinned");
    const again = await new ActionStore(home, template).resolve("acme", "pinned", "v1");
    expect(again.commit).toBe(w.first);

    rmSync(mirror, { recursive: true });
    rmSync(trace, { force: true });
    const offline = await new ActionStore(home).resolve("acme", "pinned", "v1");
    expect(offline.commit).toBe(w.first);
    expect(readFileSync(join(offline.dir, "a.txt"), "utf8")).toBe("old");
    // The pinned checkout exists, so resolving runs no git process at all.
    expect(existsSync(trace)).toBe(false);
  });

  it("prefers the store's own copy to the mirror", async () => {
    const w = workRepo({ "a.txt": "store" });
    sh(w.dir, "tag", "v1");
    const home = join(base, "home");
    const store = new ActionStore(home, template);
    await store.add("acme", "mine", "v1", w.dir);
    // The short sha is not pinned, but the store's copy has the commit: no mirror needed.
    const got = await store.resolve("acme", "mine", w.first.slice(0, 10));
    expect(got).toMatchObject({ commit: w.first, source: "store" });
    expect(gitCommands(trace, "ls-remote")).toBe(1); // the add's only
  });

  it("resolves from the store alone, without asking the mirror, when told to", async () => {
    const w = workRepo({ "a.txt": "x" });
    sh(w.dir, "tag", "v1");
    publish(w.dir, mirrors, "acme", "local");
    const store = new ActionStore(join(base, "home"), template);
    const err = await store.resolve("acme", "local", "v1", { mirror: false }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ActionNotFoundError);
    expect((err as Error).message).toContain("the action mirror was not asked");
    expect(gitCommands(trace, "ls-remote")).toBe(0);
    const found = await store.resolve("acme", "local", "v1");
    expect(await store.resolve("acme", "local", "v1", { mirror: false })).toEqual(found);
    const fresh = new ActionStore(join(base, "home"), template);
    expect((await fresh.resolve("acme", "local", "v1", { mirror: false })).commit).toBe(w.first);
  });

  it("restores a pinned checkout that was deleted, from the store's copy", async () => {
    const w = workRepo({ "a.txt": "x" });
    sh(w.dir, "tag", "v1");
    publish(w.dir, mirrors, "acme", "gone");
    const home = join(base, "home");
    const first = await new ActionStore(home, template).resolve("acme", "gone", "v1");
    rmSync(first.dir, { recursive: true });
    rmSync(join(mirrors, "acme"), { recursive: true });
    const again = await new ActionStore(home).resolve("acme", "gone", "v1");
    expect(again.dir).toBe(first.dir);
    expect(readFileSync(join(again.dir, "a.txt"), "utf8")).toBe("x");
  });
});

describe("ActionStore errors", () => {
  it("names the action and both ways to provide it when nothing has it", async () => {
    const store = new ActionStore(join(base, "home"), template);
    const err = await store.resolve("acme", "missing", "v1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionNotFoundError);
    expect((err as ActionNotFoundError).code).toBe("E_ACTION_NOT_FOUND");
    const message = (err as Error).message;
    expect(message).toContain("Action 'acme/missing@v1' is not in gantry's action store");
    expect(message).toContain(
      "gantry actions add acme/missing@v1 --from https://github.com/acme/missing.git",
    );
    expect(message).toContain("--action-mirror, GANTRY_ACTION_MIRROR or action_mirror");
    expect(message).toContain(`${mirrors}/acme/missing.git`);
  });

  it("says when no mirror is set", async () => {
    const err = await new ActionStore(join(base, "home")).resolve("acme", "x", "v1").catch((e: Error) => e);
    expect((err as Error).message).toContain("no action mirror is set");
  });

  it("tells a missing ref apart from a missing repository", async () => {
    const w = workRepo({ "a.txt": "x" });
    sh(w.dir, "tag", "v1");
    publish(w.dir, mirrors, "acme", "norefs");
    const store = new ActionStore(join(base, "home"), template);
    const err = await store.resolve("acme", "norefs", "v9").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionRefNotFoundError);
    expect((err as Error).message).toContain("has the repository but no tag, branch or commit 'v9'");
    // A failed resolution is not remembered: once the tag exists it resolves.
    sh(w.dir, "tag", "v9");
    publish(w.dir, mirrors, "acme", "norefs");
    expect((await store.resolve("acme", "norefs", "v9")).commit).toBe(w.first);
  });

  it("rejects refs and names git could misread", async () => {
    const store = new ActionStore(join(base, "home"), template);
    await expect(store.resolve("acme", "x", "main~1")).rejects.toThrow(/Invalid action reference/);
    await expect(store.resolve("..", "x", "v1")).rejects.toThrow(/owner may not start with '.'/);
    await expect(store.resolve("acme", "x", "--upload-pack=evil")).rejects.toThrow(/not a valid git ref/);
  });
});

describe("ActionStore concurrency and atomicity", () => {
  it("fetches once when jobs resolve the same action at the same time", async () => {
    const w = workRepo({ "a.txt": "x" });
    sh(w.dir, "tag", "v1");
    publish(w.dir, mirrors, "acme", "busy");
    const store = new ActionStore(join(base, "home"), template);
    const all = await Promise.all([
      store.resolve("acme", "busy", "v1"),
      store.resolve("ACME", "busy", "v1"),
      store.resolve("acme", "busy", "v1"),
      store.resolve("acme", "busy", "main"),
    ]);
    expect(all[1]).toBe(all[0]);
    expect(all[2]).toBe(all[0]);
    expect(all[3].dir).toBe(all[0].dir);
    expect(gitCommands(trace, "fetch")).toBe(2); // v1 once, main once
    expect(gitCommands(trace, "archive")).toBe(1); // one commit, one checkout
  });

  it("installs a directory completely or not at all", async () => {
    const tmpRoot = join(base, "tmp");
    const target = join(base, "out", "dir");
    const failing = installDir(tmpRoot, target, async (tmp) => {
      writeFileSync(join(tmp, "half"), "");
      throw new Error("killed half way");
    });
    await expect(failing).rejects.toThrow("killed half way");
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(tmpRoot)).toEqual([]);
    expect(await installDir(tmpRoot, target, async (tmp) => writeFileSync(join(tmp, "whole"), "1"))).toBe(
      true,
    );
    // A second installer finds the target taken and keeps the first one's files.
    expect(await installDir(tmpRoot, target, async (tmp) => writeFileSync(join(tmp, "other"), "2"))).toBe(
      false,
    );
    expect(readdirSync(target)).toEqual(["whole"]);
  });

  it("ignores what an interrupted install left behind", async () => {
    const w = workRepo({ "a.txt": "x" });
    sh(w.dir, "tag", "v1");
    publish(w.dir, mirrors, "acme", "killed");
    const home = join(base, "home");
    // A gantry killed while extracting leaves a partial dir in tmp/, never under checkouts/.
    mkdirSync(join(home, "actions", "tmp", "install-abc"), { recursive: true });
    writeFileSync(join(home, "actions", "tmp", "install-abc", "partial"), "");
    const got = await new ActionStore(home, template).resolve("acme", "killed", "v1");
    expect(readdirSync(got.dir)).toEqual(["a.txt"]);
  });
});

describe("ActionStore.add, list, remove and readFile", () => {
  it("adds a ref of a git repository and a snapshot of a plain directory", async () => {
    const w = workRepo({ "a.txt": "git" });
    sh(w.dir, "branch", "release/v1");
    const plain = join(base, "plain");
    writeFiles(plain, {
      "action.yml": "name: p\n",
      ".gitignore": "node_modules\n",
      "node_modules/m.js": "m",
    });
    const store = new ActionStore(join(base, "home"));
    const fromGit = await store.add("acme", "lib", "release/v1", w.dir);
    expect(fromGit).toMatchObject({ action: "acme/lib@release/v1", commit: w.first, source: w.dir });
    const snap = await store.add("acme", "plain", "v1", plain);
    expect(snap.source).toBe(`${plain} (snapshot)`);
    const got = await store.resolve("acme", "plain", "v1");
    expect(got.commit).toBe(snap.commit);
    expect(readFileSync(join(got.dir, "node_modules/m.js"), "utf8")).toBe("m");
    // The same files make the same commit.
    expect((await store.add("acme", "plain", "v1", plain)).commit).toBe(snap.commit);
    expect((await store.list()).map((p) => p.action)).toEqual(["acme/lib@release/v1", "acme/plain@v1"]);
  });

  it("adds from a git URL and fails clearly for a missing ref or source", async () => {
    const w = workRepo({ "a.txt": "x" });
    sh(w.dir, "tag", "v3");
    const store = new ActionStore(join(base, "home"));
    expect((await store.add("acme", "url", "v3", `file://${w.dir}`)).commit).toBe(w.first);
    await expect(store.add("acme", "url", "v4", `file://${w.dir}`)).rejects.toThrow(
      /has the repository but no tag, branch or commit 'v4'/,
    );
    await expect(store.add("acme", "url", "v3", `file://${base}/nowhere`)).rejects.toThrow(
      /Cannot read a git repository at file:\/\/.*nowhere/,
    );
  });

  it("removes a pin, its ref and its checkout", async () => {
    const w = workRepo({ "a.txt": "x" });
    sh(w.dir, "tag", "v1");
    const store = new ActionStore(join(base, "home"));
    await store.add("acme", "rm", "v1", w.dir);
    const { dir } = await store.resolve("acme", "rm", "v1");
    expect((await store.remove("Acme", "rm", "v1"))?.commit).toBe(w.first);
    expect(existsSync(dir)).toBe(false);
    expect(await store.list()).toEqual([]);
    expect(await store.remove("acme", "rm", "v1")).toBeUndefined();
    await expect(new ActionStore(join(base, "home")).resolve("acme", "rm", "v1")).rejects.toThrow(
      ActionNotFoundError,
    );
  });

  it("reads a reusable workflow at a ref", async () => {
    const w = workRepo({ ".github/workflows/build.yml": "on: workflow_call\n" });
    sh(w.dir, "tag", "v1");
    publish(w.dir, mirrors, "acme", "workflows");
    const store = new ActionStore(join(base, "home"), template);
    expect(await store.readFile("acme", "workflows", "v1", ".github/workflows/build.yml")).toEqual({
      content: "on: workflow_call\n",
      commit: w.first,
    });
    await expect(store.readFile("acme", "workflows", "v1", ".github/workflows/nope.yml")).rejects.toThrow(
      ActionFileNotFoundError,
    );
    await expect(store.readFile("acme", "workflows", "v1", "../../../../etc/passwd")).rejects.toThrow(
      /does not exist in acme\/workflows@v1/,
    );
  });
});

describe("nearestTags", () => {
  it("names the tags around the one asked for, in version order", () => {
    const tags = ["v1", "v2", "v3", "v4", "v4.1.0", "v4.10.0", "v4.9.0", "v5", "v7", "latest"];
    expect(nearestTags(tags, "v6")).toEqual(["v4.1.0", "v4.9.0", "v4.10.0", "v5", "v7"]);
    expect(nearestTags(tags, "v9")).toEqual(["v4.1.0", "v4.9.0", "v4.10.0", "v5", "v7"]);
    expect(nearestTags(tags, "v2.5")).toEqual(["latest", "v1", "v2", "v3", "v4"]);
    expect(nearestTags(["v1"], "v0")).toEqual(["v1"]);
    expect(nearestTags([], "v1")).toEqual([]);
  });
});
