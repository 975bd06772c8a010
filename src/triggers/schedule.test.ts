import { describe, expect, it } from "vitest";
import { workflowMatches } from "../workflow/index.js";
import {
  CronError,
  dueSchedules,
  dueTick,
  latestTick,
  nextTick,
  nextWake,
  parseCron,
  scheduleEntries,
  scheduleEvent,
  scheduleKey,
} from "./schedule.js";

const at = (iso: string) => new Date(iso);

describe("cron ticks (UTC)", () => {
  it("computes the next and the latest tick in UTC", () => {
    expect(nextTick("30 5 * * *", at("2026-11-30T05:29:59Z"))).toEqual(at("2026-11-30T05:30:00Z"));
    expect(nextTick("30 5 * * *", at("2026-11-30T05:30:00Z"))).toEqual(at("2026-12-01T05:30:00Z"));
    expect(latestTick("*/15 * * * *", at("2026-11-30T07:30:00Z"))).toEqual(at("2026-11-30T07:30:00Z"));
    expect(latestTick("*/15 * * * *", at("2026-11-30T07:29:59Z"))).toEqual(at("2026-11-30T07:15:00Z"));
  });

  it("day of month and day of week: either matches (POSIX)", () => {
    // The 13th, and every Friday.
    const ticks: Date[] = [];
    let t = at("2026-11-30T00:00:00Z");
    for (let i = 0; i < 4; i++) {
      t = nextTick("0 0 13 * 5", t) as Date;
      ticks.push(t);
    }
    expect(ticks.map((d) => d.toISOString().slice(0, 10))).toEqual([
      "2026-12-04",
      "2026-12-11",
      "2026-12-13",
      "2026-12-18",
    ]);
  });

  it("rejects what is not five-field cron, with the reason", () => {
    expect(() => parseCron("* * * * * *")).toThrow(CronError);
    expect(() => parseCron("* * * * * *")).toThrow(
      /invalid cron '\* \* \* \* \* \*': mode '5-part' requires exactly 5 parts/,
    );
    expect(() => parseCron("61 * * * *")).toThrow(/Invalid value for minute: 61/);
  });
});

describe("dueTick", () => {
  const cron = "0 * * * *"; // hourly

  it("a schedule seen for the first time runs nothing and starts from now", () => {
    const now = at("2026-11-30T07:20:00Z");
    expect(dueTick(cron, undefined, now)).toEqual({ record: now });
  });

  it("runs a tick once: not again at the same time, nor after a restart", () => {
    const last = at("2026-11-30T06:00:00Z");
    const now = at("2026-11-30T07:00:00Z");
    const first = dueTick(cron, last, now);
    expect(first).toEqual({ run: now, record: now });
    // The store now holds 07:00: later in the hour, or a restarted server, finds nothing due.
    expect(dueTick(cron, first.record, now)).toEqual({ record: now });
    expect(dueTick(cron, first.record, at("2026-11-30T07:59:59Z"))).toEqual({ record: now });
  });

  it("after a long outage runs only the latest missed tick, once", () => {
    const last = at("2026-11-30T01:00:00Z");
    const now = at("2026-11-30T07:42:00Z"); // 02:00 … 07:00 were missed
    const decision = dueTick(cron, last, now);
    expect(decision).toEqual({ run: at("2026-11-30T07:00:00Z"), record: at("2026-11-30T07:00:00Z") });
    expect(dueTick(cron, decision.record, now)).toEqual({ record: decision.record });
  });
});

describe("dueSchedules", () => {
  const entries = scheduleEntries([
    { file: ".github/workflows/nightly.yml", crons: ["0 3 * * *", "0 3 * * *"] },
    { file: ".github/workflows/hourly.yml", crons: ["0 * * * *"] },
    { file: ".github/workflows/also-nightly.yml", crons: ["0 3 * * *"] },
  ]);

  it("lists each (file, cron) once", () => {
    expect(entries.map(scheduleKey)).toEqual([
      ".github/workflows/nightly.yml\n0 3 * * *",
      ".github/workflows/hourly.yml\n0 * * * *",
      ".github/workflows/also-nightly.yml\n0 3 * * *",
    ]);
  });

  it("groups due workflows by cron and records every entry's tick", () => {
    const before = at("2026-11-30T02:30:00Z");
    const last = new Map(entries.map((e) => [scheduleKey(e), before]));
    const now = at("2026-11-30T03:00:00Z");
    const { due, record } = dueSchedules(entries, last, now);
    expect(due).toEqual([
      {
        cron: "0 3 * * *",
        tick: now,
        files: [".github/workflows/nightly.yml", ".github/workflows/also-nightly.yml"],
      },
      { cron: "0 * * * *", tick: now, files: [".github/workflows/hourly.yml"] },
    ]);
    expect([...record.values()]).toEqual([now, now, now]);
    expect(dueSchedules(entries, record, now).due).toEqual([]);
  });

  it("wakes at the earliest next tick", () => {
    expect(nextWake(entries, at("2026-11-30T02:30:00Z"))).toEqual(at("2026-11-30T03:00:00Z"));
    expect(nextWake([], at("2026-11-30T02:30:00Z"))).toBeUndefined();
  });
});

describe("scheduleEvent", () => {
  it("runs on the default branch and starts only the workflows with that cron", () => {
    const ev = scheduleEvent({ owner: "o", name: "r", defaultBranch: "trunk" }, "0 3 * * *", "c".repeat(40));
    expect(ev).toMatchObject({ name: "schedule", ref: "refs/heads/trunk", sha: "c".repeat(40) });
    expect(ev.payload).toMatchObject({ schedule: "0 3 * * *", repository: { full_name: "o/r" } });
    expect(workflowMatches({ schedule: [{ cron: "0 3 * * *" }] }, ev)).toBe(true);
    expect(workflowMatches({ schedule: [{ cron: "0 4 * * *" }] }, ev)).toBe(false);
  });
});
