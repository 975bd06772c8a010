import { describe, expect, it } from "vitest";
import { isStale, STALE_EPHEMERAL_RUNNER_MS, STALE_RUNNER_MS } from "./stale-runners.js";

describe("isStale", () => {
  const seen = "2026-01-01T00:00:00.000Z";
  const at = (ms: number) => Date.parse(seen) + ms;

  it("removes a runner silent more than 14 days, an ephemeral one more than a day", () => {
    expect(isStale({ ephemeral: false, lastSeenAt: seen }, at(STALE_RUNNER_MS))).toBe(false);
    expect(isStale({ ephemeral: false, lastSeenAt: seen }, at(STALE_RUNNER_MS + 1))).toBe(true);
    expect(isStale({ ephemeral: false, lastSeenAt: seen }, at(STALE_EPHEMERAL_RUNNER_MS + 1))).toBe(false);
    expect(isStale({ ephemeral: true, lastSeenAt: seen }, at(STALE_EPHEMERAL_RUNNER_MS))).toBe(false);
    expect(isStale({ ephemeral: true, lastSeenAt: seen }, at(STALE_EPHEMERAL_RUNNER_MS + 1))).toBe(true);
  });
});
