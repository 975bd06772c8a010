import { describe, expect, it } from "vitest";
import { labelsMatch } from "./runner-labels.js";

describe("labelsMatch", () => {
  const map = { "ubuntu-latest": ["Linux"] };
  it("takes a job when every label it asks for (after the map) is the runner's, in any case", () => {
    expect(labelsMatch([], ["self-hosted"], map)).toBe(true);
    expect(labelsMatch(["self-hosted", "linux"], ["self-hosted", "Linux", "X64"], map)).toBe(true);
    expect(labelsMatch(["ubuntu-latest"], ["self-hosted", "Linux"], map)).toBe(true);
    expect(labelsMatch(["UBUNTU-LATEST"], ["linux"], map)).toBe(true);
  });
  it("refuses a job asking for a label the runner lacks", () => {
    expect(labelsMatch(["self-hosted", "gpu"], ["self-hosted", "Linux"], map)).toBe(false);
    expect(labelsMatch(["windows-latest"], ["self-hosted", "Linux"], map)).toBe(false);
    expect(labelsMatch(["ubuntu-latest"], ["self-hosted"], map)).toBe(false);
  });
});
