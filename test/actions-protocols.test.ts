import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JobReport } from "../src/engine/index.js";
import { gantry, job, repoWith } from "./harness.js";
import { toolkitAction } from "./toolkit-action.js";

function outputsOf(j: JobReport, id: string): Record<string, string> {
  const step = j.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step '${id}' in ${j.name}`);
  return step.outputs;
}

function machine(): Record<string, string> {
  return {
    GANTRY_HOME: mkdtempSync(join(tmpdir(), "gantry-home-")),
    HOME: mkdtempSync(join(tmpdir(), "gantry-user-")),
  };
}

// Each toolkit step takes seconds only to load @actions/artifact or @actions/cache.

/**
 * Jobs in a chain: the real @actions/cache saves, then the toolkit and the built-in actions/cache
 * restore it; the built-in saves and the toolkit restores that. `serviceV2` is the step env that
 * picks the cache service (ACTIONS_CACHE_SERVICE_V2 empty selects v1).
 */
function cacheWorkflow(serviceV2: string): string {
  return `name: CI
on: push
env:
  ACTIONS_CACHE_SERVICE_V2: "${serviceV2}"
jobs:
  save:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: mkdir -p deps/sub && echo "from the toolkit" > deps/sub/a.txt && head -c 300000 /dev/urandom > deps/big.bin && sha256sum deps/big.bin > big.sum
      - id: save
        uses: ./.github/actions/toolkit
        with: { op: save, paths: deps, key: deps-one }
      - uses: actions/upload-artifact@v4
        with: { name: sum, path: big.sum }
  toolkit-restore:
    needs: save
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: exact
        uses: ./.github/actions/toolkit
        with: { op: restore, paths: deps, key: deps-one }
      - id: prefix
        uses: ./.github/actions/toolkit
        with: { op: restore, paths: deps, key: nothing-like-it, restore-keys: deps- }
      - id: miss
        uses: ./.github/actions/toolkit
        with: { op: restore, paths: deps, key: nothing-like-it, must-hit: "false" }
      - uses: actions/download-artifact@v4
        with: { name: sum }
      - run: test "$(cat deps/sub/a.txt)" = "from the toolkit" && sha256sum -c big.sum
  builtin:
    needs: save
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: restore
        uses: actions/cache/restore@v4
        with: { path: deps, key: deps-one }
      - run: test "$(cat deps/sub/a.txt)" = "from the toolkit"
      - run: mkdir -p built && echo "from the built-in" > built/b.txt
      - uses: actions/cache/save@v4
        with: { path: built, key: built-one }
  builtin-then-toolkit:
    needs: builtin
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: restore
        uses: ./.github/actions/toolkit
        with: { op: restore, paths: built, key: built-one }
      - run: test "$(cat built/b.txt)" = "from the built-in"
      - id: again
        uses: ./.github/actions/toolkit
        with: { op: save, paths: built, key: built-one }
        continue-on-error: true
`;
}

const ARTIFACT_WORKFLOW = `name: CI
on: push
jobs:
  up:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          mkdir -p out/sub bi/docs
          echo "alpha" > out/a.txt
          head -c 200000 /dev/urandom > out/sub/b.bin
          echo "built-in" > bi/docs/readme.md
          (cd out && sha256sum a.txt sub/b.bin) > "$SHARED/tk.sum"
          echo "token=$ACTIONS_RUNTIME_TOKEN"
          echo "$ACTIONS_RUNTIME_TOKEN" > "$SHARED/up.token"
      - id: upload
        uses: ./.github/actions/toolkit
        with:
          op: upload
          name: tk
          root: out
          files: |
            a.txt
            sub/b.bin
      - uses: actions/upload-artifact@v4
        with: { name: bi, path: bi }
      - id: again
        uses: ./.github/actions/toolkit
        with: { op: upload, name: tk, root: out, files: a.txt }
        continue-on-error: true
  down:
    needs: up
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: list
        uses: ./.github/actions/toolkit
        with: { op: list }
      # The token of the finished job is refused; this job's own is not.
      - run: |
          for t in "$(cat "$SHARED/up.token")" "$ACTIONS_RUNTIME_TOKEN"; do
            node -e 'fetch(process.env.ACTIONS_RESULTS_URL + "twirp/github.actions.results.api.v1.ArtifactService/ListArtifacts", { method: "POST", headers: { authorization: "Bearer " + process.argv[1], "content-type": "application/json" }, body: "{}" }).then((r) => console.log("status=" + r.status))' "$t"
          done
      - uses: ./.github/actions/toolkit
        with: { op: download, name: tk, dest: got-tk }
      - run: (cd got-tk && sha256sum -c "$SHARED/tk.sum")
      - uses: actions/download-artifact@v4
        with: { name: tk, path: builtin-tk }
      - run: (cd builtin-tk && sha256sum -c "$SHARED/tk.sum")
      - uses: ./.github/actions/toolkit
        with: { op: download, name: bi, dest: got-bi }
      - run: test "$(cat got-bi/docs/readme.md)" = "built-in"
      - id: delete
        uses: ./.github/actions/toolkit
        with: { op: delete, name: bi }
      - id: after
        uses: ./.github/actions/toolkit
        with: { op: list }
`;

describe.concurrent("the Actions services with the real toolkit", () => {
  it("@actions/artifact uploads, lists, downloads and deletes, and shares artifacts with the built-ins and gantry artifacts", async () => {
    const shared = mkdtempSync(join(tmpdir(), "gantry-shared-"));
    const repo = repoWith(ARTIFACT_WORKFLOW.replace(/\$SHARED/g, shared), toolkitAction());
    const env = machine();
    const res = await gantry(repo, ["run"], { env });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const up = job(res.report, "up");
    expect(outputsOf(up, "upload")).toEqual({
      id: expect.stringMatching(/^\d+$/),
      size: expect.stringMatching(/^\d+$/),
    });
    // Names are immutable: a second upload of one name is refused.
    expect(up.steps.find((s) => s.id === "again")?.outcome).toBe("failure");
    expect(res.stdout).toContain("already exists");
    // The token is masked in logs, refused once its job ended (401), and asks the run and job
    // ids of the request (400 for this empty one) while its job runs.
    expect(res.stdout).toContain("token=***");
    expect(res.stdout).toMatch(/status=401[\s\S]*status=400/);
    const down = job(res.report, "down");
    expect(outputsOf(down, "list")).toEqual({ names: "bi,tk" });
    expect(outputsOf(down, "delete").id).toMatch(/^\d+$/);
    expect(outputsOf(down, "after")).toEqual({ names: "tk" });

    const runId = res.report?.runs[0].runId ?? "";
    const dir = mkdtempSync(join(tmpdir(), "gantry-dl-"));
    const dl = await gantry(repo, ["artifacts", "download", runId, "tk", "--dir", dir], { env });
    expect(dl.code, dl.stderr).toBe(0);
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("alpha\n");
    expect(readFileSync(join(dir, "sub", "b.bin")).length).toBe(200000);
  }, 240_000);

  for (const [label, v2] of [
    ["cache v2 (twirp, Azure blob uploads)", "True"],
    ["cache v1 (_apis/artifactcache)", ""],
  ] as const) {
    it(`${label}: @actions/cache saves and restores, and shares entries with the built-in actions/cache`, async () => {
      const repo = repoWith(cacheWorkflow(v2), toolkitAction());
      const res = await gantry(repo, ["run"], { env: machine() });
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(outputsOf(job(res.report, "save"), "save").id).toMatch(/^\d+$/);
      const restored = job(res.report, "toolkit-restore");
      expect(outputsOf(restored, "exact")).toEqual({ matched: "deps-one" });
      expect(outputsOf(restored, "prefix")).toEqual({ matched: "deps-one" });
      expect(outputsOf(restored, "miss")).toEqual({ matched: "" });
      expect(outputsOf(job(res.report, "builtin"), "restore")["cache-hit"]).toBe("true");
      const last = job(res.report, "builtin-then-toolkit");
      expect(outputsOf(last, "restore")).toEqual({ matched: "built-one" });
      // The entry exists: the toolkit's save of the same key is refused, as GitHub refuses it.
      expect(last.steps.find((s) => s.id === "again")?.outcome).toBe("failure");
      expect(res.stdout).toContain("another job may be creating this cache");
    }, 240_000);
  }
});
