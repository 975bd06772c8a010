import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JobReport } from "../src/engine/index.js";
import { gantry, git, job, repoWith } from "./harness.js";

/** Each step as `outcome`, by step name. */
function steps(j: JobReport): Record<string, string> {
  return Object.fromEntries(j.steps.map((s) => [s.name, s.outcome]));
}

function outputsOf(j: JobReport, id: string): Record<string, string> {
  const step = j.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step '${id}' in ${j.name}`);
  return step.outputs;
}

/** One GANTRY_HOME and HOME shared by several runs, as on a developer's machine. */
function machine(): { env: Record<string, string>; home: string } {
  const home = mkdtempSync(join(tmpdir(), "gantry-user-"));
  return { home, env: { GANTRY_HOME: mkdtempSync(join(tmpdir(), "gantry-home-")), HOME: home } };
}

const CACHE_WORKFLOW = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: cache
        uses: actions/cache@v4
        with:
          path: |
            deps
            ~/.tool-cache
          key: deps-\${{ hashFiles('lock.txt') }}
          restore-keys: |
            deps-
      - if: steps.cache.outputs.cache-hit != 'true'
        run: |
          mkdir -p deps ~/.tool-cache
          echo "built from $(cat lock.txt)" > deps/out.txt
          echo "tool $(cat lock.txt)" > ~/.tool-cache/t.txt
      - run: cat deps/out.txt ~/.tool-cache/t.txt
      - run: test "$FAIL" != 1
        env:
          FAIL: \${{ vars.FAIL }}
`;

describe.concurrent("actions/cache", () => {
  it("saves a folder whole, and leaves out what `!` lines exclude from it", async () => {
    const paths = `|
            out
            !out/skip
            !out/**/*.map`;
    const repo = repoWith(`name: CI
on: push
jobs:
  save:
    runs-on: ubuntu-latest
    steps:
      - run: |
          mkdir -p out/keep/deep out/skip
          echo k > out/keep/deep/k.txt; echo s > out/skip/s.txt; echo m > out/keep/a.map; echo t > out/.top
      - uses: actions/cache/save@v4
        with:
          path: ${paths}
          key: ex-\${{ github.run_id }}
      - uses: actions/cache/save@v4
        with:
          path: out
          key: whole-\${{ github.run_id }}
  restore:
    needs: save
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache/restore@v4
        with:
          path: ${paths}
          key: ex-\${{ github.run_id }}
          fail-on-cache-miss: true
      - run: find out | sort | sed 's/^/ex=/'
      - run: rm -rf out
      - uses: actions/cache/restore@v4
        with:
          path: out
          key: whole-\${{ github.run_id }}
          fail-on-cache-miss: true
      - run: find out | sort | sed 's/^/whole=/'
`);
    const r = await gantry(repo, ["run"], { env: machine().env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const listed = (prefix: string) =>
      r.stdout
        .split("\n")
        .filter((l) => l.startsWith(`[CI/restore] | ${prefix}=`))
        .map((l) => l.slice(`[CI/restore] | ${prefix}=`.length));
    expect(listed("ex")).toEqual(["out", "out/.top", "out/keep", "out/keep/deep", "out/keep/deep/k.txt"]);
    expect(listed("whole")).toEqual([
      "out",
      "out/.top",
      "out/keep",
      "out/keep/a.map",
      "out/keep/deep",
      "out/keep/deep/k.txt",
      "out/skip",
      "out/skip/s.txt",
    ]);
  });

  it("misses and saves in the post step, hits exactly on the next run, restores by restore-keys after a change", async () => {
    const repo = repoWith(CACHE_WORKFLOW, { "lock.txt": "v1\n" });
    const m = machine();

    const first = await gantry(repo, ["run"], { env: m.env });
    expect(first.code).toBe(0);
    const b1 = job(first.report, "build");
    expect(outputsOf(b1, "cache")).toEqual({});
    expect(steps(b1)["Post actions/cache@v4"]).toBe("success");
    expect(first.stdout).toContain("Cache not found for input keys: deps-");
    expect(first.stdout).toMatch(/Cache saved with key: deps-[0-9a-f]{64}/);

    // The job's ~/.tool-cache was in a HOME of its own, never the user's: only the restore brings it back.
    expect(existsSync(join(m.home, ".tool-cache"))).toBe(false);
    const second = await gantry(repo, ["run"], { env: m.env });
    expect(second.code).toBe(0);
    const b2 = job(second.report, "build");
    expect(outputsOf(b2, "cache")).toEqual({ "cache-hit": "true" });
    expect(second.stdout).toContain("built from v1");
    expect(second.stdout).toContain("tool v1");
    expect(second.stdout).toContain("Cache hit occurred on the primary key");
    expect(second.stdout).not.toContain("Cache saved with key");

    // A new lock file: no exact hit, the old entry comes back through restore-keys, a new one is saved.
    writeFileSync(join(repo, "lock.txt"), "v2\n");
    git(repo, "commit", "-qam", "v2");
    const third = await gantry(repo, ["run"], { env: m.env });
    expect(third.code).toBe(0);
    const b3 = job(third.report, "build");
    expect(outputsOf(b3, "cache")).toEqual({ "cache-hit": "false" });
    expect(third.stdout).toContain("built from v2");
    expect(third.stdout).toMatch(/Cache saved with key: deps-[0-9a-f]{64}/);
  });

  it("does not save after a failed job, and saves with save-always", async () => {
    const repo = repoWith(CACHE_WORKFLOW, { "lock.txt": "v1\n" });
    const m = machine();
    const failed = await gantry(repo, ["run", "--var", "FAIL=1"], { env: m.env });
    expect(failed.code).toBe(1);
    expect(steps(job(failed.report, "build"))["Post actions/cache@v4"]).toBeUndefined();
    expect(failed.stdout).not.toContain("Cache saved");

    const again = await gantry(repo, ["run"], { env: m.env });
    expect(outputsOf(job(again.report, "build"), "cache")).toEqual({});

    const always = repoWith(
      CACHE_WORKFLOW.replace("restore-keys: |", "save-always: true\n          restore-keys: |"),
      {
        "lock.txt": "v1\n",
      },
    );
    const m2 = machine();
    const failedAlways = await gantry(always, ["run", "--var", "FAIL=1"], { env: m2.env });
    expect(failedAlways.code).toBe(1);
    expect(failedAlways.stdout).toMatch(/Cache saved with key: deps-/);
    const hit = await gantry(always, ["run"], { env: m2.env });
    expect(outputsOf(job(hit.report, "build"), "cache")).toEqual({ "cache-hit": "true" });
  });

  it("restore and save as separate actions; fail-on-cache-miss and lookup-only", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: restore
        uses: actions/cache/restore@v4
        with:
          path: out
          key: out-\${{ vars.KEY }}
          restore-keys: out-
          fail-on-cache-miss: \${{ vars.STRICT == '1' }}
          lookup-only: \${{ vars.LOOKUP == '1' }}
      - run: ls out 2>/dev/null || echo "no out folder"
      - run: mkdir -p out && echo "\${{ vars.KEY }}" > out/key.txt
      - if: vars.SAVE == '1'
        uses: actions/cache/save@v4
        with:
          path: out
          key: out-\${{ vars.KEY }}
`);
    const m = machine();
    const strict = await gantry(repo, ["run", "--var", "KEY=a", "--var", "STRICT=1"], { env: m.env });
    expect(strict.code).toBe(1);
    expect(steps(job(strict.report, "build"))["Run actions/cache/restore@v4"]).toBe("failure");
    expect(strict.stdout).toContain(
      "Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: out-a",
    );

    const saved = await gantry(repo, ["run", "--var", "KEY=a", "--var", "SAVE=1"], { env: m.env });
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain("Cache saved with key: out-a");
    const twice = await gantry(repo, ["run", "--var", "KEY=a", "--var", "SAVE=1"], { env: m.env });
    expect(twice.stdout).toContain(
      "Unable to reserve cache with key out-a, another job may be creating this cache.",
    );

    const lookup = await gantry(repo, ["run", "--var", "KEY=a", "--var", "LOOKUP=1"], { env: m.env });
    expect(outputsOf(job(lookup.report, "build"), "restore")).toEqual({
      "cache-hit": "true",
      "cache-primary-key": "out-a",
      "cache-matched-key": "out-a",
    });
    expect(lookup.stdout).toContain("Cache found and can be restored from key: out-a");
    expect(lookup.stdout).toContain("no out folder");

    const partial = await gantry(repo, ["run", "--var", "KEY=b", "--var", "STRICT=1"], { env: m.env });
    expect(partial.code).toBe(0);
    expect(outputsOf(job(partial.report, "build"), "restore")).toEqual({
      "cache-hit": "false",
      "cache-primary-key": "out-b",
      "cache-matched-key": "out-a",
    });
    expect(partial.stdout).toContain("key.txt");
  });

  it("reads the default branch's caches from another branch but not the other way round", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: c
        uses: actions/cache/restore@v4
        with:
          path: out
          key: k-\${{ github.ref_name }}
          restore-keys: k-
      - run: mkdir -p out && echo x > out/x
      - uses: actions/cache/save@v4
        with:
          path: out
          key: k-\${{ github.ref_name }}
`);
    const m = machine();
    git(repo, "branch", "feature");
    const onFeature = await gantry(repo, ["run", "--ref", "feature"], { env: m.env });
    expect(outputsOf(job(onFeature.report, "build"), "c")).toEqual({ "cache-primary-key": "k-feature" });
    const onMain = await gantry(repo, ["run"], { env: m.env });
    // main does not see feature's entry, though k- would match it.
    expect(outputsOf(job(onMain.report, "build"), "c")).toEqual({ "cache-primary-key": "k-main" });
    git(repo, "branch", "feature2");
    const onFeature2 = await gantry(repo, ["run", "--ref", "feature2"], { env: m.env });
    expect(outputsOf(job(onFeature2.report, "build"), "c")).toEqual({
      "cache-hit": "false",
      "cache-primary-key": "k-feature2",
      "cache-matched-key": "k-main",
    });
  });

  it("fails with a clear error for a missing key or a key with a comma", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  nokey:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache@v4
        with:
          path: x
  comma:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache@v4
        with:
          path: x
          key: a,b
`);
    const r = await gantry(repo, ["run"], { env: machine().env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Input required and not supplied: key");
    expect(r.stdout).toContain("Key Validation Error: a,b cannot contain commas.");
  });
});

describe.concurrent("actions/upload-artifact and download-artifact", () => {
  it("uploads in one job and downloads in a later one, by name and all of them", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      id: \${{ steps.up.outputs.artifact-id }}
    steps:
      - run: |
          mkdir -p out/bin out/docs out/.hidden
          echo bin > out/bin/app
          echo doc > out/docs/readme.md
          echo map > out/bin/app.map
          echo secret > out/.hidden/s
          echo report > report.txt
      - id: up
        uses: actions/upload-artifact@v4
        with:
          name: dist
          path: |
            out/bin/
            out/docs/*.md
            !out/**/*.map
      - uses: actions/upload-artifact@v4
        with:
          path: report.txt
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - id: one
        uses: actions/download-artifact@v4
        with:
          name: dist
          path: got
      - run: find got -type f | sort
      - id: all
        uses: actions/download-artifact@v4
        with:
          path: everything
      - run: find everything -type f | sort
      - run: cat everything/artifact/report.txt
      - run: test "\${{ steps.one.outputs.download-path }}" = "$GITHUB_WORKSPACE/got"
      - uses: actions/download-artifact@v4
        with:
          artifact-ids: \${{ needs.build.outputs.id }}
          path: byid
      - run: find byid -type f | sort | sed 's/^/id=/'
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    const build = job(r.report, "build");
    const up = outputsOf(build, "up");
    expect(up["artifact-id"]).toMatch(/^\d+$/);
    expect(up["artifact-url"]).toMatch(/^https:\/\/github\.com\/.+\/actions\/runs\/\d+\/artifacts\/\d+$/);
    expect(up["artifact-digest"]).toMatch(/^[0-9a-f]{64}$/);
    // The least common ancestor of out/bin and out/docs is out: the layout keeps bin/ and docs/.
    expect(r.stdout).toContain("[CI/test] | got/bin/app\n[CI/test] | got/docs/readme.md\n");
    expect(r.stdout).not.toContain("app.map");
    expect(r.stdout).not.toContain("got/.hidden");
    expect(r.stdout).toContain(
      "[CI/test] | everything/artifact/report.txt\n[CI/test] | everything/dist/bin/app\n[CI/test] | everything/dist/docs/readme.md\n",
    );
    expect(r.stdout).toContain("[CI/test] | report");
    expect(r.stdout).toContain("[CI/test] | id=byid/dist/bin/app\n[CI/test] | id=byid/dist/docs/readme.md\n");
  });

  it("downloads by pattern, merging into one folder with merge-multiple", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  build:
    strategy:
      matrix:
        os: [linux, mac, windows]
    runs-on: ubuntu-latest
    steps:
      - run: mkdir -p out && echo \${{ matrix.os }} > out/\${{ matrix.os }}.txt
      - uses: actions/upload-artifact@v4
        with:
          name: bin-\${{ matrix.os }}
          path: out
  merge:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          pattern: bin-*
          path: merged
          merge-multiple: true
      - run: ls merged | tr '\\n' ' '
      - uses: actions/download-artifact@v4
        with:
          pattern: bin-[lm]*
          path: apart
      - run: find apart -type f | sort | tr '\\n' ' '
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[CI/merge] | linux.txt mac.txt windows.txt");
    expect(r.stdout).toContain("[CI/merge] | apart/bin-linux/linux.txt apart/bin-mac/mac.txt ");
  });

  it("fails on no files with if-no-files-found: error, warns by default, and keeps names immutable", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  warn:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/upload-artifact@v4
        with:
          path: nothing-here/
  error:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/upload-artifact@v4
        with:
          name: e
          path: nothing-here/
          if-no-files-found: error
  twice:
    runs-on: ubuntu-latest
    steps:
      - run: echo a > a.txt
      - uses: actions/upload-artifact@v4
        with:
          name: same
          path: a.txt
      - id: second
        uses: actions/upload-artifact@v4
        continue-on-error: true
        with:
          name: same
          path: a.txt
      - uses: actions/upload-artifact@v4
        with:
          name: same
          path: a.txt
          overwrite: true
  badname:
    runs-on: ubuntu-latest
    steps:
      - run: echo a > a.txt
      - uses: actions/upload-artifact@v4
        with:
          name: ../escape
          path: a.txt
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(job(r.report, "warn").result).toBe("success");
    expect(r.stdout).toContain(
      "[CI/warn] | Warning: No files were found with the provided path: nothing-here/. No artifacts will be uploaded.",
    );
    expect(job(r.report, "error").result).toBe("failure");
    expect(r.stdout).toContain(
      "[CI/error] | Error: No files were found with the provided path: nothing-here/. No artifacts will be uploaded.",
    );
    const twice = job(r.report, "twice");
    expect(twice.result).toBe("success");
    expect(twice.steps.map((s) => s.outcome)).toEqual(["success", "success", "failure", "success"]);
    expect(r.stdout).toContain("an artifact with this name already exists on the workflow run");
    expect(job(r.report, "badname").result).toBe("failure");
    expect(r.stdout).toContain(
      "The artifact name is not valid: ../escape. Contains the following character: Forward slash /",
    );
  });

  it("fails a download of an artifact the run does not have", async () => {
    const repo = repoWith(`name: CI
on: push
jobs:
  get:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: missing
`);
    const r = await gantry(repo, ["run"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Unable to download artifact(s): Artifact 'missing' not found");
  });
});
