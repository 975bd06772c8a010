import { describe, expect, it } from "vitest";
import { duration, timeAgo } from "./relative-time.js";

describe("times as gh prints them", () => {
  const now = new Date("2026-06-01T12:00:00Z");
  const ago = (ms: number) => timeAgo(new Date(now.getTime() - ms), now);

  it("says how long ago in words", () => {
    expect(ago(59_000)).toBe("less than a minute ago");
    expect(ago(60_000)).toBe("about 1 minute ago");
    expect(ago(59 * 60_000)).toBe("about 59 minutes ago");
    expect(ago(3_600_000)).toBe("about 1 hour ago");
    expect(ago(47 * 3_600_000)).toBe("about 1 day ago");
    expect(ago(40 * 86_400_000)).toBe("about 1 month ago");
    expect(ago(800 * 86_400_000)).toBe("about 2 years ago");
  });

  it("prints durations in whole seconds", () => {
    expect(duration(0)).toBe("0s");
    expect(duration(44_600)).toBe("45s");
    expect(duration(125_000)).toBe("2m5s");
    expect(duration(3_603_000)).toBe("1h0m3s");
  });
});
