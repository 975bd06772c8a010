// Every real workflow in ../shared/corpus must load with no false error, and every file in
// corpus/invalid must be rejected at the position the corpus README documents.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { workflowAdvice } from "../src/advise/index.js";
import {
  buildWorkflowDef,
  checkLocalReferences,
  formatProblem,
  loadWorkflow,
  type Problem,
} from "../src/workflow/index.js";

const CORPUS = resolve(import.meta.dirname, "../../shared/corpus");
const WORKFLOWS = join(CORPUS, "workflows");
const INVALID = join(CORPUS, "invalid");

// Fail loudly (at collection, so no test of this file can pass) when the corpus is missing.
if (!existsSync(WORKFLOWS) || !existsSync(INVALID)) {
  throw new Error(`The workflow corpus is missing: expected ${WORKFLOWS} and ${INVALID}`);
}

function listYaml(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

/** `- FILE: line N, col M, …` entries of the README's `## invalid/` section. */
function documentedPositions(): Map<string, { line: number; col: number }> {
  const readme = readFileSync(join(CORPUS, "README.md"), "utf8");
  const section = readme.split(/^## invalid\/\s*$/m)[1] ?? "";
  const out = new Map<string, { line: number; col: number }>();
  for (const m of section.matchAll(/^- (\S+\.ya?ml): line (\d+), col (\d+)/gm)) {
    out.set(m[1], { line: Number(m[2]), col: Number(m[3]) });
  }
  return out;
}

/** Corpus files stand alone: their repository's other files are absent, so use an empty dir. */
const standAlone = mkdtempSync(join(tmpdir(), "gantry-corpus-"));

async function problemsOf(dir: string, name: string): Promise<{ problems: Problem[]; loaded: boolean }> {
  const result = await loadWorkflow(name, readFileSync(join(dir, name), "utf8"));
  const problems = [...result.problems];
  if (result.workflow) problems.push(...checkLocalReferences(result.workflow, standAlone, "warning"));
  return { problems, loaded: result.workflow !== undefined };
}

const errorsOnly = (problems: Problem[]) => problems.filter((p) => p.severity === "error").map(formatProblem);

describe("corpus/workflows: no false errors", () => {
  const files = listYaml(WORKFLOWS);

  it("holds the corpus", () => {
    expect(files.length).toBeGreaterThanOrEqual(100);
  });

  it.each(files)("%s", async (name) => {
    const { problems, loaded } = await problemsOf(WORKFLOWS, name);
    expect(errorsOnly(problems)).toEqual([]);
    expect(loaded).toBe(true);
    const result = await loadWorkflow(name, readFileSync(join(WORKFLOWS, name), "utf8"));
    if (!result.workflow) return;
    const def = buildWorkflowDef(result.workflow);
    expect(def.file).toBe(name);
    expect(def.jobs.length).toBeGreaterThan(0);
    expect(def.jobs.map((j) => j.id)).toEqual(result.workflow.template.jobs.map((j) => j.id.value));
    // gantry advise reads it too, pointing into the file.
    const lines = readFileSync(join(WORKFLOWS, name), "utf8").split("\n").length;
    for (const a of workflowAdvice([def])) {
      expect(a.file).toBe(name);
      expect(a.line).toBeGreaterThanOrEqual(1);
      expect(a.line).toBeLessThanOrEqual(lines);
    }
  });

  it("reports a missing reusable workflow as a warning for a stand-alone file, an error in a repository", async () => {
    // vuejs/core's ci.yml calls ./.github/workflows/test.yml, which the corpus does not hold.
    const name = files.find((f) => f.startsWith("vuejs__core__") && f.endsWith("ci.yml"));
    expect(name).toBeDefined();
    const result = await loadWorkflow(name as string, readFileSync(join(WORKFLOWS, name as string), "utf8"));
    if (!result.workflow) throw new Error("did not load");
    const asWarning = checkLocalReferences(result.workflow, standAlone, "warning");
    expect(asWarning.map((p) => p.severity)).toContain("warning");
    expect(asWarning.some((p) => p.severity === "error")).toBe(false);
    const asError = checkLocalReferences(result.workflow, standAlone);
    expect(asError.filter((p) => p.severity === "error").map(formatProblem)).toEqual([
      expect.stringMatching(/:\d+:\d+: Reusable workflow '\.\/\.github\/workflows\/test\.yml' was not found/),
    ]);
  });
});

describe("corpus/invalid: true positives at the documented position", () => {
  const files = listYaml(INVALID);
  const documented = documentedPositions();

  it("documents a position for every invalid file", () => {
    expect(files.length).toBeGreaterThan(0);
    expect([...documented.keys()].sort()).toEqual(files);
    expect(documented.get("go-gitea__gitea__.github__workflows__cron-licenses.yml")).toEqual({
      line: 9,
      col: 9,
    });
  });

  it.each(files)("%s", async (name) => {
    const { problems } = await problemsOf(INVALID, name);
    const errors = problems.filter((p) => p.severity === "error");
    expect(errors.length).toBeGreaterThan(0);
    const where = documented.get(name);
    expect(errors.map((p) => ({ line: p.line, col: p.col }))).toContainEqual(where);
  });

  it("names the double-quoted string in gitea's expression", async () => {
    const { problems } = await problemsOf(INVALID, "go-gitea__gitea__.github__workflows__cron-licenses.yml");
    expect(errorsOnly(problems)).toEqual([
      expect.stringMatching(
        /^go-gitea__gitea__\.github__workflows__cron-licenses\.yml:9:9: Unexpected symbol: '"go-gitea\/gitea"'/,
      ),
    ]);
  });
});
