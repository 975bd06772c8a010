import { describe, expect, it } from "vitest";
import { logStepState } from "./log-step-state.js";

const running = { status: "in_progress", conclusion: null };
const logSteps = [{ name: "Set up job" }, { name: "Install" }];

describe("logStepState", () => {
  it("takes the stored step's state once it started", () => {
    const stored = [
      { name: "Set up job", status: "completed", conclusion: "success" },
      { name: "Install", status: "in_progress", conclusion: null },
    ];
    expect(logStepState(0, logSteps, stored, {}, running)).toBe("success");
    expect(logStepState(1, logSteps, stored, {}, running)).toBe("in_progress");
  });

  it("shows a step the log holds as running, though the job was read while it was stored queued", () => {
    const stored = [
      { name: "Set up job", status: "completed", conclusion: "success" },
      { name: "Install", status: "queued", conclusion: null },
    ];
    expect(logStepState(1, logSteps, stored, {}, running)).toBe("in_progress");
  });
});
