import { describe, expect, it } from "vitest";
import { type DeploymentOutcome, doraMetrics, median, quantile } from "./dora.js";

const window = { since: "2026-12-01T00:00:00.000Z", until: "2026-12-08T00:00:00.000Z" };
const at = (day: number, hour = 0, minute = 0) =>
  new Date(Date.UTC(2026, 11, day, hour, minute)).toISOString();
let next = 1;
const ok = (when: string, changes: string[] = []): DeploymentOutcome => ({
  id: next++,
  outcome: "success",
  at: when,
  changes,
});
const failed = (when: string): DeploymentOutcome => ({
  id: next++,
  outcome: "failure",
  at: when,
  changes: [],
});

describe("median and quantile", () => {
  it("take the middle, the nearest rank, and null for nothing", () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([], 0.9)).toBeNull();
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(quantile([7], 0.9)).toBe(7);
  });
});

describe("doraMetrics", () => {
  it("counts a week's deployments, their changes' lead times, failures and the restore", () => {
    const m = doraMetrics(
      [
        ok(at(2, 10), [at(2, 9), at(2, 8)]), // lead times 1 h and 2 h
        failed(at(3, 12)),
        failed(at(3, 12, 30)), // the same outage
        ok(at(3, 13), [at(3, 12, 45)]), // restored after 1 h; lead time 15 min
        ok(at(5, 9), [at(4, 9)]), // lead time 24 h
      ],
      window,
    );
    expect(m.days).toBe(7);
    expect(m.deployments).toEqual({ succeeded: 3, failed: 2 });
    expect(m.deploymentFrequency).toEqual({ perDay: 0.429, perWeek: 3 });
    expect(m.leadTime).toEqual({ changes: 4, medianSeconds: 5400, p90Seconds: 86_400 });
    expect(m.changeFailureRate).toBe(0.4);
    expect(m.timeToRestore).toEqual({ restored: 1, medianSeconds: 3600, unrestoredSince: null });
  });

  it("leaves out what finished outside the window, but an outage open at its start counts", () => {
    const m = doraMetrics(
      [
        ok(at(20)), // after the window
        failed("2026-11-30T22:00:00.000Z"), // before it
        ok(at(1, 1), [at(1, 0, 30)]),
        ok("2026-11-29T00:00:00.000Z", [at(1)]),
      ],
      window,
    );
    expect(m.deployments).toEqual({ succeeded: 1, failed: 0 });
    // Down since 22:00 the day before, back at 01:00: 3 h.
    expect(m.timeToRestore).toEqual({ restored: 1, medianSeconds: 10_800, unrestoredSince: null });
    expect(m.changeFailureRate).toBe(0);
    expect(m.leadTime.medianSeconds).toBe(1800);
  });

  it("says since when an environment is down, and null where there is nothing to measure", () => {
    const down = doraMetrics([ok(at(2)), failed(at(4, 6)), failed(at(5))], window);
    expect(down.timeToRestore).toEqual({ restored: 0, medianSeconds: null, unrestoredSince: at(4, 6) });
    expect(down.changeFailureRate).toBe(0.667);
    expect(down.leadTime).toEqual({ changes: 0, medianSeconds: null, p90Seconds: null });

    const none = doraMetrics([], window);
    expect(none.deployments).toEqual({ succeeded: 0, failed: 0 });
    expect(none.deploymentFrequency).toEqual({ perDay: 0, perWeek: 0 });
    expect(none.changeFailureRate).toBeNull();
    expect(none.timeToRestore).toEqual({ restored: 0, medianSeconds: null, unrestoredSince: null });
  });

  it("never counts a change committed after its deployment as a negative lead time", () => {
    const m = doraMetrics([ok(at(2, 10), [at(2, 11)])], window);
    expect(m.leadTime.medianSeconds).toBe(0);
  });
});
