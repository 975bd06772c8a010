// Golden tests for concurrency groups.
// - test/golden/concurrency/settings/*.yml: a workflow, the contexts to evaluate it with, and either
//   the problems validation reports (`problems:`, as `file:line:col: message`) or each
//   `concurrency:` evaluated (`expected:` workflow and jobs: the setting, or `error:`).
// - test/golden/concurrency/decisions/*.yml: the ConcurrencyGroups contract (concurrency-contract.ts)
//   played against the in-memory groups.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { evaluateConcurrency, MemoryConcurrencyGroups } from "../src/engine/index.js";
import type { Json } from "../src/expressions/index.js";
import { buildWorkflowDef, formatProblem, loadWorkflow } from "../src/workflow/index.js";
import { decisionGoldens, playDecisions } from "./concurrency-contract.js";

const root = fileURLToPath(new URL("./golden/concurrency/", import.meta.url));
const list = (dir: string) =>
  readdirSync(root + dir)
    .filter((f) => f.endsWith(".yml"))
    .sort();

interface SettingsGolden {
  workflow: string;
  contexts?: Record<string, Json>;
  /** Per job id, contexts added for that job (needs, matrix, strategy). */
  jobContexts?: Record<string, Record<string, Json>>;
  problems?: string[];
  expected?: { workflow?: unknown; jobs?: Record<string, unknown> };
}

describe("concurrency settings golden files", () => {
  const files = list("settings");
  it("has golden files", () => expect(files.length).toBeGreaterThanOrEqual(5));
  it.each(files)("%s", async (name) => {
    const golden = parse(readFileSync(`${root}settings/${name}`, "utf8")) as SettingsGolden;
    const loaded = await loadWorkflow("ci.yml", golden.workflow);
    const problems = loaded.problems.map(formatProblem);
    expect(problems).toEqual(golden.problems ?? []);
    if (!golden.expected) return;
    if (!loaded.workflow) throw new Error(`${name}: the workflow did not load`);
    const def = buildWorkflowDef(loaded.workflow);
    const contexts = golden.contexts ?? {};
    const show = (e: ReturnType<typeof evaluateConcurrency>) =>
      "setting" in e ? e.setting : "none" in e ? null : e;
    const actual: { workflow?: unknown; jobs?: Record<string, unknown> } = {};
    if (golden.expected.workflow !== undefined) {
      actual.workflow = show(evaluateConcurrency(def.concurrency, "workflow", contexts));
    }
    if (golden.expected.jobs) {
      actual.jobs = Object.fromEntries(
        def.jobs.map((j) => [
          j.id,
          show(evaluateConcurrency(j.concurrency, "job", { ...contexts, ...golden.jobContexts?.[j.id] })),
        ]),
      );
    }
    expect(actual).toEqual(golden.expected);
  });
});

describe("concurrency decisions golden files", () => {
  const goldens = decisionGoldens();
  it("has golden files", () => expect(goldens.length).toBeGreaterThanOrEqual(5));
  it.each(goldens)("$name", async ({ golden }) => {
    const groups = new MemoryConcurrencyGroups();
    const played = await playDecisions(groups, golden, (group) => groups.snapshot(group));
    expect(played).toEqual({ log: golden.expected, final: golden.final ?? {} });
  });
});
