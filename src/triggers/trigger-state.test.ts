import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTriggerState, writeTriggerState } from "./trigger-state.js";

describe("trigger state", () => {
  it("starts fresh, round-trips, and leaves no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-state-"));
    const file = join(dir, "acme", "app.json");
    expect(readTriggerState(file)).toEqual({ ticks: {} });
    const state = {
      refs: { "refs/heads/main": "a".repeat(40) },
      ticks: { "ci.yml\n0 * * * *": "2026-11-30T07:00:00.000Z" },
    };
    writeTriggerState(file, state);
    expect(readTriggerState(file)).toEqual(state);
    expect(readdirSync(join(dir, "acme"))).toEqual(["app.json"]);
  });

  it("names the file it cannot read", () => {
    const file = join(mkdtempSync(join(tmpdir(), "gantry-state-")), "x.json");
    writeFileSync(file, "{oops");
    expect(() => readTriggerState(file)).toThrow(`${file}: not JSON`);
    writeFileSync(file, JSON.stringify({ refs: ["x"] }));
    expect(() => readTriggerState(file)).toThrow(/not a trigger state/);
  });
});
