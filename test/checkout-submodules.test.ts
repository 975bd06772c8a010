// actions/checkout's `submodules:` and `repository:` through `gantry run`, on real repositories made
// here: submodules from the local checkout, or by their GitHub URL through the action store's mirror
// (a file:// mirror on this machine); a submodule URL gantry will not fetch fails the step, saying why.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commitFiles } from "./git-remote.js";
import { gantry, git, job, makeRepo } from "./harness.js";

/** git that may add submodules from local paths (the tests' repositories). */
function gitFile(cwd: string, ...args: string[]): string {
  return git(cwd, "-c", "protocol.file.allow=always", ...args);
}

/** Sets a submodule's URL in .gitmodules and commits it (the URL a real project would have). */
function setUrl(repo: string, name: string, url: string): void {
  git(repo, "config", "--file", ".gitmodules", `submodule.${name}.url`, url);
  git(repo, "add", ".gitmodules");
  git(repo, "commit", "-q", "-m", `url of ${name}`);
}

const workflow = (steps: string) => ({
  ".github/workflows/ci.yml": `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
${steps}`,
});

/**
 * acme/sub (with a submodule deep → ../nested.git) and acme/nested, in a file:// mirror; the
 * superproject records sub at a commit behind sub's branch tip.
 */
function projects(steps: string, url = "https://github.com/acme/sub.git") {
  const nested = makeRepo({ files: { "n.txt": "from nested\n" } });
  const sub = makeRepo({ files: { "sub.txt": "from sub\n" } });
  gitFile(sub, "submodule", "add", "-q", nested, "deep");
  git(sub, "commit", "-q", "-m", "deep");
  setUrl(sub, "deep", "../nested.git");
  const recorded = git(sub, "rev-parse", "HEAD");
  commitFiles(sub, { "later.txt": "after the recorded commit\n" });
  const root = mkdtempSync(join(tmpdir(), "gantry-mirrors-"));
  mkdirSync(join(root, "acme"));
  execFileSync("git", ["clone", "-q", "--bare", sub, join(root, "acme", "sub.git")]);
  execFileSync("git", ["clone", "-q", "--bare", nested, join(root, "acme", "nested.git")]);
  const other = makeRepo({ files: { "other.txt": "the other repository\n" }, branch: "trunk" });
  git(other, "tag", "v1");
  commitFiles(other, { "other.txt": "trunk's head\n" });
  execFileSync("git", ["clone", "-q", "--bare", other, join(root, "acme", "other.git")]);

  const superproject = makeRepo({ files: workflow(steps) });
  gitFile(superproject, "submodule", "add", "-q", sub, "libs/sub");
  git(superproject, "-C", "libs/sub", "checkout", "-q", recorded);
  const inSub = join(superproject, "libs", "sub");
  git(inSub, "submodule", "init", "-q");
  git(inSub, "config", "submodule.deep.url", nested);
  gitFile(inSub, "submodule", "update", "-q");
  git(superproject, "add", "-A");
  git(superproject, "commit", "-q", "-m", "sub");
  setUrl(superproject, "libs/sub", url);
  // A clone without its submodules: what a CI server has.
  const bare = mkdtempSync(join(tmpdir(), "gantry-clone-"));
  git(bare, "clone", "-q", superproject, "work");
  return {
    local: superproject,
    clone: join(bare, "work"),
    template: `file://${root}/{owner}/{repo}.git`,
  };
}

const home = () => ({ GANTRY_HOME: mkdtempSync(join(tmpdir(), "gantry-home-")) });

describe("actions/checkout submodules", () => {
  const STEPS = `      - uses: actions/checkout@v4
        with:
          submodules: recursive
      - run: cat libs/sub/sub.txt libs/sub/deep/n.txt; test ! -e libs/sub/later.txt; git submodule status
`;

  it("checks out the local checkout's submodules at their recorded commits", async () => {
    const p = projects(STEPS);
    const r = await gantry(p.local, ["run"], { env: home() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("from sub");
    expect(r.stdout).toContain("from nested");
  });

  it("takes submodules the checkout lacks from the action store's mirror by their GitHub URL, relative URLs too", async () => {
    const p = projects(STEPS);
    expect(existsSync(join(p.clone, "libs/sub/sub.txt"))).toBe(false);
    const r = await gantry(p.clone, ["run", "--action-mirror", p.template], { env: home() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("from sub");
    expect(r.stdout).toContain("from nested");
  });

  it("does the same in the job's sandbox, where gantry's action store is hidden from the job", async () => {
    const env = home();
    const store = join(env.GANTRY_HOME, "actions", "repos");
    const p =
      projects(`${STEPS}      - run: echo "store shows $(find ${store} -type f 2>/dev/null | wc -l) files"
`);
    const r = await gantry(p.clone, ["run", "--isolation", "sandbox", "--action-mirror", p.template], {
      env,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("from nested");
    expect(existsSync(join(store, "acme", "sub.git"))).toBe(true);
    expect(r.stdout).toContain("store shows 0 files");
  });

  it("submodules: true checks out one level only", async () => {
    const p = projects(`      - uses: actions/checkout@v4
        with:
          submodules: true
      - run: cat libs/sub/sub.txt; test -z "$(ls -A libs/sub/deep)" && echo deep-is-empty
`);
    const r = await gantry(p.clone, ["run", "--action-mirror", p.template], { env: home() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("from sub");
    expect(r.stdout).toContain("deep-is-empty");
  });

  it("never fetches a submodule URL that is not a GitHub repository, and says so", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "gantry-pwn-")), "pwned");
    for (const url of [
      `ext::sh -c touch% ${marker}`,
      "file:///etc",
      "/etc",
      "https://evil.example/acme/sub.git",
    ]) {
      const p = projects(STEPS, url);
      const r = await gantry(p.clone, ["run", "--action-mirror", p.template], { env: home() });
      expect(r.code).toBe(1);
      expect(job(r.report, "build").steps[0].conclusion).toBe("failure");
      expect(r.stdout + r.stderr).toContain(
        "the local checkout does not have that commit, and its URL is not a GitHub repository that gantry's action store could provide",
      );
    }
    expect(existsSync(marker)).toBe(false);
  });

  it("fails clearly when no mirror has the submodule, and for a bad submodules value", async () => {
    const p = projects(STEPS);
    const r = await gantry(p.clone, ["run"], { env: home() });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /Submodule 'libs\/sub' \(https:\/\/github.com\/acme\/sub.git\) at [0-9a-f]{40}: .*not in gantry's action store/,
    );
    const bad = projects(`      - uses: actions/checkout@v4
        with:
          submodules: yes-please
`);
    const b = await gantry(bad.clone, ["run"], { env: home() });
    expect(b.code).toBe(1);
    expect(b.stdout + b.stderr).toContain(
      "Input 'submodules' must be true, false or recursive, got 'yes-please'",
    );
  });
});

describe("actions/checkout repository", () => {
  it("checks out another repository through the mirror, at a ref or its default branch", async () => {
    const p = projects(`      - uses: actions/checkout@v4
      - uses: actions/checkout@v4
        with:
          repository: acme/other
          ref: v1
          path: at-tag
      - uses: actions/checkout@v4
        with:
          repository: acme/other
          path: at-head
      - run: cat at-tag/other.txt at-head/other.txt; test -f .github/workflows/ci.yml
`);
    const r = await gantry(p.clone, ["run", "--action-mirror", p.template], { env: home() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("the other repository");
    expect(r.stdout).toContain("trunk's head");
  });

  it("fails clearly for a repository the store and mirror do not have", async () => {
    const p = projects(`      - uses: actions/checkout@v4
        with:
          repository: acme/unknown
          ref: main
`);
    const r = await gantry(p.clone, ["run", "--action-mirror", p.template], { env: home() });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain("Input 'repository: acme/unknown' (ref 'main'): ");
  });
});
