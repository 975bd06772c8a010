import { describe, expect, it } from "vitest";
import { expiryOf } from "./tokens.js";

describe("gantry tokens create's expiry", () => {
  it("passes --expires as given and turns --expires-in into a time from now", () => {
    expect(expiryOf(undefined, undefined)).toBeUndefined();
    expect(expiryOf("2027-01-31", undefined)).toBe("2027-01-31");
    const before = Date.now();
    const at = Date.parse(expiryOf(undefined, "30d") ?? "");
    expect(at - before).toBeGreaterThanOrEqual(30 * 86_400_000);
    expect(at - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);
    expect(Date.parse(expiryOf(undefined, "90s") ?? "")).toBeGreaterThan(before);
  });

  it("refuses a duration without its unit, a zero one, and both options at once", () => {
    for (const bad of ["30", "0d", "1w", "-1d", "1.5h", "d"])
      expect(() => expiryOf(undefined, bad), bad).toThrow(/--expires-in expects/);
    expect(() => expiryOf("2027-01-31", "30d")).toThrow(/not both/);
  });
});
