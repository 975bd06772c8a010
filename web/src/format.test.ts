import { describe, expect, it } from "vitest";
import { durationBetween, formatDuration, stateOf, timeAgo } from "./format.js";

describe("format", () => {
  it("writes durations as a CI page shows them", () => {
    expect(formatDuration(4_400)).toBe("4s");
    expect(formatDuration(65_000)).toBe("1m 05s");
    expect(formatDuration(2 * 3600_000 + 3 * 60_000)).toBe("2h 03m");
    expect(durationBetween(null, null)).toBe("");
    expect(durationBetween("2026-01-01T00:00:00Z", "2026-01-01T00:00:09Z")).toBe("9s");
    expect(durationBetween("2026-01-01T00:00:00Z", null, Date.parse("2026-01-01T00:01:00Z"))).toBe("1m 00s");
  });

  it("says how long ago", () => {
    const now = Date.parse("2026-01-10T00:00:00Z");
    expect(timeAgo("2026-01-09T23:59:50Z", now)).toBe("just now");
    expect(timeAgo("2026-01-09T23:55:00Z", now)).toBe("5 minutes ago");
    expect(timeAgo("2026-01-07T00:00:00Z", now)).toBe("3 days ago");
  });

  it("shows the conclusion once completed", () => {
    expect(stateOf({ status: "in_progress", conclusion: null })).toBe("in_progress");
    expect(stateOf({ status: "completed", conclusion: "failure" })).toBe("failure");
  });
});
