import { describe, expect, it } from "vitest";
import { reviewerNames, timerLeft } from "./pending.js";

describe("a pending deployment", () => {
  it("counts the wait timer down from when it started, to zero", () => {
    const started = "2026-03-01T10:00:00Z";
    const at = (iso: string) => Date.parse(iso);
    const p = { wait_timer: 5, wait_timer_started_at: started };
    expect(timerLeft(p, at("2026-03-01T10:00:00Z"))).toBe(5 * 60_000);
    expect(timerLeft(p, at("2026-03-01T10:03:30Z"))).toBe(90_000);
    expect(timerLeft(p, at("2026-03-01T10:09:00Z"))).toBe(0);
    expect(timerLeft({ wait_timer: 0, wait_timer_started_at: started }, at(started))).toBeUndefined();
    expect(timerLeft({ wait_timer: 2, wait_timer_started_at: null }, at(started))).toBe(120_000);
    // The server's end of the timer wins where it gives one.
    const ends = { ...p, wait_timer_ends_at: "2026-03-01T10:06:00Z" };
    expect(timerLeft(ends, at("2026-03-01T10:05:00Z"))).toBe(60_000);
  });

  it("names users and teams among the reviewers", () => {
    expect(
      reviewerNames([
        { type: "User", reviewer: { login: "rita" } },
        { type: "Team", reviewer: { name: "Release", slug: "release" } },
        { type: "User", reviewer: { login: null } },
      ]),
    ).toEqual(["rita", "Release (team)", "a removed user"]);
  });
});
