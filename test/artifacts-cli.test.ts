import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type GantryResult, gantry, repoWith, scratch } from "./harness.js";

const WORKFLOW = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mkdir -p out/bin out/docs
          echo bin > out/bin/app
          echo doc > out/docs/readme.md
          echo "report $GITHUB_RUN_ID" > report.txt
      - uses: actions/upload-artifact@v4
        with:
          name: dist
          path: out/
      - uses: actions/upload-artifact@v4
        with:
          name: report
          path: report.txt
`;

interface Listed {
  runId: string;
  name: string;
  size: number;
  files: number;
  digest: string;
  createdAt: string;
  expiresAt: string;
}

/** The files under dir, `/`-separated and sorted. */
function tree(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? tree(join(dir, e.name), base) : [join(dir, e.name).slice(base.length + 1)],
    )
    .sort();
}

describe("gantry artifacts", () => {
  const env = { GANTRY_HOME: mkdtempSync(join(tmpdir(), "gantry-home-")) };
  let repo: string;
  let first: GantryResult;
  let second: GantryResult;
  const ids: string[] = [];
  const cli = (args: string[], cwd = repo) => gantry(cwd, ["artifacts", ...args], { env });

  beforeAll(async () => {
    repo = repoWith(WORKFLOW);
    first = await gantry(repo, ["run"], { env });
    second = await gantry(repo, ["run"], { env });
    for (const r of [first, second]) {
      expect(r.code, r.stdout + r.stderr).toBe(0);
      ids.push(r.report?.runs[0].runId ?? "");
    }
  }, 120_000);

  it("shows the run id in the report and, after uploads, in the summary", async () => {
    expect(ids[0]).toMatch(/^\d+$/);
    expect(ids[1]).not.toBe(ids[0]);
    expect(first.stdout).toContain(
      `run ${ids[0]} (.github/workflows/ci.yml) uploaded 2 artifacts: gantry artifacts list ${ids[0]}\n`,
    );
    // A run that uploads nothing prints no such line.
    const plain = await gantry(
      repoWith("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n"),
      ["run"],
      { env },
    );
    expect(plain.code).toBe(0);
    expect(plain.report?.runs[0].runId).toMatch(/^\d+$/);
    expect(plain.stdout).not.toContain("gantry artifacts list");
  });

  it("lists one run's artifacts as a table and as JSON", async () => {
    const table = await cli(["list", ids[0]]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^RUN\s+NAME\s+SIZE\s+FILES\s+DIGEST\s+CREATED\s+EXPIRES$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      new RegExp(`^${ids[0]}\\s+dist\\s+8 B\\s+2\\s+sha256:[0-9a-f]{12}\\s+\\S+Z\\s+\\S+Z$`),
    );
    expect(lines[2]).toMatch(new RegExp(`^${ids[0]}\\s+report\\s+\\d+ B\\s+1\\s+sha256:`));

    const json = await cli(["list", ids[0], "--json"]);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as Listed[];
    expect(listed.map((a) => [a.runId, a.name, a.files])).toEqual([
      [ids[0], "dist", 2],
      [ids[0], "report", 1],
    ]);
    const dist = listed[0];
    expect(dist.size).toBe(8);
    // The digest is the store's: over the sorted paths and each file's sha256.
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    const want = createHash("sha256")
      .update(`bin/app\0${sha("bin\n")}\ndocs/readme.md\0${sha("doc\n")}\n`)
      .digest("hex");
    expect(dist.digest).toBe(`sha256:${want}`);
    // Retention defaults to 90 days.
    expect(Date.parse(dist.expiresAt) - Date.parse(dist.createdAt)).toBe(90 * 24 * 60 * 60 * 1000);
  });

  it("lists every run's artifacts, newest run first", async () => {
    const json = await cli(["list", "--json"]);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as Listed[];
    expect(listed.map((a) => `${a.runId}/${a.name}`)).toEqual([
      `${ids[1]}/dist`,
      `${ids[1]}/report`,
      `${ids[0]}/dist`,
      `${ids[0]}/report`,
    ]);
    const table = await cli(["list"]);
    expect(table.stdout.trimEnd().split("\n")).toHaveLength(5);
  });

  it("downloads one artifact into --dir, and all of them each into its own folder", async () => {
    const one = scratch();
    const r = await cli(["download", ids[0], "dist", "--dir", one]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`downloaded dist (8 B) to ${one}`);
    expect(tree(one)).toEqual(["bin/app", "docs/readme.md"]);
    expect(readFileSync(join(one, "bin/app"), "utf8")).toBe("bin\n");

    // Without --dir: the current folder; without NAME: every artifact into <dir>/<name>/.
    const here = scratch();
    const all = await cli(["download", ids[1]], here);
    expect(all.code, all.stderr).toBe(0);
    expect(tree(here)).toEqual(["dist/bin/app", "dist/docs/readme.md", "report/report.txt"]);
    expect(readFileSync(join(here, "report/report.txt"), "utf8")).toBe(`report ${ids[1]}\n`);
  });

  it("fails with exit 1 on an unknown run or artifact name", async () => {
    const dir = scratch();
    const run = await cli(["download", "999", "--dir", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("run '999' has no artifacts");
    const list = await cli(["list", "999"]);
    expect(list.code).toBe(1);
    expect(list.stderr).toContain("run '999' has no artifacts");
    const name = await cli(["download", ids[0], "nope", "--dir", dir]);
    expect(name.code).toBe(1);
    expect(name.stderr).toContain(`run '${ids[0]}' has no artifact 'nope' (it has: dist, report)`);
    expect(existsSync(join(dir, "nope"))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("rejects bad usage with exit 2", async () => {
    for (const args of [
      [],
      ["frob"],
      ["download"],
      ["download", ids[0], "dist", "extra"],
      ["list", ids[0], "extra"],
      ["list", "--dir", "x"],
      ["download", ids[0], "--json"],
      ["list", "../etc"],
      ["list", "--bogus"],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/^gantry( artifacts)?: /);
    }
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("gantry artifacts download RUN_ID [NAME] [--dir DIR]");
  });
});

/** The folder of each stored artifact of a run, by name, read from the store's own metadata. */
function storedArtifacts(home: string, runId: string): Record<string, string> {
  const runDir = join(home, "artifacts", runId);
  if (!existsSync(runDir)) return {};
  const out: Record<string, string> = {};
  for (const d of readdirSync(runDir)) {
    const meta = join(runDir, d, "artifact.json");
    if (existsSync(meta)) out[(JSON.parse(readFileSync(meta, "utf8")) as Listed).name] = join(runDir, d);
  }
  return Object.fromEntries(Object.entries(out).sort(([x], [y]) => (x < y ? -1 : 1)));
}

/** As if the artifact's retention ran out: its expiry moved to a day ago. */
function expire(folder: string): void {
  const meta = join(folder, "artifact.json");
  const info = JSON.parse(readFileSync(meta, "utf8")) as Listed;
  info.expiresAt = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString();
  writeFileSync(meta, JSON.stringify(info));
}

describe("gantry artifacts rm and prune", () => {
  const home = mkdtempSync(join(tmpdir(), "gantry-home-"));
  const env = { GANTRY_HOME: home };
  const cli = (args: string[], cwd = scratch()) => gantry(cwd, ["artifacts", ...args], { env });
  let repo: string;
  const run = async () => {
    const r = await gantry(repo, ["run"], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return r.report?.runs[0].runId ?? "";
  };
  beforeAll(() => {
    repo = repoWith(WORKFLOW);
  });

  it("removes one artifact of a run, then the rest, and says when there is nothing to remove", async () => {
    const id = await run();
    const one = await cli(["rm", id, "dist"]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^removed dist of run ${id} \\(8 B, expires \\S+Z\\)\\n$`));
    expect(Object.keys(storedArtifacts(home, id))).toEqual(["report"]);
    const listed = JSON.parse((await cli(["list", id, "--json"])).stdout) as Listed[];
    expect(listed.map((a) => a.name)).toEqual(["report"]);

    const again = await cli(["rm", id, "dist"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`run '${id}' has no artifact 'dist'`);

    const rest = await cli(["rm", id]);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout).toContain(`removed report of run ${id}`);
    expect(existsSync(join(home, "artifacts", id))).toBe(false);
    const none = await cli(["rm", id]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`run '${id}' has no artifacts`);
  }, 60_000);

  it("prunes only the artifacts past their retention, from disk, and runs left empty", async () => {
    const a = await run();
    const b = await run();
    const first = storedArtifacts(home, a);
    const second = storedArtifacts(home, b);
    expire(first.dist);
    expire(first.report);
    expire(second.dist);
    // Expired artifacts are hidden already; prune is what frees their space.
    const pruned = await cli(["prune"]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain(`removed dist of run ${a}`);
    expect(pruned.stdout).toContain(`removed report of run ${a}`);
    expect(pruned.stdout).toContain(`removed dist of run ${b}`);
    expect(pruned.stdout).toMatch(/pruned 3 expired artifacts \(\d+ B\)\n$/);
    expect(existsSync(join(home, "artifacts", a))).toBe(false);
    expect(Object.keys(storedArtifacts(home, b))).toEqual(["report"]);
    const nothing = await cli(["prune"]);
    expect(nothing.stdout).toBe("pruned 0 expired artifacts (0 B)\n");
    expect(Object.keys(storedArtifacts(home, b))).toEqual(["report"]);
  }, 60_000);

  it("removes expired artifacts after every run, and keeps the rest", async () => {
    const old = await run();
    const kept = storedArtifacts(home, old);
    expire(kept.report);
    const next = await run();
    expect(Object.keys(storedArtifacts(home, old))).toEqual(["dist"]);
    expect(Object.keys(storedArtifacts(home, next))).toEqual(["dist", "report"]);
  }, 60_000);

  it("rejects bad usage with exit 2", async () => {
    for (const args of [
      ["rm"],
      ["rm", "1", "a", "b"],
      ["rm", "../x"],
      ["rm", "1", "--json"],
      ["prune", "x"],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/gantry: /);
    }
    const help = await cli(["--help"]);
    expect(help.stdout).toContain("gantry artifacts rm RUN_ID [NAME]");
    expect(help.stdout).toContain("gantry artifacts prune");
  });
});
