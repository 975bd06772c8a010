import { describe, expect, it } from "vitest";
import { formatMs, historyAdvice, type RunRecord, runnerMinutes } from "./history-advice.js";

const T0 = Date.parse("2026-11-01T00:00:00Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();
const MIN = 60_000;

/** A CI run starting `day` days in: build 2 min, then test `testMin` minutes (its step 'Run tests' most of it). */
function run(day: number, testMin: number): RunRecord {
  const start = day * 86_400_000;
  return {
    path: ".github/workflows/ci.yml",
    workflow: "CI",
    startedAt: at(start),
    completedAt: at(start + (2 + testMin) * MIN),
    jobs: [
      { name: "build", startedAt: at(start), completedAt: at(start + 2 * MIN - 5000), steps: [] },
      {
        name: "test",
        startedAt: at(start + 2 * MIN),
        completedAt: at(start + (2 + testMin) * MIN),
        steps: [
          { name: "Set up job", startedAt: at(start + 2 * MIN), completedAt: at(start + 2 * MIN + 1000) },
          {
            name: "Run tests",
            startedAt: at(start + 2 * MIN + 1000),
            completedAt: at(start + (2 + testMin) * MIN),
          },
        ],
      },
    ],
  };
}

describe("historyAdvice", () => {
  it("bills each job rounded up to the minute", () => {
    expect(runnerMinutes(run(0, 10))).toBe(12);
    expect(formatMs(65_000)).toBe("1m 05s");
    expect(formatMs(3 * 3_600_000 + 4 * MIN)).toBe("3h 04m");
  });

  it("says what a workflow costs a week, and which job to split", () => {
    // Fourteen runs over two weeks: seven a week, a median 12 minutes each, 12 runner minutes a run.
    const runs = Array.from({ length: 14 }, (_, i) => run(i * (14 / 13), 10));
    expect(historyAdvice(runs, 0.008).map((a) => `${a.kind}: ${a.message}`)).toEqual([
      "cost: CI: 7 runs a week over the last 14, a median 12m 00s each and 12 runner minutes a run: 84 runner minutes a week (0.67 a week at 0.008 a minute)",
      "split: job 'test' takes a median 10m 00s of the run's 12m 00s, 9m 59s of it in step 'Run tests': split it into jobs that run at once, or shard it across a matrix",
    ]);
  });

  it("leaves quick jobs whole, costs without a price, and needs three runs", () => {
    const quick = [run(0, 1), run(1, 1), run(2, 1)];
    expect(historyAdvice(quick).map((a) => a.kind)).toEqual(["cost"]);
    expect(historyAdvice(quick)[0].message).toMatch(/: 9 runner minutes a week$/);
    expect(historyAdvice(quick.slice(0, 2))).toEqual([]);
  });
});
