// Golden tests for concurrency groups.
// - test/golden/concurrency/settings/*.yml: a workflow, the contexts to evaluate it with, and either
//   the problems validation reports (`problems:`, as `file:line:col: message`) or each
//   `concurrency:` evaluated (`expected:` workflow and jobs: the setting, or `error:`).
// - test/golden/concurrency/decisions/*.yml: requests entering and leaving groups (`steps:`) and
//   what happens to each holder, in order (`expected:`).
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  type ConcurrencyQueue,
  type ConcurrencySlot,
  evaluateConcurrency,
  MemoryConcurrencyGroups,
} from "../src/engine/index.js";
import type { Json } from "../src/expressions/index.js";
import { buildWorkflowDef, formatProblem, loadWorkflow } from "../src/workflow/index.js";

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

type Step =
  | { acquire: string; group: string; "cancel-in-progress"?: boolean; queue?: ConcurrencyQueue }
  | { release: string }
  | { abort: string }
  | { "acquire-many": number; prefix: string; group: string; queue?: ConcurrencyQueue };

interface DecisionsGolden {
  steps: Step[];
  expected: string[];
  /** The holders running and pending per group at the end. */
  final?: Record<string, { running?: string; pending: string[] }>;
}

/** Lets settled promises run their callbacks before the next step. */
const settle = () => new Promise((r) => setImmediate(r));

describe("concurrency decisions golden files", () => {
  const files = list("decisions");
  it("has golden files", () => expect(files.length).toBeGreaterThanOrEqual(5));
  it.each(files)("%s", async (name) => {
    const golden = parse(readFileSync(`${root}decisions/${name}`, "utf8")) as DecisionsGolden;
    const groups = new MemoryConcurrencyGroups();
    const log: string[] = [];
    const slots = new Map<string, ConcurrencySlot>();
    const aborts = new Map<string, AbortController>();
    const acquire = (holder: string, group: string, cancel: boolean, queue: ConcurrencyQueue) => {
      const abort = new AbortController();
      aborts.set(holder, abort);
      void groups
        .acquire({ holder, group, cancelInProgress: cancel, queue }, abort.signal)
        .then((admission) => {
          if (!admission.granted) {
            log.push(`${holder}: cancelled: ${admission.message}`);
            return;
          }
          log.push(`${holder}: running`);
          slots.set(holder, admission.slot);
          admission.slot.onSuperseded((message) => log.push(`${holder}: superseded: ${message}`));
        });
    };
    for (const step of golden.steps) {
      if ("acquire" in step) {
        acquire(step.acquire, step.group, step["cancel-in-progress"] ?? false, step.queue ?? "single");
      } else if ("acquire-many" in step) {
        for (let i = 1; i <= step["acquire-many"]; i++) {
          acquire(`${step.prefix}${i}`, step.group, false, step.queue ?? "single");
        }
      } else if ("release" in step) {
        const slot = slots.get(step.release);
        if (!slot) throw new Error(`${name}: ${step.release} holds no slot`);
        await slot.release();
      } else {
        aborts.get(step.abort)?.abort();
      }
      await settle();
    }
    const final: DecisionsGolden["final"] = {};
    for (const group of Object.keys(golden.final ?? {})) final[group] = groups.snapshot(group);
    expect({ log, final }).toEqual({ log: golden.expected, final: golden.final ?? {} });
  });
});
