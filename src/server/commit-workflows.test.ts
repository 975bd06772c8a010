import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { gitAsTester as git } from "../../test/harness.js";
import { CommitWorkflows } from "./commit-workflows.js";
import { RepoClones } from "./repo-clones.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Commits `name.yml` (a one-job workflow named `name`) and returns the commit. */
function commitWorkflow(dir: string, name: string): string {
  writeFileSync(
    join(dir, ".github", "workflows", `${name}.yml`),
    `name: ${name}\non: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n`,
  );
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", name);
  return git(dir, "rev-parse", "HEAD");
}

it("reads and parses a commit's workflows once, keeps the commits asked last, and reads again what it dropped", async () => {
  const root = mkdtempSync(join(tmpdir(), "gantry-commit-workflows-"));
  dirs.push(root);
  const source = join(root, "source");
  mkdirSync(join(source, ".github", "workflows"), { recursive: true });
  git(source, "init", "-q", "-b", "main");
  const shas = ["a", "b", "c"].map((name) => commitWorkflow(source, name));
  const clones = new RepoClones(join(root, "repos"));
  const repo = { id: 1, owner: "o", name: "r", url: source };
  await clones.sync(repo);
  const read = new CommitWorkflows(clones, 2);

  const names = async (sha: string) => (await read.list(repo, sha)).map((w) => w.loaded.workflow?.name);
  expect(await names(shas[0])).toEqual(["a"]);
  expect(await names(shas[1])).toEqual(["a", "b"]);
  expect((await read.file(repo, shas[1], ".github/workflows/b.yml"))?.loaded.workflow?.name).toBe("b");
  expect(await read.file(repo, shas[1], ".github/workflows/none.yml")).toBeUndefined();
  expect(read.remembered).toBe(2);

  // Without the clone, what was read is still known; what was dropped (the oldest) or never read is not.
  rmSync(clones.path(repo), { recursive: true, force: true });
  expect((await read.file(repo, shas[1], ".github/workflows/b.yml"))?.content).toContain("name: b");
  expect(await names(shas[1])).toEqual(["a", "b"]);
  expect(await read.file(repo, shas[1], ".github/workflows/a.yml")).toBeUndefined();
  expect(await names(shas[0])).toEqual([]);
  expect(read.remembered).toBe(2);
});
